/**
 * @module Reading allocations (by consumer, by provider), deleting a consumer's allocations, and
 * consumer types. Writing them, with capacity and generation checks, is allocation-writes.ts.
 */
import type { Kysely } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import type { NameTable } from './names.ts'
import type { PlacementDb } from './schema.ts'
import { inTransaction, type Trx } from './transaction.ts'

type Db = Kysely<PlacementDb> | Trx

export type ConsumerAllocations = {
  /** provider uuid → its generation and the resources this consumer holds there. */
  providers: Map<string, { generation: number; resources: Record<string, number> }>
  consumer?: { project_id: string; user_id: string; generation: number; consumer_type: string | null; updated_at: string }
  lastModified: string | undefined
}

export async function consumerAllocations(db: Db, consumer: string, classes: NameTable): Promise<ConsumerAllocations> {
  const rows = await db.selectFrom('allocations as a')
    .innerJoin('resource_providers as rp', 'rp.id', 'a.resource_provider_id')
    .innerJoin('consumers as c', 'c.uuid', 'a.consumer_id')
    .leftJoin('consumer_types as ct', 'ct.id', 'c.consumer_type_id')
    .select([
      'rp.uuid as rp_uuid', 'rp.generation as rp_generation', 'a.resource_class_id', 'a.used', 'a.updated_at',
      'c.project_id', 'c.user_id', 'c.generation', 'c.updated_at as consumer_updated_at', 'ct.name as consumer_type',
    ])
    .where('a.consumer_id', '=', consumer).orderBy('rp.id').orderBy('a.resource_class_id').execute()
  await classes.ensureIds(rows.map((r) => Number(r.resource_class_id)), db as Kysely<PlacementDb>)
  const providers = new Map<string, { generation: number; resources: Record<string, number> }>()
  let lastModified: string | undefined
  for (const r of rows) {
    let p = providers.get(r.rp_uuid)
    if (!p) providers.set(r.rp_uuid, p = { generation: Number(r.rp_generation), resources: {} })
    p.resources[classes.nameOf(Number(r.resource_class_id))] = Number(r.used)
    if (!lastModified || r.updated_at > lastModified) lastModified = r.updated_at
  }
  const first = rows[0]
  return {
    providers, lastModified,
    consumer: first && {
      project_id: first.project_id, user_id: first.user_id, generation: Number(first.generation),
      consumer_type: first.consumer_type ?? null, updated_at: first.consumer_updated_at,
    },
  }
}

export type ProviderAllocations = Map<string, { generation: number; resources: Record<string, number> }>

/** consumer uuid → its generation and what it holds on the provider. */
export async function providerAllocations(db: Db, providerId: number, classes: NameTable): Promise<{ consumers: ProviderAllocations; lastModified?: string }> {
  const rows = await db.selectFrom('allocations as a')
    .innerJoin('consumers as c', 'c.uuid', 'a.consumer_id')
    .select(['a.consumer_id', 'a.resource_class_id', 'a.used', 'a.updated_at', 'c.generation'])
    .where('a.resource_provider_id', '=', providerId).orderBy('a.consumer_id').orderBy('a.resource_class_id').execute()
  await classes.ensureIds(rows.map((r) => Number(r.resource_class_id)), db as Kysely<PlacementDb>)
  const consumers: ProviderAllocations = new Map()
  let lastModified: string | undefined
  for (const r of rows) {
    let c = consumers.get(r.consumer_id)
    if (!c) consumers.set(r.consumer_id, c = { generation: Number(r.generation), resources: {} })
    c.resources[classes.nameOf(Number(r.resource_class_id))] = Number(r.used)
    if (!lastModified || r.updated_at > lastModified) lastModified = r.updated_at
  }
  return { consumers, lastModified }
}

/**
 * DELETE /allocations/{consumer}: frees everything the consumer holds and forgets it. Returns the
 * ids of the providers it held resources of: none when it held nothing. Unsafe against concurrent writers by design (placement's advice: PUT an empty
 * allocation with the consumer generation instead); no provider generation moves.
 */
export async function deleteConsumerAllocations(db: Kysely<PlacementDb>, consumer: string): Promise<number[]> {
  return inTransaction(db, async (trx) => {
    const rows = await trx.selectFrom('allocations').selectAll().where('consumer_id', '=', consumer)
      .orderBy('resource_provider_id').orderBy('resource_class_id').execute()
    if (!rows.length) return []
    await trx.deleteFrom('allocations').where('consumer_id', '=', consumer).execute()
    await releaseUsage(trx, rows)
    await trx.deleteFrom('consumers').where('uuid', '=', consumer).execute()
    return [...new Set(rows.map((r) => Number(r.resource_provider_id)))]
  })
}

/** Takes `rows`' amounts back out of their inventories' `used`. */
export async function releaseUsage(trx: Trx, rows: Array<{ resource_provider_id: number; resource_class_id: number; used: number }>): Promise<void> {
  for (const r of rows) {
    await trx.updateTable('inventories').set((eb) => ({ used: eb('used', '-', Number(r.used)) }))
      .where('resource_provider_id', '=', Number(r.resource_provider_id)).where('resource_class_id', '=', Number(r.resource_class_id)).execute()
  }
}

/** The id of a consumer type, created on first use (1.38). */
export async function consumerTypeId(db: Kysely<PlacementDb>, name: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const found = await db.selectFrom('consumer_types').select('id').where('name', '=', name).executeTakeFirst()
    if (found) return Number(found.id)
    const now = nowIso()
    try {
      await db.insertInto('consumer_types').values({ name, created_at: now, updated_at: now }).execute()
    } catch (err) {
      if (!isUniqueViolation(err) || attempt > 2) throw err
    }
  }
}
