/**
 * @module Nova's quotas (the DbQuotaDriver): a limit is a user's row over the project's row over
 * the `default` quota class over the configured default (-1 is unlimited); usage is counted from
 * the tables at check time, as Nova does since it dropped reservations. Server create calls
 * {@link checkServerQuota}; key pairs, server groups and metadata call {@link checkQuota}.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { ComputeConfig } from '../config.ts'
import { NovaError } from '../errors.ts'
import type { ComputeDb } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

/** Every resource of os-quota-sets, in Nova's order; the last four are nova-network leftovers kept for old microversions. */
export const QUOTA_RESOURCES = [
  'cores', 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes', 'instances', 'key_pairs',
  'metadata_items', 'ram', 'server_groups', 'server_group_members', 'fixed_ips', 'floating_ips', 'security_groups',
  'security_group_rules',
] as const
export type QuotaResource = (typeof QUOTA_RESOURCES)[number]
export type QuotaValues = Record<QuotaResource, number>

export const isQuotaResource = (name: string): name is QuotaResource => (QUOTA_RESOURCES as readonly string[]).includes(name)

/** The class whose rows replace the configured defaults (Nova's `_DEFAULT_QUOTA_NAME`). */
export const DEFAULT_QUOTA_CLASS = 'default'

const CONFIG_KEY: Partial<Record<QuotaResource, keyof ComputeConfig['quotas']>> = {
  cores: 'cores', injected_files: 'injectedFiles', injected_file_content_bytes: 'injectedFileContentBytes',
  injected_file_path_bytes: 'injectedFilePathBytes', instances: 'instances', key_pairs: 'keyPairs',
  metadata_items: 'metadataItems', ram: 'ram', server_groups: 'serverGroups', server_group_members: 'serverGroupMembers',
}

/** The configured defaults; the nova-network resources are unlimited. */
export function configuredQuotas(config: ComputeConfig): QuotaValues {
  return Object.fromEntries(QUOTA_RESOURCES.map((r) => {
    const key = CONFIG_KEY[r]
    return [r, key ? config.quotas[key] : -1]
  })) as QuotaValues
}

async function classRows(db: Db, className: string): Promise<Partial<QuotaValues>> {
  const rows = await db.selectFrom('compute_quota_classes').select(['resource', 'hard_limit']).where('class_name', '=', className).execute()
  return Object.fromEntries(rows.filter((r) => isQuotaResource(r.resource)).map((r) => [r.resource, Number(r.hard_limit)]))
}

async function limitRows(db: Db, projectId: string, userId: string): Promise<Partial<QuotaValues>> {
  const rows = await db.selectFrom('compute_quotas').select(['resource', 'hard_limit'])
    .where('project_id', '=', projectId).where('user_id', '=', userId).execute()
  return Object.fromEntries(rows.filter((r) => isQuotaResource(r.resource)).map((r) => [r.resource, Number(r.hard_limit)]))
}

/** Defaults of every project: the `default` class over the configuration (GET .../defaults). */
export async function defaultQuotas(db: Db, config: ComputeConfig): Promise<QuotaValues> {
  return { ...configuredQuotas(config), ...(await classRows(db, DEFAULT_QUOTA_CLASS)) }
}

/** A quota class's values: its rows over the configuration (as Nova's get_class_quotas). */
export async function classQuotas(db: Db, config: ComputeConfig, className: string): Promise<QuotaValues> {
  return { ...configuredQuotas(config), ...(await classRows(db, className)) }
}

/** The limits of a project, or of one user in it when `userId` is given (user rows over project rows). */
export async function quotaLimits(db: Db, config: ComputeConfig, projectId: string, userId?: string): Promise<QuotaValues> {
  const project = await limitRows(db, projectId, '')
  const user = userId ? await limitRows(db, projectId, userId) : {}
  return { ...(await defaultQuotas(db, config)), ...project, ...user }
}

/** The rows set for a project (user '') or a user, without defaults. */
export async function quotaOverrides(db: Db, projectId: string, userId = ''): Promise<Partial<QuotaValues>> {
  return limitRows(db, projectId, userId)
}

export type ServerUsage = { instances: number; cores: number; ram: number }

