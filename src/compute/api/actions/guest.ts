/**
 * @module Single-host guest actions, API side: rebuild, createImage (snapshot), rescue and
 * unrescue, changePassword. Each checks Nova's states, records the instance action, sets the
 * starting task_state in one compare-and-set and hands the work to the instance's agent.
 */
import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import { validator } from '../../../common/http/validation.ts'
import type { ImageView } from '../../../image/client.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { badRequest, conflict, NovaError } from '../../errors.ts'
import { bootImageProperties, type Instance } from '../../model/instance.ts'
import { TaskState, VmState } from '../../model/states.ts'
import type { InstanceChanges } from '../../rpc/conductor-rpc.ts'
import { authorize, isAdmin, linkBase, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { beginTransition, serverViewOf } from '../server-lookup.ts'
import { canonicalIpv6 } from '../access-ips.ts'
import { accepted, type ServerAction } from './action.ts'
import { stableRescueDevice } from '../../model/rescue.ts'
import { injectedFilesOf, isBase64 } from '../personality.ts'

const T = TaskState
const V = VmState

const name = { type: 'string', minLength: 1, maxLength: 255 }
const metadata = { type: 'object', patternProperties: { '^.{1,255}$': { type: 'string', maxLength: 255 } }, additionalProperties: false }
const adminPass = { type: 'string' }
const imageId = { type: 'string', minLength: 1 }

/** Nova's rebuild body per microversion range (schemas/servers.py rebuild, rebuild_v219 ... rebuild_v290). */
function rebuildSchema(req: ComputeRequest): object {
  const v = versionOf(req)
  const props: Record<string, object> = {
    name, imageRef: imageId, adminPass, metadata, preserve_ephemeral: { type: ['boolean', 'string'] },
    'OS-DCF:diskConfig': { enum: ['AUTO', 'MANUAL'] }, accessIPv4: { type: 'string' }, accessIPv6: { type: 'string' },
  }
  if (!atLeast(v, '2.57')) props.personality = { type: 'array' }
  if (atLeast(v, '2.19')) props.description = { type: ['string', 'null'], maxLength: 255 }
  if (atLeast(v, '2.54')) props.key_name = { type: ['string', 'null'], minLength: 1, maxLength: 255 }
  if (atLeast(v, '2.57')) props.user_data = { type: ['string', 'null'], maxLength: 65535 }
  if (atLeast(v, '2.63')) props.trusted_image_certificates = { type: ['array', 'null'], items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 50, uniqueItems: true }
  if (atLeast(v, '2.90')) props.hostname = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$' }
  return {
    type: 'object', required: ['rebuild'], additionalProperties: false,
    properties: { rebuild: { type: 'object', properties: props, required: ['imageRef'], additionalProperties: false } },
  }
}
const schemasByVersion = new Map<string, object>()
function validateRebuild(req: ComputeRequest, body: unknown): void {
  const key = versionOf(req).text
  let s = schemasByVersion.get(key)
  if (!s) schemasByVersion.set(key, s = rebuildSchema(req))
  validator(s)({ rebuild: body })
}

const createImageSchema = {
  type: 'object', required: ['createImage'], additionalProperties: false,
  properties: { createImage: { type: 'object', properties: { name, metadata }, required: ['name'], additionalProperties: false } },
}
const rescueSchema = {
  type: 'object', required: ['rescue'], additionalProperties: false,
  properties: { rescue: { type: ['object', 'null'], properties: { adminPass, rescue_image_ref: imageId }, additionalProperties: false } },
}
const changePasswordSchema = {
  type: 'object', required: ['changePassword'], additionalProperties: false,
  properties: { changePassword: { type: 'object', properties: { adminPass }, required: ['adminPass'], additionalProperties: false } },
}

const generatePassword = () => randomBytes(9).toString('base64').replace(/[+/=]/g, 'x')
const isUuid = (s: string) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s)

/** Image fields that are Glance's own, not properties an instance inherits. */
const IMAGE_FIELDS = new Set(['id', 'name', 'status', 'visibility', 'owner', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
  'min_disk', 'min_ram', 'protected', 'os_hidden', 'tags', 'created_at', 'updated_at', 'file', 'schema', 'self', 'direct_url', 'locations',
  'disk_format', 'container_format', 'stores'])

