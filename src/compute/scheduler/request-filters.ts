/**
 * @module Nova's scheduler request filters that narrow the placement query before any host
 * filter runs: the requested availability zone and the project's dedicated aggregates become
 * `member_of` groups of the allocation candidates request. They rely on host aggregates being
 * mirrored in placement (the compute API does it; `nubis compute sync-aggregates` repairs it).
 */
import type { Kysely } from 'kysely'
import type { ComputeConfig } from '../config.ts'
import type { ComputeDb } from '../db/schema.ts'
import type { RequestSpec } from '../model/instance.ts'

/** Aggregate metadata keys that dedicate an aggregate to a project: `filter_tenant_id`, `filter_tenant_id2`, ... */
const TENANT_METADATA_KEY = 'filter_tenant_id'

/** The request can go nowhere (Nova's RequestFilterFailed, which the scheduler reports as NoValidHost). */
export class RequestFilterFailed extends Error {
  override name = 'RequestFilterFailed'
  constructor(reason: string) {
    super(`Scheduling failed: ${reason}`)
  }
}

type Options = Pick<ComputeConfig['scheduler'], 'queryPlacementForAvailabilityZone' | 'limitTenantsToPlacementAggregate' | 'placementAggregateRequiredForTenants'>

/**
 * The `member_of` groups the request needs: each group is any-of its aggregate uuids, and the
 * groups are AND'ed. Empty when nothing narrows the query. Throws {@link RequestFilterFailed}
 * when tenants must have an aggregate and this project has none.
 */
export async function placementAggregatesFor(db: Kysely<ComputeDb>, options: Options, spec: RequestSpec): Promise<string[][]> {
  const groups: string[][] = []
  if (options.limitTenantsToPlacementAggregate) {
    const rows = await db.selectFrom('host_aggregate_metadata').innerJoin('host_aggregates', 'host_aggregates.id', 'host_aggregate_metadata.aggregate_id')
      .select(['host_aggregates.uuid', 'host_aggregate_metadata.key']).where('host_aggregate_metadata.value', '=', spec.project_id).execute()
    const uuids = [...new Set(rows.filter((r) => r.key.startsWith(TENANT_METADATA_KEY)).map((r) => r.uuid))].sort()
    if (uuids.length) groups.push(uuids)
    else if (options.placementAggregateRequiredForTenants) throw new RequestFilterFailed('No hosts available for tenant')
  }
  // A zone no aggregate names (the default zone) leaves the query alone: the zone filter sorts those hosts out.
  if (options.queryPlacementForAvailabilityZone && spec.availability_zone) {
    const rows = await db.selectFrom('host_aggregate_metadata').innerJoin('host_aggregates', 'host_aggregates.id', 'host_aggregate_metadata.aggregate_id')
      .select('host_aggregates.uuid').where('host_aggregate_metadata.key', '=', 'availability_zone')
      .where('host_aggregate_metadata.value', '=', spec.availability_zone).execute()
    const uuids = [...new Set(rows.map((r) => r.uuid))].sort()
    if (uuids.length) groups.push(uuids)
  }
  return groups
}
