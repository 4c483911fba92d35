/**
 * @module Identity's composition root: builds the Keystone service from config and exposes the
 * runnable process (`identity`) and the operator commands (`bootstrap`, `fernet-rotate`).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { databaseUrlFor, publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import { openDatabase, type Database } from '../common/db/database.ts'
import { migrateToLatest } from '../common/db/migrate.ts'
import type { Logger } from '../common/log/logger.ts'
import { createEnforcer } from '../common/policy/policy-enforcer.ts'
import type { CatalogEndpoint, RunningService, ServiceContext } from '../common/service.ts'
import { createIdentityApi } from './api/app.ts'
import type { IdentityDeps } from './api/context.ts'
import { RoleGraph } from './assignments/role-graph.ts'
import { createPasswordHasher } from './auth/password-hasher.ts'
import { bootstrapIdentity, type BootstrapResult } from './bootstrap/bootstrap.ts'
import { Catalog } from './catalog/catalog.ts'
import type { IdentityConfig } from './config.ts'
import { identityMigrations } from './db/migrations.ts'
import type { IdentityDb } from './db/schema.ts'
import { identityPolicies } from './policies.ts'
import {
  readServiceCredentialsFile, SERVICE_USER, writeServiceCredentialsFile, type ServiceCredentials,
} from './service-credentials.ts'
import { KeyRepository } from './tokens/key-repository.ts'
import { RevocationList } from './tokens/revocations.ts'
import { FernetTokenProvider } from './tokens/token-provider.ts'
import { TokenService } from './tokens/token-service.ts'

export type IdentitySections = { identity: IdentityConfig }
type Config = CommonConfig & IdentitySections

export const identityUrl = (config: Config): string => `http://${publicHostOf(config)}:${config.identity.port}`

/** The catalog entry of the Identity service itself. */
export const identityCatalogEntry = (config: Config): CatalogEndpoint => ({
  type: 'identity', name: 'keystone', description: 'Identity (Keystone v3)', url: `${identityUrl(config)}/v3`,
})

const keyDir = (config: Config, kind: string) => join(config.dataDir, 'identity', kind)

/** Opens and migrates the identity database. */
export async function openIdentityDb(config: Config, log: Logger, onQuery?: (sql: string) => void): Promise<Database<IdentityDb>> {
  const database = openDatabase<IdentityDb>(databaseUrlFor(config, 'identity'), { onQuery })
  await migrateToLatest(database.db, 'identity', identityMigrations, log)
  return database
}

/** Creates the Fernet and credential key repositories when missing. */
export function setupKeyRepositories(config: Config): { fernet: KeyRepository; credential: KeyRepository } {
  mkdirSync(join(config.dataDir, 'identity'), { recursive: true, mode: 0o700 })
  chmodSync(join(config.dataDir, 'identity'), 0o700)
  const fernet = new KeyRepository(keyDir(config, 'fernet-keys'))
  const credential = new KeyRepository(keyDir(config, 'credential-keys'))
  fernet.setup()
  credential.setup()
  return { fernet, credential }
}

export function buildIdentityDeps(db: Kysely<IdentityDb>, config: Config, log: Logger, keys: ReturnType<typeof setupKeyRepositories>): IdentityDeps {
  const roles = new RoleGraph(db)
  const revocations = new RevocationList(db)
  const provider = new FernetTokenProvider(keys.fernet)
  const c = config.identity
  return {
    db, config: c, log, roles, revocations,
    hasher: createPasswordHasher(c.passwordHashRounds),
    catalog: new Catalog(db),
    policy: createEnforcer(identityPolicies),
    credentialKeys: keys.credential,
    tokens: new TokenService({
      db, provider, revocations, roles, expirationSec: c.tokenExpirationSec, adminProjectName: c.adminProjectName,
    }),
  }
}

export async function startIdentity(ctx: ServiceContext<IdentitySections>): Promise<RunningService> {
  const { config } = ctx
  const log = ctx.log.child({ service: 'identity' })
  const database = await openIdentityDb(config, log)
  const deps = buildIdentityDeps(database.db, config, log, setupKeyRepositories(config))
  const server = await createIdentityApi(deps).listen(config.identity.port, config.bindHost)
  const url = `http://${publicHostOf(config)}:${server.port}`
  log.info('Identity API listening', { url })
  return {
    url,
    async stop() {
      await server.close()
      await database.close()
    },
  }
}

/**
 * `nubis identity bootstrap`: the first-start setup; also run by `nubis up` on every start. Saves
 * the service user's credentials in dataDir/service-credentials.json (mode 0600), whose password
 * later runs keep unless identity.bootstrap.servicePassword is set.
 */
export async function runIdentityBootstrap(config: Config, catalog: CatalogEndpoint[], log: Logger): Promise<BootstrapResult> {
  const saved = savedServiceCredentials(config, log)
  const database = await openIdentityDb(config, log)
  try {
    setupKeyRepositories(config)
    const result = await bootstrapIdentity(
      database.db, createPasswordHasher(config.identity.passwordHashRounds), config.identity, config.region, catalog, log,
      saved?.user === SERVICE_USER ? saved.password : '')
    const s = result.service
    if (saved?.user !== s.user || saved.password !== s.password || saved.project !== s.project || saved.domain !== s.domain) {
      const path = writeServiceCredentialsFile(config.dataDir, s)
      log.info('saved the service credentials', { user: s.user, path })
    }
    return result
  } finally {
    await database.close()
  }
}

/** The file's credentials; a damaged file only costs the service user a new password. */
function savedServiceCredentials(config: Config, log: Logger): ServiceCredentials | undefined {
  try {
    return readServiceCredentialsFile(config.dataDir)
  } catch (err) {
    log.warn('ignoring the saved service credentials', { reason: (err as Error).message })
    return undefined
  }
}

/** `nubis identity fernet-rotate`: promotes the staged key; live tokens stay valid. */
export function rotateFernetKeys(config: Config, log: Logger): void {
  const dir = keyDir(config, 'fernet-keys')
  if (!existsSync(dir)) setupKeyRepositories(config)
  const repo = new KeyRepository(dir)
  repo.rotate(config.identity.fernetMaxActiveKeys)
  log.info('rotated Fernet keys', { dir, max_active_keys: config.identity.fernetMaxActiveKeys })
}

export const identityServices = { identity: startIdentity }