/** The instance's system metadata with the old image's `image_*` keys replaced by the new image's (Nova's _reset_image_metadata). */
function systemMetadataForImage(i: Instance, image: ImageView): Record<string, string> {
  const out = Object.fromEntries(Object.entries(i.system_metadata).filter(([k]) => !k.startsWith('image_')))
  out.image_min_ram = String(Number(image.min_ram ?? 0))
  out.image_min_disk = String(Math.max(Number(image.min_disk ?? 0), i.flavor.root_gb))
  if (image.disk_format) out.image_disk_format = String(image.disk_format)
  if (image.container_format) out.image_container_format = String(image.container_format)
  for (const [k, v] of Object.entries(image)) if (!IMAGE_FIELDS.has(k) && typeof v === 'string') out[`image_${k}`] = v
  out.image_base_image_ref = image.id
  return out
}

/** The image for a rebuild or rescue: 400 when it is missing or not usable, as Nova words it. */
async function usableImage(deps: ComputeApiDeps, req: ComputeRequest, ref: string, missing: string): Promise<ImageView> {
  const id = ref.split('/').at(-1)!
  if (!isUuid(id)) throw badRequest(missing)
  const image = await deps.images(callerOf(req).token).get(id)
  if (!image) throw badRequest(missing)
  if (image.status !== 'active') throw badRequest(`Image ${id} is not active.`)
  return image
}

/**
 * The queued snapshot image of the instance, made with the caller's token so it is theirs
 * (Nova's compute_utils.create_image): the instance's image properties, its owner when the
 * caller is of another project, and `metadata`. createImage and shelve use it, and createBackup
 * with `imageType` backup.
 */
export async function createSnapshotImage(
  deps: ComputeApiDeps, req: ComputeRequest, i: Instance, imageName: string, metadata: Record<string, string> = {}, imageType: 'snapshot' | 'backup' = 'snapshot',
): Promise<ImageView> {
  const caller = callerOf(req)
  const sm = i.system_metadata
  const inherited = Object.fromEntries(Object.entries(sm).filter(([k]) => k.startsWith('image_') &&
    !['image_min_ram', 'image_min_disk', 'image_disk_format', 'image_container_format', 'image_base_image_ref'].includes(k)).map(([k, val]) => [k.slice(6), val]))
  for (const k of Object.keys(inherited)) if (IMAGE_FIELDS.has(k) || k.startsWith('os_glance')) delete inherited[k]
  for (const k of ['img_signature', 'img_signature_hash_method', 'img_signature_key_type', 'img_signature_certificate_uuid', 'cache_in_nova', 'bittorrent']) delete inherited[k]
  const properties: Record<string, string> = {
    ...inherited, instance_uuid: i.uuid, user_id: caller.userId, image_type: imageType,
    base_image_ref: sm.image_base_image_ref ?? i.image_ref, ...metadata,
  }
  const shared = caller.projectId !== i.project_id
  if (shared) properties.instance_owner = i.project_id
  const images = deps.images(caller.token)
  return images.create({
    name: imageName, visibility: shared ? 'shared' : 'private',
    // The fake and qemu drivers both upload raw disks in a bare container.
    disk_format: 'raw', container_format: 'bare',
    min_ram: Number(sm.image_min_ram ?? 0), min_disk: Math.max(Number(sm.image_min_disk ?? 0), i.flavor.root_gb),
    ...properties,
  }).catch((err: { status?: number; message?: string }) => {
    if (err.status === 403 || err.status === 413) throw new NovaError(403, err.message ?? 'Quota exceeded')
    if (err.status === 400) throw badRequest(err.message ?? 'Invalid image metadata')
    throw err
  })
}

/** An agent call's failure as the API answers it (status and message kept). */
function fromAgent(err: unknown): unknown {
  const e = err as { status?: number; message?: string }
  return e.status ? new NovaError(e.status, e.message ?? 'error') : err
}

