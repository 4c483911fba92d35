/**
 * @module Placement's composition root: builds the Placement API from config (database with the
 * standard resource classes and traits, policy, token validation) and exposes the runnable
 * process (`placement`, OpenStack's port 8778).
 */
import { databaseUrlFor, publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import { openDatabase, type Database } from '../common/db/database.ts'
import { migrateToLatest } from '../common/db/migrate.ts'
import type { Logger } from '../common/log/logger.ts'
import { createEnforcer } from '../common/policy/policy-enforcer.ts'
import type { CatalogEndpoint, RunningService, ServiceContext } from '../common/service.ts'
import { authUrlFor, createAuthMiddleware } from '../identity/auth-middleware.ts'
import { createIdentityClient } from '../identity/client.ts'
import { createPlacementApi } from './api/app.ts'
import type { PlacementConfig } from './config.ts'
import { createCandidateIndex } from './db/candidate-index.ts'
import { placementMigrations } from './db/migrations.ts'
import { createNames, syncStandardNames } from './db/names.ts'
import type { PlacementDb } from './db/schema.ts'
import { createLocalPlacement, LOCAL_PLACEMENT } from './local.ts'
import { placementPolicies } from './policies.ts'

export type PlacementSections = { placement: PlacementConfig }
type Config = CommonConfig & PlacementSections & { identity?: { port?: number } }

export const placementUrl = (config: Config): string => `http://${publicHostOf(config)}:${config.placement.port}`

/** The catalog entry of the Placement API: its root, where clients find the version document. */
export const placementCatalogEntry = (config: Config): CatalogEndpoint => ({
  type: 'placement', name: 'placement', description: 'Placement', url: placementUrl(config),
})

/** Opens and migrates the placement database and brings the standard classes and traits in. */
export async function openPlacementDb(config: Config, log: Logger): Promise<Database<PlacementDb>> {
  const database = openDatabase<PlacementDb>(databaseUrlFor(config, 'placement'))
  try {
    await migrateToLatest(database.db, 'placement', placementMigrations, log)
    await syncStandardNames(database.db)
  } catch (err) {
    await database.close()
    throw err
  }
  return database
}

export async function startPlacement(ctx: ServiceContext<PlacementSections>): Promise<RunningService> {
  const config = ctx.config as Config
  const log = ctx.log.child({ service: 'placement' })
  const database = await openPlacementDb(config, log)
  try {
    const authUrl = authUrlFor(config)
    const authenticate = createAuthMiddleware({ identity: createIdentityClient(authUrl) })
    const deps = {
      db: database.db, candidates: createCandidateIndex(database.db, log), names: createNames(database.db), config: config.placement, log,
      policy: createEnforcer(placementPolicies),
    }
    const server = await createPlacementApi(deps, { authenticate, authUrl }).listen(config.placement.port, config.bindHost)
    const url = `http://${publicHostOf(config)}:${server.port}`
    log.info('Placement API listening', { url })
    if (ctx.local) {
      ctx.local.offer(LOCAL_PLACEMENT, createLocalPlacement(deps))
      log.info('Placement answers allocation-candidate queries of the services in this process directly')
    }
    return {
      url,
      async stop() {
        ctx.local?.withdraw(LOCAL_PLACEMENT)
        await server.close()
        await database.close()
      },
    }
  } catch (err) {
    await database.close()
    throw err
  }
}

export const placementServices = { placement: startPlacement }
