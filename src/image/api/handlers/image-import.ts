/**
 * Interoperable image import (glance/api/v2/image_data.py stage, images.py import_image,
 * discovery.py): stage data, then import it with glance-direct, or copy-image (one store here, so
 * a copy is a no-op with all_stores and a 400 for the store the image is already in).
 */
import { randomUUID } from 'node:crypto'
import { nowIso } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, NotFound, PayloadTooLarge } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { setProperty, transitionImage } from '../../db/image-repo.ts'
import type { ImageTaskRow } from '../../db/schema.ts'
import { checkTransition, InvalidStatusTransition, type Image } from '../../model/image.ts'
import { StoreDuplicate, StoreSizeExceeded } from '../../stores/store.ts'
import { authorize, enforceOnImage, loadImage, policyDenied, viewerOf, type ImageDeps, type ImageRequest } from '../context.ts'
import { importLockProperty, runGlanceDirectImport } from '../import-worker.ts'
import { enforceQuota, MiB, quotaLimit, quotaNames, quotaUsage } from '../quotas.ts'
import { renderTask } from '../render.ts'
import { declaredSize, refusalsDrain, requireOctetStream, sourceOf } from './image-data.ts'

/** An import lock older than this is stale (Glance: 60 minutes, doubled for pending tasks). */
const lockExpiryMs = 60 * 60_000

