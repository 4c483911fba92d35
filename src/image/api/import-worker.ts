/**
 * @module The glance-direct import task (Glance's api_image_import flow, single store): staged data
 * goes through the same inspection into the store while the image is `importing`; success makes it
 * active and drops the staged copy, failure puts it back to `queued` and records the failed store.
 */
import { nowIso } from '../../common/db/columns.ts'
import { deleteProperty, setProperty, transitionImage } from '../db/image-repo.ts'
import type { ImageTaskRow } from '../db/schema.ts'
import { PayloadTooLarge } from '../../common/errors.ts'
import { DetailedError } from '../errors.ts'
import type { Image } from '../model/image.ts'
import type { ImageDeps } from './context.ts'
import { activate, storeImageData } from './handlers/image-data.ts'

export const importLockProperty = 'os_glance_import_task'

async function finishTask(deps: ImageDeps, task: ImageTaskRow, status: 'success' | 'failure', message: string, result: unknown): Promise<void> {
  const now = nowIso()
  await deps.db.updateTable('image_tasks')
    .set({ status, message, result: result === null ? null : JSON.stringify(result), updated_at: now, expires_at: new Date(Date.now() + 48 * 3600_000).toISOString() })
    .where('id', '=', task.id).execute()
}

/** Runs a glance-direct import of a staged image; never throws (the outcome is in the task and the image). */
export async function runGlanceDirectImport(deps: ImageDeps, image: Image, task: ImageTaskRow): Promise<void> {
  const id = image.row.id
  const log = deps.log.child({ image_id: id, task_id: task.id })
  await deps.db.updateTable('image_tasks').set({ status: 'processing', updated_at: nowIso() }).where('id', '=', task.id).execute()
  try {
    if (!(await transitionImage(deps.db, id, 'uploading', { status: 'importing' }))) {
      throw new Error('the image is no longer staged')
    }
    await setProperty(deps.db, id, 'os_glance_importing_to_stores', deps.store.id)
    await setProperty(deps.db, id, 'os_glance_failed_import', '')
    const staged = image.row.staging_location
    if (!staged) throw new Error('the image has no staged data')
    const { stream } = await deps.staging.open(staged)
    const tooLarge = () => new PayloadTooLarge('The incoming image is too large: The provided image is too large.')
    const data = await storeImageData(deps, image, stream, deps.config.imageSizeCapBytes, tooLarge)
    // Active, no store left to import to and the lock gone: one change, as Glance saves them together.
    const activated = await activate(deps, image, 'importing', data, async (trx) => {
      await setProperty(trx, id, 'os_glance_importing_to_stores', '')
      await deleteProperty(trx, id, importLockProperty)
    })
    if (!activated) throw new Error('the image was deleted during the import')
    await deps.staging.delete(staged).catch(() => {})
    await finishTask(deps, task, 'success', '', { image_id: id })
    log.info('imported image', { size: data.stored.size })
  } catch (err) {
    const message = err instanceof DetailedError ? err.detail : (err as Error).message
    log.warn('image import failed', { error: message })
    const requeued = await transitionImage(deps.db, id, ['importing', 'uploading'], {
      status: 'queued', size: null, virtual_size: null, staging_location: null,
    }).catch(() => false)
    if (requeued && image.row.staging_location) await deps.staging.delete(image.row.staging_location).catch(() => {})
    await setProperty(deps.db, id, 'os_glance_importing_to_stores', '').catch(() => {})
    await setProperty(deps.db, id, 'os_glance_failed_import', deps.store.id).catch(() => {})
    await deleteProperty(deps.db, id, importLockProperty).catch(() => {})
    await finishTask(deps, task, 'failure', message, null).catch(() => {})
  }
}
