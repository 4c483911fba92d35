/**
 * @module Host aggregates mirrored into placement, as nova-api keeps them: the resource provider
 * of each compute node carries the uuid of every aggregate its host is in, so the scheduler can
 * ask placement for candidates `member_of` an aggregate (zones, tenant isolation). Used by
 * /os-aggregates add_host / remove_host and by `nubis compute sync-aggregates`.
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../../common/log/logger.ts'
import type { ComputeDb } from '../db/schema.ts'
import { conflict } from '../errors.ts'
import { ProviderUpdateConflict, type ResourceClaims } from '../model/placement.ts'

type MirrorDeps = { db: Kysely<ComputeDb>; claims: Pick<ResourceClaims, 'changeAggregates'>; log: Logger }
type AggregateRef = { id: number; uuid: string }

/** Resource providers of the host's compute nodes (a provider has its node's uuid). */
async function providersOf(db: Kysely<ComputeDb>, host: string): Promise<string[]> {
  return (await db.selectFrom('compute_nodes').select('uuid').where('host', '=', host).orderBy('id').execute()).map((n) => n.uuid)
}

/**
 * Puts the aggregate on the providers of the host just added to it. Never throws: as in Nova, a
 * placement failure is logged and left for `nubis compute sync-aggregates` to repair, since
 * the user asking for add_host knows nothing of placement.
 */
export async function mirrorHostAdded(deps: MirrorDeps, aggregate: AggregateRef, host: string, requestId?: string): Promise<void> {
  const providers = await providersOf(deps.db, host)
  if (!providers.length) {
    deps.log.warn(`host ${host} has no compute node yet; aggregate ${aggregate.id} is not mirrored in placement. This may be corrected after running nubis compute sync-aggregates.`, { request_id: requestId })
  }
  for (const provider of providers) {
    try {
      const outcome = await deps.claims.changeAggregates(provider, { add: [aggregate.uuid] })
      if (outcome === 'missing') throw new Error(`No resource provider with uuid ${provider} found`)
    } catch (err) {
      deps.log.warn(`Failed to associate ${host} with a placement aggregate: ${(err as Error).message}. This may be corrected after running nubis compute sync-aggregates.`, {
        request_id: requestId, aggregate: aggregate.uuid, provider,
      })
    }
  }
}

/**
 * Takes the aggregate off the providers of a host about to leave it; done before the database
 * changes so that a failure can be retried through the API. A missing provider is logged (it is
 * in no aggregate then); a lasting generation conflict is Nova's 409; other failures throw.
 */
export async function mirrorHostRemoved(deps: MirrorDeps, aggregate: AggregateRef, host: string, requestId?: string): Promise<void> {
  for (const provider of await providersOf(deps.db, host)) {
    try {
      const outcome = await deps.claims.changeAggregates(provider, { remove: [aggregate.uuid] })
      if (outcome === 'missing') {
        deps.log.warn(`Failed to remove association of ${host} with a placement aggregate: No resource provider with uuid ${provider} found.`, { request_id: requestId, aggregate: aggregate.uuid })
      }
    } catch (err) {
      if (err instanceof ProviderUpdateConflict) {
        deps.log.error(`Failed to remove host ${host} from aggregate ${aggregate.id}. Error: ${err.message}`, { request_id: requestId })
        throw conflict(err.message)
      }
      throw err
    }
  }
}

export type SyncChange = { host: string; provider: string; aggregate: string; name: string }

export type AggregateSyncResult = {
  added: SyncChange[]
  /** Aggregates of this cloud a provider carried though its host is no longer in them. */
  removed: SyncChange[]
  /** Aggregate members with no compute node record. */
  hostsWithoutNodes: string[]
  /** Compute nodes in aggregates whose provider placement does not have. */
  missingProviders: Array<{ host: string; provider: string }>
  failures: Array<{ host: string; provider: string; error: string }>
}

