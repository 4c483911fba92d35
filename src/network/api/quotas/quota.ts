/** Per-project quotas: the limit of a resource for a project and the check made before creating one. */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import type { NetworkDeps } from '../context.ts'

export type QuotaResource = 'network' | 'subnet' | 'port' | 'router' | 'floatingip' | 'security_group' | 'security_group_rule' | 'subnetpool'

/** Throws Neutron's 409 OverQuota when `adding` more would exceed the project's limit. */
export async function checkQuota(
  _deps: NetworkDeps, _db: Kysely<NetworkDb> | Transaction<NetworkDb>, _projectId: string, _resource: QuotaResource, _adding = 1,
): Promise<void> {
  // Until quotas land, nothing is limited.
}
