/**
 * Per-project quotas: the limit of a resource for a project (a network_quotas row, else the
 * configured default; -1 is unlimited), what a project uses (a count of its rows), and the check made
 * before creating something. Call checkQuota inside the creating transaction, before the insert.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkConfig } from '../../config.ts'
import type { NetworkDb } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import type { NetworkDeps } from '../context.ts'

export type QuotaResource = 'network' | 'subnet' | 'port' | 'router' | 'floatingip' | 'security_group' | 'security_group_rule' | 'subnetpool'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

/** Every quota resource, in the order Neutron lists them, with the table counted for its usage. */
export const QUOTA_RESOURCES: Record<QuotaResource, { table: 'networks' | 'subnets' | 'ports' | 'routers' | 'floating_ips' | 'security_groups' | 'security_group_rules' | 'subnetpools'; config: keyof NetworkConfig['quotas'] }> = {
  floatingip: { table: 'floating_ips', config: 'floatingip' },
  network: { table: 'networks', config: 'network' },
  port: { table: 'ports', config: 'port' },
  router: { table: 'routers', config: 'router' },
  security_group: { table: 'security_groups', config: 'securityGroup' },
  security_group_rule: { table: 'security_group_rules', config: 'securityGroupRule' },
  subnet: { table: 'subnets', config: 'subnet' },
  subnetpool: { table: 'subnetpools', config: 'subnetpool' },
}

export const quotaResourceNames = Object.keys(QUOTA_RESOURCES) as QuotaResource[]

export const isQuotaResource = (name: string): name is QuotaResource => Object.hasOwn(QUOTA_RESOURCES, name)

/** The configured defaults, resource → limit. */
export function defaultQuotas(config: NetworkConfig): Record<QuotaResource, number> {
  return Object.fromEntries(quotaResourceNames.map((r) => [r, config.quotas[QUOTA_RESOURCES[r].config]])) as Record<QuotaResource, number>
}

/** The project's limits: its own rows over the defaults. */
export async function projectQuotas(config: NetworkConfig, db: Db, projectId: string): Promise<Record<QuotaResource, number>> {
  const out = defaultQuotas(config)
  const rows = await db.selectFrom('network_quotas').select(['resource', 'limit']).where('project_id', '=', projectId).execute()
  for (const r of rows) if (isQuotaResource(r.resource)) out[r.resource] = Number(r.limit)
  return out
}

/** How many of `resource` the project has now. */
export async function quotaUsage(db: Db, projectId: string, resource: QuotaResource): Promise<number> {
  const { table } = QUOTA_RESOURCES[resource]
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** 409 as Neutron: `Quota exceeded for resources: ['network'].` */
export const overQuota = (resources: string[]) =>
  new NeutronError(409, 'OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`)

/** Throws Neutron's 409 OverQuota when `adding` more would exceed the project's limit. */
export async function checkQuota(
  deps: NetworkDeps, db: Db, projectId: string, resource: QuotaResource, adding = 1,
): Promise<void> {
  const row = await db.selectFrom('network_quotas').select('limit')
    .where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst()
  const limit = row ? Number(row.limit) : deps.config.quotas[QUOTA_RESOURCES[resource].config]
  if (limit < 0) return
  if ((await quotaUsage(db, projectId, resource)) + adding > limit) throw overQuota([resource])
}
