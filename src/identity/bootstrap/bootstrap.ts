/**
 * @module First-start setup, safe to run again: default domain, the admin → manager → member →
 * reader roles, the admin and demo projects and users, the service user other services log in as,
 * the region and the service catalog.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { nowIso, toDbBool } from '../../common/db/columns.ts'
import type { CatalogEndpoint } from '../../common/service.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PasswordHasher } from '../auth/password-hasher.ts'
import { storePassword } from '../auth/security-compliance.ts'
import type { IdentityConfig } from '../config.ts'
import type { AssignmentType, IdentityDb } from '../db/schema.ts'
import { newId } from '../api/ids.ts'
import { SERVICE_PROJECT, SERVICE_ROLES, SERVICE_USER, type ServiceCredentials } from '../service-credentials.ts'

export type BootstrapResult = {
  admin: { user: string; project: string; password?: string }
  demo: { user: string; project: string; password?: string }
  /** Always with its password: the caller saves it (service-credentials.json). */
  service: ServiceCredentials
}

type Db = Kysely<IdentityDb>

/** `savedServicePassword`: the service user's password from an earlier run (its file), used unless one is configured. */
export async function bootstrapIdentity(
  db: Db, hasher: PasswordHasher, config: IdentityConfig, region: string, catalog: CatalogEndpoint[], log: Logger,
  savedServicePassword = '',
): Promise<BootstrapResult> {
  const b = config.bootstrap
  await ensureDomain(db, log)
  const roleIds: Record<string, string> = {}
  for (const name of ['reader', 'member', 'manager', 'admin', 'service']) roleIds[name] = await ensureRole(db, name, log)
  await ensureImplied(db, roleIds.admin, roleIds.manager)
  await ensureImplied(db, roleIds.manager, roleIds.member)
  await ensureImplied(db, roleIds.member, roleIds.reader)

  const adminProject = await ensureProject(db, b.adminProject, 'Bootstrap project for initializing the cloud.', log)
  const admin = await ensureUser(db, hasher, config, b.adminUser, b.adminPassword, log)
  await grant(db, 'UserProject', admin.id, adminProject, roleIds.admin)
  await grant(db, 'UserSystem', admin.id, 'system', roleIds.admin)
  await grant(db, 'UserDomain', admin.id, 'default', roleIds.admin)

  const demoProject = await ensureProject(db, b.demoProject, 'Project for everyday use.', log)
  const demo = await ensureUser(db, hasher, config, b.demoUser, b.demoPassword, log)
  await grant(db, 'UserProject', demo.id, demoProject, roleIds.member)

  const serviceProject = await ensureProject(db, SERVICE_PROJECT, 'Project of the users services call each other as.', log)
  const service = await ensureServiceUser(db, hasher, config, b.servicePassword || savedServicePassword, log)
  for (const role of SERVICE_ROLES) await grant(db, 'UserProject', service.id, serviceProject, roleIds[role])

  if (!(await db.selectFrom('regions').select('id').where('id', '=', region).executeTakeFirst())) {
    await db.insertInto('regions').values({ id: region, description: '', parent_region_id: null, extra: '{}' }).execute()
    log.info('created region', { region })
  }
  for (const entry of catalog) await ensureEndpoint(db, region, entry, log)
  return {
    admin: { user: b.adminUser, project: b.adminProject, password: admin.password },
    demo: { user: b.demoUser, project: b.demoProject, password: demo.password },
    service: { user: SERVICE_USER, password: service.password, project: SERVICE_PROJECT, domain: 'default' },
  }
}

/**
 * The service user with `known` as its password (reset when it differs), or, when no password is
 * known, a generated one: set on a new user, and on an existing one whose saved password is lost.
 * Its password never expires, whatever securityCompliance says (Keystone's ignore_password_expiry).
 */
async function ensureServiceUser(
  db: Db, hasher: PasswordHasher, config: IdentityConfig, known: string, log: Logger,
): Promise<{ id: string; password: string }> {
  const rules = { ...config.securityCompliance, passwordExpiresDays: 0 }
  const user = await ensureUser(db, hasher, { ...config, securityCompliance: rules }, SERVICE_USER, known, log)
  if (user.password) return { id: user.id, password: user.password }
  const password = randomBytes(24).toString('base64url')
  await storePassword(db, hasher, user.id, password, rules)
  log.warn('the password of the service user was not saved; set a new one', { user: SERVICE_USER })
  return { id: user.id, password }
}