/**
 * Brings every compute node's placement aggregates in line with its host's aggregate
 * memberships (nova-manage placement sync_aggregates, which only adds; this also takes off the
 * uuids of this cloud's aggregates the host has left). Aggregate uuids placement holds that are
 * not host aggregates of this cloud are left alone. Goes on past failures and reports them all.
 */
export async function syncAggregatesToPlacement(deps: { db: Kysely<ComputeDb>; claims: Pick<ResourceClaims, 'aggregatesOf' | 'changeAggregates'> }): Promise<AggregateSyncResult> {
  const { db, claims } = deps
  const [aggregates, members, nodes] = await Promise.all([
    db.selectFrom('host_aggregates').select(['id', 'uuid', 'name']).orderBy('id').execute(),
    db.selectFrom('host_aggregate_hosts').select(['aggregate_id', 'host']).orderBy('host').execute(),
    db.selectFrom('compute_nodes').select(['uuid', 'host']).orderBy('host').orderBy('id').execute(),
  ])
  const byUuid = new Map(aggregates.map((a) => [a.uuid, a]))
  const result: AggregateSyncResult = { added: [], removed: [], hostsWithoutNodes: [], missingProviders: [], failures: [] }
  const hostsWithNodes = new Set(nodes.map((n) => n.host))
  result.hostsWithoutNodes = [...new Set(members.map((m) => m.host))].filter((h) => !hostsWithNodes.has(h)).sort()
  for (const node of nodes) {
    const wanted = aggregates.filter((a) => members.some((m) => Number(m.aggregate_id) === Number(a.id) && m.host === node.host)).map((a) => a.uuid)
    try {
      const current = await claims.aggregatesOf(node.uuid)
      if (current === undefined) {
        if (wanted.length) result.missingProviders.push({ host: node.host, provider: node.uuid })
        continue
      }
      const add = wanted.filter((u) => !current.includes(u))
      const remove = current.filter((u) => byUuid.has(u) && !wanted.includes(u))
      if (!add.length && !remove.length) continue
      const outcome = await claims.changeAggregates(node.uuid, { add, remove })
      if (outcome === 'missing') {
        result.missingProviders.push({ host: node.host, provider: node.uuid })
        continue
      }
      const change = (u: string): SyncChange => ({ host: node.host, provider: node.uuid, aggregate: u, name: byUuid.get(u)!.name })
      result.added.push(...add.map(change))
      result.removed.push(...remove.map(change))
    } catch (err) {
      result.failures.push({ host: node.host, provider: node.uuid, error: (err as Error).message })
    }
  }
  return result
}

/**
 * What the operator reads, and the exit status: 0 when placement now matches; as nova-manage,
 * 3 when an update failed, 5 when aggregate members have no compute node, 6 when a provider is
 * missing from placement.
 */
export function describeAggregateSync(r: AggregateSyncResult): { lines: string[]; exitCode: number } {
  const lines = [
    ...r.added.map((c) => `Added host ${c.host} (provider ${c.provider}) to aggregate ${c.name} (${c.aggregate}).`),
    ...r.removed.map((c) => `Removed host ${c.host} (provider ${c.provider}) from aggregate ${c.name} (${c.aggregate}).`),
  ]
  let exitCode = 0
  for (const f of r.failures) lines.push(`Failed updating provider aggregates for host ${f.host} (provider ${f.provider}): ${f.error}`)
  if (r.failures.length) exitCode = 3
  if (r.hostsWithoutNodes.length) {
    lines.push(`No compute node records for these aggregate members; is their compute agent running? Missing: ${r.hostsWithoutNodes.join(',')}`)
    exitCode = 5
  }
  if (r.missingProviders.length) {
    lines.push(`No resource provider in placement for these hosts: ${r.missingProviders.map((m) => `(${m.host}=${m.provider})`).join(',')}. Restart their compute agent and retry.`)
    exitCode = 6
  }
  const changes = r.added.length + r.removed.length
  lines.push(changes ? `${changes} placement aggregate change(s) made.` : 'Placement aggregates already match the host aggregates.')
  return { lines, exitCode }
}
