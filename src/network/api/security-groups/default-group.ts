/** The per-project `default` security group, created on first need with Neutron's default rules. */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import type { NetworkDeps } from '../context.ts'

/** Id of the project's default group, creating it (race-safe) when missing. */
export async function ensureDefaultSecurityGroup(_deps: NetworkDeps, _db: Kysely<NetworkDb> | Transaction<NetworkDb>, _projectId: string): Promise<string> {
  throw new Error('ensureDefaultSecurityGroup: not implemented yet')
}
