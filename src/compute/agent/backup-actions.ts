/**
 * @module nova-compute's backup_instance, agent side: the snapshot (task states image_backup,
 * image_pending_upload, image_uploading) and then the rotation (_rotate_backups), which deletes
 * the oldest backups of the instance and backup type beyond the rotation count; with rotation 0
 * that is every one, the new backup too.
 */
import { TaskState as T } from '../model/states.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { AgentContext } from './context.ts'
import { uploadSnapshot } from './guest-actions.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

export type BackupAgentActions = Pick<AgentRpc, 'backupInstance'>

/**
 * Deletes the backups beyond `rotation`, oldest first, with the caller's token; an image that
 * cannot be deleted is logged and skipped, as Nova does.
 */
export async function rotateBackups(ctx: AgentContext, args: ActionRequest, backupType: string, rotation: number): Promise<void> {
  const images = ctx.images?.(args.context.token)
  if (!images) return
  const uuid = args.instance.uuid
  const backups = await images.list({
    image_type: 'backup', backup_type: backupType, instance_uuid: uuid, sort_key: 'created_at', sort_dir: 'desc',
  })
  const excess = backups.slice(rotation)
  if (excess.length) ctx.log.info(`rotating out ${excess.length} of ${backups.length} ${backupType} backups of instance ${uuid} (rotation ${rotation})`)
  for (const image of excess.reverse()) {
    await images.delete(image.id).catch((err) => ctx.log.info(`could not delete backup ${image.id} of instance ${uuid} during rotation: ${errText(err)}`))
  }
}

export function backupAgentActions(ctx: AgentContext): BackupAgentActions {
  async function step(uuid: string, to: string, from: Array<string | null>) {
    const i = await ctx.update(uuid, { task_state: to }, from)
    if (!i) throw new Error(`instance ${uuid} was deleted or changed its task state during the backup`)
  }

  return {
    async backupInstance(args) {
      let uploaded = false
      await ctx.act(args, {
        event: 'compute_backup_instance',
        expected: [T.IMAGE_BACKUP, T.IMAGE_PENDING_UPLOAD, T.IMAGE_UPLOADING],
        run: async (i) => {
          await uploadSnapshot(ctx, args, i.uuid, args.imageId, async (stage) => {
            if (stage === 'pending_upload') await step(i.uuid, T.IMAGE_PENDING_UPLOAD, [T.IMAGE_BACKUP])
            else if (stage === 'uploading') await step(i.uuid, T.IMAGE_UPLOADING, [T.IMAGE_PENDING_UPLOAD])
          })
          uploaded = true
          return {}
        },
      })
      // As in Nova, the rotation follows the finished snapshot (the server is idle again by then).
      if (!uploaded) return
      try {
        await rotateBackups(ctx, args, args.backupType, args.rotation)
      } catch (err) {
        ctx.log.error(`backup rotation failed for instance ${args.instance.uuid}: ${errText(err)}`)
        await ctx.conductor.addFault({ uuid: args.instance.uuid, code: 500, message: errText(err), details: String((err as Error).stack ?? ''), host: ctx.host })
      }
    },
  }
}
