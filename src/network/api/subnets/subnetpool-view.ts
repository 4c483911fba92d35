/** Subnet pools as the API shows them, and who sees them: the owner, everyone when shared, admins. */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, SubnetPoolRow } from '../../db/schema.ts'
import { SubnetPoolNotFound } from '../../ipam/index.ts'
import { can, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { renderStandard } from '../standard-attrs.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export function renderSubnetPool(p: SubnetPoolRow, tags: string[]): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    tenant_id: p.project_id,
    project_id: p.project_id,
    prefixes: JSON.parse(p.prefixes),
    ip_version: p.ip_version,
    default_prefixlen: p.default_prefixlen,
    min_prefixlen: p.min_prefixlen,
    max_prefixlen: p.max_prefixlen,
    default_quota: p.default_quota,
    is_default: !!p.is_default,
    shared: !!p.shared,
    address_scope_id: p.address_scope_id,
    ...renderStandard(p, tags),
  }
}

export const subnetPoolTarget = (p: Pick<SubnetPoolRow, 'project_id' | 'shared' | 'is_default'>) =>
  ({ project_id: p.project_id, tenant_id: p.project_id, shared: !!p.shared, is_default: !!p.is_default })

/** The pool query's scope (owner, shared or admin) and get_subnetpool. */
export function subnetPoolVisible(deps: NetworkDeps, req: NetworkRequest, p: SubnetPoolRow): boolean {
  return can(deps, req, 'get_subnetpool', subnetPoolTarget(p))
}

/** The pool when the caller may see it, else 404 SubnetPoolNotFound. */
export async function visibleSubnetPool(deps: NetworkDeps, req: NetworkRequest, db: Db, id: string): Promise<SubnetPoolRow> {
  const p = await db.selectFrom('subnetpools').selectAll().where('id', '=', id).executeTakeFirst()
  if (!p || !subnetPoolVisible(deps, req, p)) throw new SubnetPoolNotFound(id)
  return p
}

/** Row-locks the pool until commit, as Neutron's hash update does, so concurrent carvings cannot overlap. */
export async function lockSubnetPool(db: Db, id: string): Promise<void> {
  await db.updateTable('subnetpools').set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).execute()
}
