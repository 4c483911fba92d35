/**
 * @module Image's composition root: builds the Glance v2 service from config (database, the file
 * store and its staging area, format inspection, policy, token validation) and exposes the
 * runnable process (`image`). On start it repairs what a crash left half done: no image stays
 * `saving` or `importing`, so none can become active from partial data.
 */
import { join } from 'node:path'
import { databaseUrlFor, publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import { nowIso } from '../common/db/columns.ts'
import { openDatabase, type Database } from '../common/db/database.ts'
import { migrateToLatest } from '../common/db/migrate.ts'
import type { Logger } from '../common/log/logger.ts'
import { createEnforcer } from '../common/policy/policy-enforcer.ts'
import type { CatalogEndpoint, RunningService, ServiceContext } from '../common/service.ts'
import { authUrlFor, createAuthMiddleware } from '../identity/auth-middleware.ts'
import { createIdentityClient } from '../identity/client.ts'
import { createImageApi } from './api/app.ts'
import type { BackgroundWork, ImageDeps, UploadInspector } from './api/context.ts'
import type { ImageConfig } from './config.ts'
import { imageMigrations } from './db/migrations.ts'
import type { ImageDb } from './db/schema.ts'
import { checkUpload, ImageFormatRejected, inspectSource } from './inspect/inspect.ts'
import { imagePolicies } from './policies.ts'
import { imageStores } from './stores/registry.ts'

export type ImageSections = { image: ImageConfig }
type Config = CommonConfig & ImageSections & { identity?: { port?: number } }

export const imageUrl = (config: Config): string => `http://${publicHostOf(config)}:${config.image.port}`

/** The catalog entry of the Image service: its root, where tempest and clients find /v2 and the versions. */
export const imageCatalogEntry = (config: Config): CatalogEndpoint => ({
  type: 'image', name: 'glance', description: 'Image (Glance v2)', url: imageUrl(config),
})

export const imageStoreDir = (config: Config): string => config.image.storeDir || join(config.dataDir, 'images')
export const imageStagingDir = (config: Config): string => config.image.stagingDir || join(imageStoreDir(config), 'staging')

/** Opens and migrates the image database. */
export async function openImageDb(config: Config, log: Logger): Promise<Database<ImageDb>> {
  const database = openDatabase<ImageDb>(databaseUrlFor(config, 'image'))
  await migrateToLatest(database.db, 'image', imageMigrations, log)
  return database
}

/** Glance's upload check; with requireImageFormatMatch off only unsafe images are refused, as in Glance. */
function uploadInspector(config: ImageConfig): UploadInspector {
  return async (data, diskFormat) => {
    if (config.requireImageFormatMatch) return checkUpload(data, diskFormat)
    const found = await inspectSource(data)
    if (found.safetyProblems.length) {
      throw new ImageFormatRejected(`Image failed safety checks (${found.format}): ${found.safetyProblems.join(' ')}`)
    }
    return { virtualSize: found.format === diskFormat ? found.virtualSize : null }
  }
}

/**
 * Puts back what a stopped or crashed process left in flight: uploads (`saving`) and unstaged
 * `uploading` images return to `queued` (Glance v2 allows saving → queued so a client can retry;
 * we never use `killed`), interrupted imports return to `uploading` when their staged data is
 * still there, and their tasks fail. Returns how many images it changed.
 */
export async function recoverInterruptedWork(deps: Pick<ImageDeps, 'db' | 'staging' | 'log'>): Promise<number> {
  const { db, log } = deps
  const now = nowIso()
  let repaired = 0
  const requeue = { status: 'queued', size: null, virtual_size: null, staging_location: null, updated_at: now }
  const saving = await db.updateTable('images').set(requeue).where('deleted', '=', 0).where('status', '=', 'saving').executeTakeFirst()
  repaired += Number(saving.numUpdatedRows)
  const staged = await db.selectFrom('images').selectAll().where('deleted', '=', 0)
    .where('status', 'in', ['uploading', 'importing']).execute()
  for (const row of staged) {
    const hasData = row.staging_location !== null && await deps.staging.open(row.staging_location)
      .then((o) => (o.stream.destroy(), true), () => false)
    await db.updateTable('images').set(hasData ? { status: 'uploading', updated_at: now } : requeue).where('id', '=', row.id).execute()
    await db.deleteFrom('image_properties').where('image_id', '=', row.id).where('name', '=', 'os_glance_import_task').execute()
    repaired++
  }
  await db.updateTable('image_tasks').set({ status: 'failure', message: 'The image service stopped during the import.', updated_at: now })
    .where('status', 'in', ['pending', 'processing']).execute()
  if (repaired) log.warn('returned interrupted uploads and imports to a retryable status', { images: repaired })
  return repaired
}

function backgroundWork(log: Logger): BackgroundWork & { drain(): Promise<void> } {
  const running = new Set<Promise<void>>()
  return {
    run(name, work) {
      const p = work().catch((err) => log.error('background work failed', { work: name, error: err })).finally(() => running.delete(p))
      running.add(p)
    },
    async drain() {
      await Promise.allSettled([...running])
    },
  }
}

export async function startImage(ctx: ServiceContext<ImageSections>): Promise<RunningService> {
  const config = ctx.config as Config
  const log = ctx.log.child({ service: 'image' })
  const database = await openImageDb(config, log)
  try {
    const [store, staging] = await Promise.all([
      imageStores.file({ root: imageStoreDir(config) }),
      imageStores.file({ root: imageStagingDir(config) }),
    ])
    const background = backgroundWork(log)
    const deps: ImageDeps = {
      db: database.db, config: config.image, log, policy: createEnforcer(imagePolicies), store, staging,
      inspect: uploadInspector(config.image), background,
    }
    await recoverInterruptedWork(deps)
    const authUrl = authUrlFor(config)
    const authenticate = createAuthMiddleware({ identity: createIdentityClient(authUrl) })
    const server = await createImageApi(deps, { authenticate, authUrl: `${authUrl}/v3` }).listen(config.image.port, config.bindHost)
    const url = `http://${publicHostOf(config)}:${server.port}`
    log.info('Image API listening', { url, store: imageStoreDir(config) })
    return {
      url,
      async stop() {
        await server.close()
        await background.drain()
        await database.close()
      },
    }
  } catch (err) {
    await database.close()
    throw err
  }
}

export const imageServices = { image: startImage }