/** Servers counted against quota: not deleted and not soft-deleted, of the project (or one user in it). */
export async function serverUsage(db: Db, projectId: string, userId?: string): Promise<ServerUsage> {
  let q = db.selectFrom('instances')
    .select((eb) => [
      eb.fn.countAll<number>().as('instances'),
      sql<number>`coalesce(sum(vcpus), 0)`.as('cores'),
      sql<number>`coalesce(sum(memory_mb), 0)`.as('ram'),
    ])
    .where('project_id', '=', projectId).where('deleted', '=', 0).where('vm_state', '!=', 'soft-delete')
  if (userId) q = q.where('user_id', '=', userId)
  const row = await q.executeTakeFirst()
  return { instances: Number(row?.instances ?? 0), cores: Number(row?.cores ?? 0), ram: Number(row?.ram ?? 0) }
}

async function countServerGroups(db: Db, projectId: string, userId?: string): Promise<number> {
  let q = db.selectFrom('server_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId)
  if (userId) q = q.where('user_id', '=', userId)
  return Number((await q.executeTakeFirst())?.n ?? 0)
}

async function countKeypairs(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('keypairs').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirst()
  return Number(row?.n ?? 0)
}

async function countGroupMembers(db: Db, groupId: number): Promise<number> {
  const row = await db.selectFrom('server_group_members')
    .innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('server_group_members.group_id', '=', groupId).where('instances.deleted', '=', 0).executeTakeFirst()
  return Number(row?.n ?? 0)
}

/**
 * In-use counts as os-quota-sets/detail and limits show them: servers, cores, RAM and server
 * groups are counted; key pairs and group members are per-user or per-group and show 0, as in Nova.
 */
export async function quotaUsages(db: Db, projectId: string, userId?: string): Promise<QuotaValues> {
  const servers = await serverUsage(db, projectId, userId)
  const out = Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as QuotaValues
  out.instances = servers.instances
  out.cores = servers.cores
  out.ram = servers.ram
  out.server_groups = await countServerGroups(db, projectId, userId)
  return out
}

const unlimited = (v: number) => v < 0

/**
 * The range a quota update may choose from (Nova's get_settable_quotas): at least what is in use
 * (for a project, also what its users' own limits already hand out), and for a user at most
 * what the project has not given to other users.
 */
export async function settableQuotas(db: Db, config: ComputeConfig, projectId: string, userId?: string): Promise<Record<QuotaResource, { minimum: number; maximum: number }>> {
  const projectLimits = await quotaLimits(db, config, projectId)
  const userRows = await db.selectFrom('compute_quotas').select(['user_id', 'resource', 'hard_limit'])
    .where('project_id', '=', projectId).where('user_id', '!=', '').execute()
  const givenToUsers = (r: QuotaResource) => userRows.filter((u) => u.resource === r).reduce((n, u) => n + Number(u.hard_limit), 0)
  const remains = (r: QuotaResource) => unlimited(projectLimits[r]) ? -1 : projectLimits[r] - givenToUsers(r)
  const out = {} as Record<QuotaResource, { minimum: number; maximum: number }>
  if (userId) {
    const usage = await quotaUsages(db, projectId, userId)
    const own = await limitRows(db, projectId, userId)
    for (const r of QUOTA_RESOURCES) {
      const rem = remains(r)
      out[r] = { minimum: usage[r], maximum: unlimited(rem) ? -1 : rem + (own[r] ?? 0) }
    }
  } else {
    const usage = await quotaUsages(db, projectId)
    for (const r of QUOTA_RESOURCES) {
      const rem = remains(r)
      const handedOut = unlimited(projectLimits[r]) || unlimited(rem) ? -1 : projectLimits[r] - rem
      out[r] = { minimum: Math.max(handedOut, usage[r]), maximum: -1 }
    }
  }
  return out
}

/** Sets limits of a project (or of one user in it); one row per resource. */
export async function setQuotaLimits(db: Kysely<ComputeDb>, projectId: string, userId: string | undefined, values: Partial<QuotaValues>): Promise<void> {
  const user = userId ?? ''
  await db.transaction().execute(async (trx) => {
    for (const [resource, hardLimit] of Object.entries(values)) {
      const updated = await trx.updateTable('compute_quotas').set({ hard_limit: hardLimit })
        .where('project_id', '=', projectId).where('user_id', '=', user).where('resource', '=', resource).executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) {
        await trx.insertInto('compute_quotas').values({ project_id: projectId, user_id: user, resource, hard_limit: hardLimit }).execute()
      }
    }
  })
}

