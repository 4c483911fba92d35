/** Aggregates (bare UUIDs placement records on first use) and each provider's membership. */
import type { Kysely } from 'kysely'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import { bumpGeneration, type Provider } from './providers.ts'
import type { PlacementDb } from './schema.ts'
import type { Trx } from './transaction.ts'

export async function providerAggregates(db: Kysely<PlacementDb> | Trx, providerId: number): Promise<string[]> {
  const rows = await db.selectFrom('resource_provider_aggregates as rpa').innerJoin('placement_aggregates as a', 'a.id', 'rpa.aggregate_id')
    .select('a.uuid').where('rpa.resource_provider_id', '=', providerId).orderBy('a.id').execute()
  return rows.map((r) => r.uuid)
}

/** Ids of the aggregates with these UUIDs, creating the missing ones. */
async function ensureAggregates(trx: Trx, uuids: string[]): Promise<Map<string, number>> {
  if (!uuids.length) return new Map()
  const found = await trx.selectFrom('placement_aggregates').select(['id', 'uuid']).where('uuid', 'in', uuids).execute()
  const ids = new Map(found.map((r) => [r.uuid, Number(r.id)]))
  const missing = uuids.filter((u) => !ids.has(u))
  if (missing.length) {
    try {
      await trx.insertInto('placement_aggregates').values(missing.map((uuid) => ({ uuid }))).execute()
    } catch (err) {
      // Another request created one of them meanwhile; the caller's transaction is retried as a conflict.
      if (isUniqueViolation(err)) throw Object.assign(new Error('aggregate created concurrently'), { cause: err, retryable: true })
      throw err
    }
    const added = await trx.selectFrom('placement_aggregates').select(['id', 'uuid']).where('uuid', 'in', missing).execute()
    for (const r of added) ids.set(r.uuid, Number(r.id))
  }
  return ids
}

/**
 * Makes the provider a member of exactly `uuids`. From microversion 1.19 the provider's
 * generation moves (`bump`); before, aggregates were outside generation control.
 */
export async function setProviderAggregates(trx: Trx, p: Provider, uuids: string[], bump: boolean): Promise<number> {
  const ids = await ensureAggregates(trx, [...new Set(uuids)])
  const have = new Set((await trx.selectFrom('resource_provider_aggregates').select('aggregate_id').where('resource_provider_id', '=', p.id).execute())
    .map((r) => Number(r.aggregate_id)))
  const want = new Set(ids.values())
  const add = [...want].filter((id) => !have.has(id))
  const remove = [...have].filter((id) => !want.has(id))
  if (remove.length) await trx.deleteFrom('resource_provider_aggregates').where('resource_provider_id', '=', p.id).where('aggregate_id', 'in', remove).execute()
  if (add.length) await trx.insertInto('resource_provider_aggregates').values(add.map((aggregate_id) => ({ resource_provider_id: p.id, aggregate_id }))).execute()
  return bump ? bumpGeneration(trx, p.id, p.generation) : p.generation
}