export const guestActions: Record<string, ServerAction> = {
  async rebuild(deps, req, i, body) {
    validateRebuild(req, body)
    authorize(deps, req, 'servers:rebuild', { project_id: i.project_id, user_id: i.user_id })
    const b = body as Record<string, any>
    const v = versionOf(req)
    if (b.accessIPv4 !== undefined && isIP(b.accessIPv4) !== 4) throw badRequest(`Invalid input for field/attribute accessIPv4. Value: ${b.accessIPv4}. '${b.accessIPv4}' is not a 'ipv4'`)
    if (b.accessIPv6 !== undefined && isIP(b.accessIPv6) !== 6) throw badRequest(`Invalid input for field/attribute accessIPv6. Value: ${b.accessIPv6}. '${b.accessIPv6}' is not a 'ipv6'`)
    if (typeof b.user_data === 'string') {
      if (!isBase64(b.user_data)) throw badRequest('User data needs to be valid base 64.')
    }
    if (b.metadata && deps.config.quotas.metadataItems >= 0 && Object.keys(b.metadata).length > deps.config.quotas.metadataItems) {
      throw new NovaError(403, `Quota exceeded for metadata_items: Requested ${Object.keys(b.metadata).length}, but already used 0 of ${deps.config.quotas.metadataItems} metadata_items`)
    }
    const injectedFiles = await injectedFilesOf(deps, i.project_id, callerOf(req).userId, b.personality)
    // Nova checks the lock and state before it looks at the image.
    if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
    if (![V.ACTIVE, V.STOPPED, V.ERROR].includes(i.vm_state as never)) throw conflict(`Cannot 'rebuild' instance ${i.uuid} while it is in vm_state ${i.vm_state}`)
    const image = await usableImage(deps, req, String(b.imageRef), 'Cannot find image for rebuild')
    const flavor = i.flavor
    if (flavor.memory_mb < Number(image.min_ram ?? 0)) throw badRequest("Flavor's memory is too small for requested image.")
    if (flavor.root_gb > 0 && (flavor.root_gb < Number(image.min_disk ?? 0) || flavor.root_gb * 1024 ** 3 < Number(image.size ?? 0))) {
      throw badRequest("Flavor's disk is too small for requested image.")
    }

    const changes: InstanceChanges = {
      task_state: T.REBUILDING, image_ref: image.id, progress: 0, system_metadata: systemMetadataForImage(i, image),
    }
    if (b.name !== undefined) changes.display_name = String(b.name).trim()
    if (b.metadata !== undefined) changes.metadata = b.metadata
    if (b.accessIPv4 !== undefined) changes.access_ip_v4 = b.accessIPv4
    if (b.accessIPv6 !== undefined) changes.access_ip_v6 = canonicalIpv6(b.accessIPv6)
    if (b['OS-DCF:diskConfig'] !== undefined) changes.system_metadata = { ...changes.system_metadata, disk_config: b['OS-DCF:diskConfig'] }
    if (b.description !== undefined) changes.display_description = b.description
    if (b.hostname !== undefined) changes.hostname = b.hostname
    if (atLeast(v, '2.57') && b.user_data !== undefined) changes.user_data = b.user_data
    if (b.trusted_image_certificates !== undefined) {
      authorize(deps, req, 'servers:rebuild:trusted_certs', { project_id: i.project_id, user_id: i.user_id })
      changes.trusted_certs = b.trusted_image_certificates
    }
    if (atLeast(v, '2.54') && b.key_name !== undefined) {
      if (b.key_name === null) {
        changes.key_name = null
        changes.key_data = null
      } else {
        // The caller's key pair, not the owner's: users own keys, projects own servers.
        const kp = await deps.db.selectFrom('keypairs').select(['name', 'public_key']).where('user_id', '=', callerOf(req).userId)
          .where('name', '=', String(b.key_name)).executeTakeFirst()
        if (!kp) throw badRequest('Invalid key_name provided.')
        changes.key_name = kp.name
        changes.key_data = kp.public_key
      }
    }
    const password = typeof b.adminPass === 'string' ? b.adminPass : generatePassword()
    const started = await beginTransition(deps, req, i, {
      action: 'rebuild', vmStates: [V.ACTIVE, V.STOPPED, V.ERROR], taskStates: [null], changes, record: 'rebuild',
    })
    await deps.rpc.castAgent(started.host!, 'rebuildInstance', {
      context: requestContext(deps, req), instance: started, imageRef: image.id, adminPassword: password, injectedFiles,
      preserveEphemeral: b.preserve_ephemeral === true || b.preserve_ephemeral === 'true',
    })
    let server: Record<string, unknown>
    if (atLeast(v, '2.75')) {
      // 2.75: the whole GET view, with user_data at the top level instead of the extended attribute.
      server = await serverViewOf(deps, req, started, 'detail')
      delete server['OS-EXT-SRV-ATTR:user_data']
    } else {
      server = await serverViewOf(deps, req, started, 'rebuild')
    }
    if (atLeast(v, '2.57')) server.user_data = started.user_data
    server.adminPass = password
    return { status: 202, body: { server }, headers: { location: `${linkBase(req)}/v2.1/servers/${i.uuid}` } }
  },

  async createImage(deps, req, i, body) {
    validator(createImageSchema)({ createImage: body })
    authorize(deps, req, 'servers:create_image', { project_id: i.project_id })
    const b = body as { name: string; metadata?: Record<string, string> }
    const metadata = b.metadata ?? {}
    if (!atLeast(versionOf(req), '2.39') && deps.config.quotas.metadataItems >= 0 && Object.keys(metadata).length > deps.config.quotas.metadataItems) {
      throw new NovaError(403, 'Image metadata limit exceeded')
    }
    const allowed = [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]
    if (!allowed.includes(i.vm_state as never)) throw conflict(`Cannot 'createImage' instance ${i.uuid} while it is in vm_state ${i.vm_state}`)
    if (i.task_state !== null) throw conflict(`Cannot 'createImage' instance ${i.uuid} while it is in task_state ${i.task_state}`)
    const bootFromVolume = !i.image_ref
    if (bootFromVolume) throw badRequest('Snapshots of volume-backed servers need the block storage service, which this cloud does not run yet.')

    const images = deps.images(callerOf(req).token)
    const image = await createSnapshotImage(deps, req, i, String(b.name).trim(), metadata)
    let started: Instance
    try {
      started = await beginTransition(deps, req, i, {
        action: 'createImage', vmStates: allowed, taskStates: [null], changes: { task_state: T.IMAGE_SNAPSHOT_PENDING }, record: 'createImage', ignoreLock: true,
      })
    } catch (err) {
      await images.delete(image.id).catch(() => {})
      throw err
    }
    await deps.rpc.castAgent(started.host!, 'snapshotInstance', { context: requestContext(deps, req), instance: started, imageId: image.id })
    if (atLeast(versionOf(req), '2.45')) return { status: 202, body: { image_id: image.id } }
    return { status: 202, headers: { location: `${linkBase(req)}/v2.1/images/${image.id}` } }
  },

  async rescue(deps, req, i, body) {
    validator(rescueSchema)({ rescue: body })
    authorize(deps, req, 'os-rescue', { project_id: i.project_id, user_id: i.user_id })
    const b = (body ?? {}) as { adminPass?: string; rescue_image_ref?: string }
    const password = b.adminPass ?? generatePassword()
    if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
    if (![V.ACTIVE, V.STOPPED, V.ERROR].includes(i.vm_state as never)) throw conflict(`Cannot 'rescue' instance ${i.uuid} while it is in vm_state ${i.vm_state}`)
    let rescueImageRef = ''
    // The rescue image's properties; without one, those of the server's own image, kept at boot.
    let rescueProps: Record<string, unknown> = bootImageProperties(i.system_metadata)
    if (b.rescue_image_ref) {
      const id = b.rescue_image_ref.split('/').at(-1)!
      const image = isUuid(id) ? await deps.images(callerOf(req).token).get(id) : undefined
      if (!image) throw badRequest(`Requested rescue image '${b.rescue_image_ref}' is not supported`)
      rescueImageRef = image.id
      rescueProps = image as unknown as Record<string, unknown>
    }
    const stableRescue = stableRescueDevice(rescueProps)
    if (!i.image_ref) throw badRequest(`Instance ${i.uuid} cannot be rescued: Cannot rescue a volume-backed instance`)
    const started = await beginTransition(deps, req, i, {
      action: 'rescue', vmStates: [V.ACTIVE, V.STOPPED, V.ERROR], taskStates: [null], changes: { task_state: T.RESCUING }, record: 'rescue',
    })
    await deps.rpc.castAgent(started.host!, 'rescueInstance', {
      context: requestContext(deps, req), instance: started, rescueImageRef: rescueImageRef || i.image_ref, rescuePassword: password, stableRescue,
    })
    return { status: 200, body: { adminPass: password } }
  },

  async unrescue(deps, req, i) {
    authorize(deps, req, 'os-unrescue', { project_id: i.project_id })
    const started = await beginTransition(deps, req, i, {
      action: 'unrescue', vmStates: [V.RESCUED], taskStates: [null], changes: { task_state: T.UNRESCUING }, record: 'unrescue',
    })
    await deps.rpc.castAgent(started.host!, 'unrescueInstance', { context: requestContext(deps, req), instance: started })
    return accepted()
  },

  async changePassword(deps, req, i, body) {
    validator(changePasswordSchema)({ changePassword: body })
    authorize(deps, req, 'os-admin-password', { project_id: i.project_id, user_id: i.user_id })
    const started = await beginTransition(deps, req, i, {
      action: 'changePassword', vmStates: [V.ACTIVE], taskStates: [null], changes: { task_state: T.UPDATING_PASSWORD }, record: 'changePassword',
    })
    // A call, as in Nova: the caller learns whether the guest took the password.
    try {
      await deps.rpc.agent(started.host!).setAdminPassword({ context: requestContext(deps, req), instance: started, password: (body as { adminPass: string }).adminPass })
    } catch (err) {
      throw fromAgent(err)
    }
    return accepted()
  },
}