async function ensureDomain(db: Db, log: Logger): Promise<void> {
  if (await db.selectFrom('domains').select('id').where('id', '=', 'default').executeTakeFirst()) return
  await db.insertInto('domains').values({
    id: 'default', name: 'Default', description: 'The default domain', enabled: 1, extra: '{}', created_at: nowIso(),
  }).execute()
  log.info('created the default domain')
}

async function ensureRole(db: Db, name: string, log: Logger): Promise<string> {
  const found = await db.selectFrom('roles').select('id').where('name', '=', name).where('domain_id', '=', '').executeTakeFirst()
  if (found) return found.id
  const id = newId()
  await db.insertInto('roles').values({ id, name, domain_id: '', description: '', options: '{}' }).execute()
  log.info('created role', { role: name })
  return id
}

async function ensureImplied(db: Db, prior: string, implied: string): Promise<void> {
  const found = await db.selectFrom('implied_roles').select('prior_role_id')
    .where('prior_role_id', '=', prior).where('implied_role_id', '=', implied).executeTakeFirst()
  if (!found) await db.insertInto('implied_roles').values({ prior_role_id: prior, implied_role_id: implied }).execute()
}

async function ensureProject(db: Db, name: string, description: string, log: Logger): Promise<string> {
  const found = await db.selectFrom('projects').select('id').where('name', '=', name).where('domain_id', '=', 'default').executeTakeFirst()
  if (found) return found.id
  const id = newId()
  await db.insertInto('projects').values({
    id, name, domain_id: 'default', parent_id: 'default', description, enabled: 1, extra: '{}', created_at: nowIso(),
  }).execute()
  log.info('created project', { project: name, project_id: id })
  return id
}

/** Creates the user with the configured password, or a generated one returned to the caller. */
async function ensureUser(
  db: Db, hasher: PasswordHasher, config: IdentityConfig, name: string, configured: string, log: Logger,
): Promise<{ id: string; password?: string }> {
  const found = await db.selectFrom('users').select(['id', 'password_hash']).where('name', '=', name)
    .where('domain_id', '=', 'default').executeTakeFirst()
  if (found) {
    if (configured && !(await hasher.verify(configured, found.password_hash))) {
      await storePassword(db, hasher, found.id, configured, config.securityCompliance)
      log.info('reset password of user to the configured one', { user: name })
    }
    return { id: found.id, password: configured || undefined }
  }
  const id = newId()
  const password = configured || randomBytes(15).toString('base64url')
  await db.insertInto('users').values({
    id, name, domain_id: 'default', enabled: toDbBool(true), default_project_id: null, description: '', extra: '{}',
    created_at: nowIso(), password_hash: null, password_created_at: null, password_expires_at: null,
    failed_auth_count: 0, failed_auth_at: null, last_active_at: null,
  }).execute()
  await storePassword(db, hasher, id, password, config.securityCompliance)
  log.info('created user', { user: name, user_id: id })
  return { id, password }
}

async function grant(db: Db, type: AssignmentType, actor: string, target: string, role: string): Promise<void> {
  const found = await db.selectFrom('assignments').select('role_id').where('type', '=', type).where('actor_id', '=', actor)
    .where('target_id', '=', target).where('role_id', '=', role).executeTakeFirst()
  if (!found) await db.insertInto('assignments').values({ type, actor_id: actor, target_id: target, role_id: role, inherited: 0 }).execute()
}

async function ensureEndpoint(db: Db, region: string, entry: CatalogEndpoint, log: Logger): Promise<void> {
  let service = await db.selectFrom('services').selectAll().where('type', '=', entry.type).executeTakeFirst()
  if (!service) {
    service = { id: newId(), type: entry.type, name: entry.name, description: entry.description, enabled: 1, extra: '{}' }
    await db.insertInto('services').values(service).execute()
    log.info('registered service in the catalog', { type: entry.type, name: entry.name })
  }
  for (const iface of ['public', 'internal']) {
    const ep = await db.selectFrom('endpoints').selectAll().where('service_id', '=', service.id)
      .where('interface', '=', iface).where('region_id', '=', region).executeTakeFirst()
    if (!ep) {
      await db.insertInto('endpoints').values({
        id: newId(), service_id: service.id, interface: iface, url: entry.url, region_id: region, enabled: 1, extra: '{}',
      }).execute()
    } else if (ep.url !== entry.url) {
      await db.updateTable('endpoints').set({ url: entry.url }).where('id', '=', ep.id).execute()
      log.info('updated endpoint URL', { type: entry.type, interface: iface, url: entry.url })
    }
  }
}
