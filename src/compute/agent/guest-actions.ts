/**
 * @module Single-host guest actions, agent side (nova-compute's rebuild_instance,
 * snapshot_instance, rescue_instance, unrescue_instance, set_admin_password): each runs under
 * the instance's lock as one instance-action event and walks Nova's task states.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { NovaError } from '../errors.ts'
import { PowerState, TaskState, VmState } from '../model/states.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { AgentContext } from './context.ts'
import { guestOf } from './guest.ts'

const T = TaskState
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

export type GuestAgentActions = Pick<AgentRpc, 'rebuildInstance' | 'snapshotInstance' | 'rescueInstance' | 'unrescueInstance' | 'setAdminPassword'>

/**
 * Copies the guest's disk into the queued image `imageId` with the caller's token: `stage` is
 * told before the driver snapshots, before the disk is spooled to a file (so the upload knows
 * its size, as Nova's libvirt driver does) and before the upload, to move the task state on.
 * On failure the image is deleted (Nova's delete_image_on_error) and the error rethrown.
 */
export async function uploadSnapshot(
  ctx: AgentContext, args: ActionRequest, uuid: string, imageId: string, stage: (s: 'snapshot' | 'pending_upload' | 'uploading') => Promise<void>,
): Promise<void> {
  const images = ctx.images?.(args.context.token)
  let dir: string | undefined
  try {
    if (!images) throw new Error('this compute agent has no image service to upload snapshots to')
    await stage('snapshot')
    const snap = await ctx.driver.snapshot(uuid)
    await stage('pending_upload')
    dir = await mkdtemp(join(tmpdir(), 'nubis-snapshot-'))
    const file = join(dir, 'disk')
    await pipeline(snap.data, createWriteStream(file))
    await stage('uploading')
    await images.uploadFile(imageId, file)
    ctx.log.info(`snapshot ${imageId} of instance ${uuid} uploaded`, { request_id: args.context.requestId })
  } catch (err) {
    await images?.delete(imageId).catch((e) => ctx.log.warn(`could not delete image ${imageId} of a failed snapshot: ${errText(e)}`))
    throw err
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
}

export function guestAgentActions(ctx: AgentContext): GuestAgentActions {
  const { driver, conductor, host, log } = ctx

  /** Moves the task state on; throws when the instance went away or another task took over. */
  async function step(uuid: string, to: string, from: Array<string | null>) {
    const i = await ctx.update(uuid, { task_state: to }, from)
    if (!i) throw new Error(`instance ${uuid} was deleted or changed its task state during the operation`)
    return i
  }

  return {
    rebuildInstance: (args) => ctx.act(args, {
      event: 'compute_rebuild_instance',
      expected: [T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING],
      // A guest half re-created is no guest: Nova puts a failed rebuild in ERROR.
      onError: 'error',
      run: async (i) => {
        const wasStopped = i.vm_state === VmState.STOPPED
        await step(i.uuid, T.REBUILD_BLOCK_DEVICE_MAPPING, [T.REBUILDING])
        const now = await step(i.uuid, T.REBUILD_SPAWNING, [T.REBUILD_BLOCK_DEVICE_MAPPING])
        await driver.rebuild(guestOf(now, { imageRef: args.imageRef || now.image_ref, adminPassword: args.adminPassword, injectedFiles: args.injectedFiles ?? [] }))
        const launched = { launched_at: new Date().toISOString(), progress: 0 }
        if (wasStopped) {
          // A stopped server comes back stopped (Nova powers it off after the rebuild).
          await driver.powerOff(i.uuid, 60)
          return { ...launched, vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN }
        }
        return { ...launched, vm_state: VmState.ACTIVE, power_state: await driver.powerState(i.uuid) }
      },
    }),

    snapshotInstance: (args) => ctx.act(args, {
      event: 'compute_snapshot_instance',
      expected: [T.IMAGE_SNAPSHOT_PENDING, T.IMAGE_SNAPSHOT, T.IMAGE_PENDING_UPLOAD, T.IMAGE_UPLOADING],
      run: async (i) => {
        await uploadSnapshot(ctx, args, i.uuid, args.imageId, async (stage) => {
          if (stage === 'snapshot') await step(i.uuid, T.IMAGE_SNAPSHOT, [T.IMAGE_SNAPSHOT_PENDING])
          else if (stage === 'pending_upload') await step(i.uuid, T.IMAGE_PENDING_UPLOAD, [T.IMAGE_SNAPSHOT])
          else await step(i.uuid, T.IMAGE_UPLOADING, [T.IMAGE_PENDING_UPLOAD])
        })
        return {}
      },
    }),

    rescueInstance: (args) => ctx.act(args, {
      event: 'compute_rescue_instance',
      expected: [T.RESCUING],
      run: async (i) => {
        if (!driver.capabilities.supportsRescue) throw new NovaError(501, `Instance ${i.uuid} cannot be rescued: the hypervisor does not support rescue`)
        await driver.rescue(guestOf(i), args.rescueImageRef || i.image_ref, args.rescuePassword, args.stableRescue ?? null)
        return { vm_state: VmState.RESCUED, power_state: await driver.powerState(i.uuid) }
      },
    }),

    unrescueInstance: (args) => ctx.act(args, {
      event: 'compute_unrescue_instance',
      expected: [T.UNRESCUING],
      run: async (i) => {
        await driver.unrescue(guestOf(i))
        return { vm_state: VmState.ACTIVE, power_state: await driver.powerState(i.uuid) }
      },
    }),

    /** A call: the API answers 409 or 501 from what happens here. */
    async setAdminPassword(args) {
      const uuid = args.instance.uuid
      await ctx.withLock(uuid, async () => {
        const i = await conductor.instanceGet({ uuid })
        if (!i || i.task_state !== T.UPDATING_PASSWORD) throw new NovaError(409, `Instance ${uuid} is no longer updating its password.`)
        await ctx.event(args, 'compute_set_admin_password', 'start')
        const fail = async (err: NovaError, fault: boolean) => {
          await ctx.update(uuid, { task_state: null }, [T.UPDATING_PASSWORD])
          if (fault) await conductor.addFault({ uuid, code: err.status, message: err.message, details: '', host })
          await ctx.event(args, 'compute_set_admin_password', 'finish', err)
          throw err
        }
        if (!driver.capabilities.supportsSetAdminPassword) {
          return fail(new NovaError(501, 'Unable to set password on instance'), false)
        }
        if (await driver.powerState(uuid) !== PowerState.RUNNING) {
          return fail(new NovaError(409, `Failed to set admin password on ${uuid} because instance is not running`), false)
        }
        try {
          await driver.setAdminPassword(uuid, args.password)
        } catch (err) {
          log.error(`set_admin_password failed for instance ${uuid}: ${errText(err)}`)
          // Nova words it so the password cannot leak through the error.
          return fail(new NovaError(409, `Failed to set admin password on ${uuid} because error setting admin password`), true)
        }
        await ctx.update(uuid, { task_state: null }, [T.UPDATING_PASSWORD])
        await ctx.event(args, 'compute_set_admin_password', 'finish')
      })
    },
  }
}
