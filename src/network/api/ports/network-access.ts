/**
 * @module A subnet's or port's network as the caller sees it: Neutron's visibility (get_network:
 * owner, shared, external, admin) and the ownership rule for creating subnets and ports on it
 * (api/v2/base.py _validate_network_project_ownership).
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, NetworkRow } from '../../db/schema.ts'
import { NeutronError, notFound } from '../../errors.ts'
import { can, isAdmin, type NetworkDeps, type NetworkRequest } from '../context.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export const networkTarget = (n: NetworkRow) => ({ project_id: n.project_id, tenant_id: n.project_id, shared: !!n.shared, 'router:external': !!n.external })

/** The target keys subnet and port rules read about their network. */
export const parentNetworkKeys = (n: NetworkRow) => ({ 'network:project_id': n.project_id, 'network:tenant_id': n.project_id, shared: !!n.shared })

export async function findNetwork(db: Db, id: string): Promise<NetworkRow | undefined> {
  return db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst()
}

export function networkVisible(deps: NetworkDeps, req: NetworkRequest, n: NetworkRow): boolean {
  return can(deps, req, 'get_network', networkTarget(n))
}

/** The network when it exists and the caller may see it, else 404 NetworkNotFound. */
export async function visibleNetwork(deps: NetworkDeps, req: NetworkRequest, db: Db, id: string): Promise<NetworkRow> {
  const n = await findNetwork(db, id)
  if (!n || !networkVisible(deps, req, n)) throw notFound('network', id)
  return n
}

/** Subnets and ports on a network that is not shared must belong to its owner, unless an admin or service asks. */
export function checkNetworkOwnership(deps: NetworkDeps, req: NetworkRequest, n: NetworkRow, projectId: unknown): void {
  if (isAdmin(deps, req) || can(deps, req, 'service_api', {}) || n.shared) return
  if (n.project_id !== projectId) throw new NeutronError(404, 'HTTPNotFound', 'The resource could not be found.')
}

/**
 * Row-locks the network for the rest of the transaction (PostgreSQL, MariaDB; SQLite serialises
 * writers anyway), so checks across its subnets and ports cannot interleave with another writer's.
 */
export async function lockNetwork(db: Db, id: string): Promise<void> {
  await db.updateTable('networks').set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).execute()
}