export function imageImportRoutes(deps: ImageDeps): Route[] {
  const { db, config } = deps
  const methods = config.enabledImportMethods

  async function stage(req: ImageRequest) {
    if (!methods.includes('glance-direct')) throw new NotFound("'glance-direct' method is not available at this site.")
    requireOctetStream(req)
    const size = declaredSize(req) ?? 0
    const viewer = viewerOf(deps, req)
    await enforceQuota(deps, viewer.projectId, 'image_stage_total', Math.floor(size / MiB))
    const image = await loadImage(deps, viewer, req.params.image_id)
    enforceOnImage(deps, viewer, 'modify_image', image)
    const id = image.row.id
    try {
      checkTransition(image.row, 'uploading')
    } catch (err) {
      if (err instanceof InvalidStatusTransition) throw new Conflict(err.message)
      throw err
    }
    if (!(await transitionImage(db, id, 'queued', { status: 'uploading' }))) {
      throw new Conflict('Image status transition from uploading to uploading is not allowed')
    }
    let location: string | undefined
    try {
      await enforceQuota(deps, image.row.owner, 'image_count_uploading')
      const staged = await deps.staging.add(id, sourceOf(req), { maxBytes: config.imageSizeCapBytes }).catch((err) => {
        if (err instanceof StoreDuplicate) throw new Conflict(`The image ${id} has data on staging`)
        if (err instanceof StoreSizeExceeded) throw new PayloadTooLarge('The incoming image is too large: The provided image is too large.')
        throw err
      })
      location = staged.location
      if (!(await transitionImage(db, id, 'uploading', { size: staged.size, staging_location: staged.location }))) {
        throw new Conflict(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`)
      }
    } catch (err) {
      if (location) await deps.staging.delete(location).catch(() => {})
      await transitionImage(db, id, 'uploading', { status: 'queued', size: null, virtual_size: null, staging_location: null })
      throw err
    }
    deps.log.info('staged image data', { image_id: id })
    return { status: 204 }
  }

  /** Glance's _enforce_import_lock: a lock held by a live task (or a recent one) is a 409; a stale one is taken over. */
  async function checkImportLock(image: Image): Promise<void> {
    const taskId = image.properties[importLockProperty]
    if (!taskId) return
    const task = await db.selectFrom('image_tasks').selectAll().where('id', '=', taskId).executeTakeFirst()
    const expiry = task?.status === 'pending' ? 2 * lockExpiryMs : lockExpiryMs
    const age = task ? Date.now() - Date.parse(task.updated_at) : Infinity
    if (task && ['pending', 'processing'].includes(task.status) && age < expiry) throw new Conflict('Image has active task')
    if (task && ['pending', 'processing'].includes(task.status)) {
      await db.updateTable('image_tasks').set({ status: 'failure', message: 'Expired lock preempted', updated_at: nowIso() })
        .where('id', '=', task.id).execute()
    }
    await db.deleteFrom('image_properties').where('image_id', '=', image.row.id).where('name', '=', importLockProperty)
      .where('value', '=', taskId).execute()
  }

  function importBody(body: unknown): { name: string; allStores: boolean; stores?: unknown[] } {
    if (body === undefined) throw new BadRequest('Body expected in request.')
    const b = (body ?? {}) as Record<string, any>
    if (!b.method) throw new BadRequest("Import request requires a 'method' field.")
    if (b.method.name === undefined) throw new BadRequest("Import request requires a 'name' field.")
    if (!methods.includes(b.method.name)) throw new BadRequest(`Unknown import method name '${b.method.name}'.`)
    if ('all_stores_must_succeed' in b && typeof b.all_stores_must_succeed !== 'boolean') {
      throw new BadRequest("'all_stores_must_succeed' must be boolean value only")
    }
    if ('all_stores' in b && typeof b.all_stores !== 'boolean') throw new BadRequest("'all_stores' must be boolean value only")
    return { name: b.method.name, allStores: b.all_stores === true, stores: b.stores }
  }

  /** Glance's get_stores_from_request with our one store. */
  function requestedStores(req: ImageRequest, body: { allStores: boolean; stores?: unknown[] }): string[] {
    const header = req.headers['x-image-meta-store'] as string | undefined
    let stores: unknown[]
    if (body.allStores) {
      if (body.stores !== undefined || header) {
        throw new BadRequest("All_stores parameter can't be used with x-image-meta-store header or stores parameter")
      }
      stores = [deps.store.id]
    } else if (body.stores !== undefined) {
      if (header) throw new BadRequest("Stores parameter and x-image-meta-store header can't be both specified")
      stores = Array.isArray(body.stores) ? body.stores : [body.stores]
    } else {
      stores = [header ?? deps.store.id]
    }
    for (const s of stores) if (s !== deps.store.id) throw new Conflict(`Unknown scheme '${String(s)}' found in URI`)
    return stores as string[]
  }

  async function importImage(req: ImageRequest) {
    const body = importBody(req.body)
    const viewer = viewerOf(deps, req)
    await enforceQuota(deps, viewer.projectId, 'image_size_total')
    const image = await loadImage(deps, viewer, req.params.image_id)
    const { status } = image.row
    const method = body.name
    if (status === 'active' && method !== 'copy-image') throw new Conflict('Image with status active cannot be target for import')
    if (status !== 'active' && method === 'copy-image') throw new Conflict('Only images with status active can be targeted for copying')
    if (status !== 'uploading' && method === 'glance-direct') {
      throw new Conflict("Image needs to be staged before 'glance-direct' method can be used")
    }
    if (!image.row.container_format) throw new Conflict("'container_format' needs to be set before import")
    if (!image.row.disk_format) throw new Conflict("'disk_format' needs to be set before import")
    enforceOnImage(deps, viewer, method === 'copy-image' ? 'copy_image' : 'modify_image', image)
    await checkImportLock(image)
    const stores = requestedStores(req, body)
    if (method === 'copy-image') {
      const present = new Set(image.locations.map((l) => l.metadata.store))
      if (!body.allStores) {
        const already = stores.find((s) => present.has(s))
        if (already) throw new BadRequest(`Image is already present at store '${already}'`)
      }
      // Every requested store already has the data: nothing to copy. Report it as a finished copy.
      await setProperty(db, image.row.id, 'os_glance_importing_to_stores', '')
      await setProperty(db, image.row.id, 'os_glance_failed_import', '')
      return { status: 202 }
    }
    const now = nowIso()
    const task: ImageTaskRow = {
      id: randomUUID(), type: 'api_image_import', status: 'pending', owner: viewer.projectId ?? '', image_id: image.row.id,
      request_id: req.requestId, user_id: viewer.userId,
      input: JSON.stringify({ image_id: image.row.id, import_req: req.body, backend: stores }),
      result: null, message: '', created_at: now, updated_at: now, expires_at: null,
    }
    await db.insertInto('image_tasks').values(task).execute()
    try {
      await db.insertInto('image_properties').values({ image_id: image.row.id, name: importLockProperty, value: task.id }).execute()
    } catch (err) {
      await db.updateTable('image_tasks').set({ status: 'failure', message: 'Lost the import lock' }).where('id', '=', task.id).execute()
      if (isUniqueViolation(err)) {
        throw new Conflict(`New operation on image '${image.row.id}' is not permitted as prior operation is still in progress`)
      }
      throw err
    }
    deps.background.run(`import ${image.row.id}`, () => runGlanceDirectImport(deps, image, task))
    return { status: 202 }
  }

  async function tasks(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id, () => new NotFound('The resource could not be found.'))
    enforceOnImage(deps, viewer, 'get_image', image)
    const rows = await db.selectFrom('image_tasks').selectAll().where('image_id', '=', image.row.id).orderBy('created_at').execute()
    return { status: 200, body: { tasks: rows.map(renderTask) } }
  }

  const storeInfo = () => ({ id: deps.store.id, default: 'true' })

  return [
    route('PUT', '/v2/images/:image_id/stage', refusalsDrain(stage), { rawBody: true }),
    route('POST', '/v2/images/:image_id/import', importImage),
    route('GET', '/v2/images/:image_id/tasks', tasks),
    route('GET', '/v2/info/import', () => ({
      status: 200,
      body: { 'import-methods': { description: 'Import methods available.', type: 'array', value: methods } },
    })),
    route('GET', '/v2/info/stores', () => ({ status: 200, body: { stores: [storeInfo()] } })),
    route('GET', '/v2/info/stores/detail', (req: ImageRequest) => {
      const viewer = viewerOf(deps, req)
      if (!authorize(deps, viewer, 'stores_info_detail', {})) throw policyDenied('stores_info_detail')
      return {
        status: 200,
        body: { stores: [{ ...storeInfo(), type: 'file', properties: { chunk_size: 1048576, thin_provisioning: false }, weight: 0 }] },
      }
    }),
    route('GET', '/v2/info/usage', async (req: ImageRequest) => {
      const viewer = viewerOf(deps, req)
      const usage: Record<string, { usage: number; limit: number }> = {}
      for (const name of quotaNames) {
        usage[name] = { usage: viewer.projectId ? await quotaUsage(deps, viewer.projectId, name) : 0, limit: quotaLimit(deps, name) }
      }
      return { status: 200, body: { usage } }
    }),
  ]
}
