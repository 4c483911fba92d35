/**
 * @module The createBackup server action, API side (Nova's create_backup.py and compute API
 * backup): a snapshot image with image_type `backup` and the `backup_type`, the instance in
 * task_state image_backup, and the agent told how many backups of that type to keep
 * (`rotation`); it deletes the oldest beyond that once the upload is done.
 */
import { validator } from '../../../common/http/validation.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { badRequest, invalidState, NovaError } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { TaskState, VmState } from '../../model/states.ts'
import { authorize, linkBase, requestContext, versionOf } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { nameSchema } from '../schemas/flavors.ts'
import { beginTransition } from '../server-lookup.ts'
import type { ServerAction } from './action.ts'
import { createSnapshotImage } from './guest.ts'

/** schemas/create_backup.py (2.1 on): parameter_types name, non_negative_integer and metadata. */
const createBackupSchema = {
  type: 'object', required: ['createBackup'], additionalProperties: false,
  properties: {
    createBackup: {
      type: 'object', required: ['name', 'backup_type', 'rotation'], additionalProperties: false,
      properties: {
        name: nameSchema,
        backup_type: { type: 'string' },
        rotation: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 },
        metadata: { type: 'object', patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } }, additionalProperties: false },
      },
    },
  },
}

/** The states Nova's compute API backup() accepts (check_instance_state; no lock check, as for snapshots). */
const ALLOWED = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED]

export const backupActions: Record<string, ServerAction> = {
  async createBackup(deps, req, i: Instance, body) {
    validator(createBackupSchema)({ createBackup: body })
    authorize(deps, req, 'os-create-backup', { project_id: i.project_id, user_id: i.user_id })
    const b = body as { name: string; backup_type: string; rotation: number | string; metadata?: Record<string, string> }
    const rotation = Number(b.rotation)
    const metadata = b.metadata ?? {}
    // Up to 2.38 the metadata counts against the image metadata quota (MAX_IMAGE_META_PROXY_API_VERSION).
    if (!atLeast(versionOf(req), '2.39') && deps.config.quotas.metadataItems >= 0 && Object.keys(metadata).length > deps.config.quotas.metadataItems) {
      throw new NovaError(403, 'Image metadata limit exceeded')
    }
    if (!ALLOWED.includes(i.vm_state as never)) throw invalidState('createBackup', i.uuid, 'vm_state', i.vm_state)
    if (i.task_state !== null) throw invalidState('createBackup', i.uuid, 'task_state', i.task_state)
    if (!i.image_ref) throw badRequest('Backup is not supported for volume-backed instances.')

    const image = await createSnapshotImage(deps, req, i, b.name.trim(), { ...metadata, backup_type: b.backup_type }, 'backup')
    let started: Instance
    try {
      started = await beginTransition(deps, req, i, {
        action: 'createBackup', vmStates: ALLOWED, taskStates: [null], changes: { task_state: TaskState.IMAGE_BACKUP }, record: 'createBackup', ignoreLock: true,
      })
    } catch (err) {
      await deps.images(callerOf(req).token).delete(image.id).catch(() => {})
      throw err
    }
    await deps.rpc.castAgent(started.host!, 'backupInstance', {
      context: requestContext(deps, req), instance: started, imageId: image.id, backupType: b.backup_type, rotation,
    })
    // From 2.45 the image id is in the body; before, a Location header names it unless rotation is 0.
    if (atLeast(versionOf(req), '2.45')) return { status: 202, body: { image_id: image.id } }
    if (rotation === 0) return { status: 202 }
    return { status: 202, headers: { location: `${linkBase(req)}/v2.1/images/${image.id}` } }
  },
}