/** Drops a project's own limits (all of them, its users' too) or one user's. */
export async function deleteQuotaLimits(db: Db, projectId: string, userId?: string): Promise<void> {
  let q = db.deleteFrom('compute_quotas').where('project_id', '=', projectId)
  if (userId) q = q.where('user_id', '=', userId)
  await q.execute()
}

/** Sets values of a quota class. */
export async function setClassQuotas(db: Kysely<ComputeDb>, className: string, values: Partial<QuotaValues>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [resource, hardLimit] of Object.entries(values)) {
      const updated = await trx.updateTable('compute_quota_classes').set({ hard_limit: hardLimit })
        .where('class_name', '=', className).where('resource', '=', resource).executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) {
        await trx.insertInto('compute_quota_classes').values({ class_name: className, resource, hard_limit: hardLimit }).execute()
      }
    }
  })
}

/**
 * Throws Nova's 403 when `delta` more servers, cores and MiB of RAM would exceed the project's
 * limits (or the user's, where the user has limits of their own): "Quota exceeded for cores:
 * Requested 2, but already used 19 of 20 cores", naming every resource that overflows.
 */
export async function checkServerQuota(
  db: Kysely<ComputeDb>, config: ComputeConfig, projectId: string, userId: string, delta: { instances: number; cores: number; ram: number },
): Promise<void> {
  const resources = ['instances', 'cores', 'ram'] as const
  const scopes: Array<string | undefined> = [undefined]
  const own = await limitRows(db, projectId, userId)
  if (resources.some((r) => own[r] !== undefined)) scopes.push(userId)
  for (const scope of scopes) {
    const limits = await quotaLimits(db, config, projectId, scope)
    const used = await serverUsage(db, projectId, scope)
    const overs = resources.filter((r) => !unlimited(limits[r]) && delta[r] > 0 && used[r] + delta[r] > limits[r])
    if (overs.length) {
      const list = (f: (r: (typeof resources)[number]) => number) => overs.map((r) => String(f(r))).join(', ')
      const names = overs.join(', ')
      throw new NovaError(403, `Quota exceeded for ${names}: Requested ${list((r) => delta[r])}, but already used ${list((r) => used[r])} of ${list((r) => limits[r])} ${names}`)
    }
  }
}

/** Nova's message for each countable resource checked through {@link checkQuota}. */
const OVER_MESSAGES = {
  key_pairs: () => 'Quota exceeded, too many key pairs.',
  server_groups: () => 'Quota exceeded, too many server groups.',
  server_group_members: () => 'Quota exceeded, too many servers in group',
  metadata_items: (allowed: number) => `Maximum number of metadata items exceeds ${allowed}`,
}
export type CheckedResource = keyof typeof OVER_MESSAGES

/**
 * Throws Nova's 403 when adding `delta` of `resource` would exceed its limit. Key pairs count
 * the user's (`scope.userId` required), server groups the project's, group members those of
 * `scope.groupId`; metadata items are a plain limit on `delta` (the items of one server).
 */
export async function checkQuota(
  db: Db, config: ComputeConfig, projectId: string, resource: CheckedResource, delta: number,
  scope: { userId?: string; groupId?: number } = {},
): Promise<void> {
  const limits = await quotaLimits(db, config, projectId, resource === 'key_pairs' ? scope.userId : undefined)
  const limit = limits[resource]
  if (unlimited(limit)) return
  let used = 0
  if (resource === 'key_pairs') {
    if (!scope.userId) throw new Error('checkQuota(key_pairs) needs scope.userId')
    used = await countKeypairs(db, scope.userId)
  } else if (resource === 'server_groups') {
    used = await countServerGroups(db, projectId)
  } else if (resource === 'server_group_members') {
    if (scope.groupId === undefined) throw new Error('checkQuota(server_group_members) needs scope.groupId')
    used = await countGroupMembers(db, scope.groupId)
  }
  if (used + delta > limit) throw new NovaError(403, OVER_MESSAGES[resource](limit))
}
