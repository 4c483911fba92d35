/**
 * @module Replacing the allocations of one or more consumers in one transaction (PUT
 * /allocations/{c}, POST /allocations, the reshaper). The order inside the transaction is what
 * makes two schedulers unable to overcommit: provider generations are read first, then
 * inventories and usage, then every provider whose capacity was checked has its generation
 * compare-and-set. A writer that raced another one fails that compare-and-set, rolls back and runs
 * again on fresh data (placement's allocation_conflict_retry_count); the second run sees the
 * winner's allocations and refuses with CapacityExceeded if the room is gone.
 */
import type { Kysely } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import type { Logger } from '../../common/log/logger.ts'
import { releaseUsage } from './allocations.ts'
import {
  CapacityExceeded, ConstraintsViolated, ConsumerGenerationConflict, InvalidInventory, PlacementRefusal,
  ProviderGenerationConflict, ProviderNotFound,
} from './conflicts.ts'
import type { NameTable } from './names.ts'
import { bumpGeneration, findProvidersByUuid } from './providers.ts'
import type { PlacementDb } from './schema.ts'
import { inTransaction, type Trx } from './transaction.ts'

/** One consumer's complete new allocations; an empty list frees everything it holds. */
export type ConsumerWrite = {
  uuid: string
  projectId: string
  userId: string
  /** undefined: keep the consumer's type (before 1.38). */
  consumerTypeId?: number
  /** undefined: no check (before 1.28); null: the consumer must not exist yet. */
  generation?: number | null
  allocations: Array<{ provider: string; resources: Map<number, number> }>
}

/** The consumer generation in the request is not the stored one (not retried: the caller must re-read). */
export class ConsumerGenerationMismatch extends PlacementRefusal {
  constructor(expected: number | null, got: number | null) {
    // Placement formats a missing stored generation as null and a missing requested one as Python's None.
    super(`consumer generation conflict - expected ${expected === null ? 'null' : expected} but got ${got === null ? 'None' : got}`)
  }
}

type Key = string
const key = (rp: number, rc: number): Key => `${rp}:${rc}`

/**
 * Writes `consumers` in the given transaction; throws a PlacementRefusal when it may not. Returns
 * the ids of the providers whose usage it changed (those given and those the consumers held).
 */
export async function writeAllocations(trx: Trx, consumers: ConsumerWrite[], classes: NameTable, log: Logger): Promise<number[]> {
  const uuids = [...new Set(consumers.flatMap((c) => c.allocations.map((a) => a.provider)))]
  // 1. Provider generations first: every later read is at least as new as these.
  const providers = await findProvidersByUuid(trx, uuids)
  for (const u of uuids) if (!providers.has(u)) throw new ProviderNotFound(u)
  const consumerIds = consumers.map((c) => c.uuid)
  const stored = new Map((await trx.selectFrom('consumers').selectAll().where('uuid', 'in', consumerIds).execute()).map((r) => [r.uuid, r]))
  for (const c of consumers) {
    if (c.generation === undefined) continue
    const row = stored.get(c.uuid)
    const have = row ? Number(row.generation) : null
    if (have !== c.generation) throw new ConsumerGenerationMismatch(have, c.generation)
  }

  // 2. What the consumers hold now, and the inventories involved.
  const old = await trx.selectFrom('allocations').selectAll().where('consumer_id', 'in', consumerIds).execute()
  const wanted = new Map<Key, { rp: number; rc: number; amount: number }>()
  const perAllocation: Array<{ rp: number; rc: number; amount: number }> = []
  for (const c of consumers) {
    for (const a of c.allocations) {
      const rp = providers.get(a.provider)!.id
      for (const [rc, amount] of a.resources) {
        perAllocation.push({ rp, rc, amount })
        const k = key(rp, rc)
        const w = wanted.get(k)
        if (w) w.amount += amount
        else wanted.set(k, { rp, rc, amount })
      }
    }
  }
  const checkedIds = [...new Set([...wanted.values()].map((w) => w.rp))]
  const invRows = checkedIds.length
    ? await trx.selectFrom('inventories').selectAll().where('resource_provider_id', 'in', checkedIds).execute()
    : []
  const inventories = new Map(invRows.map((r) => [key(Number(r.resource_provider_id), Number(r.resource_class_id)), r]))
  const releasing = new Map<Key, number>()
  for (const r of old) {
    const k = key(Number(r.resource_provider_id), Number(r.resource_class_id))
    releasing.set(k, (releasing.get(k) ?? 0) + Number(r.used))
  }

  // 3. Capacity and unit constraints, as placement checks them.
  const uuidOf = new Map([...providers.values()].map((p) => [p.id, p.uuid]))
  await classes.ensureIds([...wanted.values()].map((w) => w.rc), trx)
  for (const a of perAllocation) {
    const inv = inventories.get(key(a.rp, a.rc))
    const rcName = classes.nameOf(a.rc)
    if (!inv) throw new InvalidInventory(rcName, uuidOf.get(a.rp)!)
    if (a.amount < Number(inv.min_unit) || a.amount > Number(inv.max_unit) || a.amount % Number(inv.step_size) !== 0) {
      throw new ConstraintsViolated(rcName, uuidOf.get(a.rp)!)
    }
  }
  for (const [k, w] of wanted) {
    const inv = inventories.get(k)!
    const prevUsed = Number(inv.used)
    const used = prevUsed - (releasing.get(k) ?? 0)
    const capacity = (Number(inv.total) - Number(inv.reserved)) * Number(inv.allocation_ratio)
    if (used + w.amount <= capacity) continue
    // Placement lets a consumer shrink an allocation on an overcommitted provider, as long as use goes down.
    if (prevUsed > 0 && used + w.amount <= prevUsed) {
      log.warn('over capacity, but the allocation reduces the existing overage', { provider: uuidOf.get(w.rp), resource_class: classes.nameOf(w.rc) })
      continue
    }
    throw new CapacityExceeded(classes.nameOf(w.rc), uuidOf.get(w.rp)!)
  }

  // 4. Generations: providers whose capacity was checked, plus those a consumer is cleared from.
  const cleared = new Set(consumers.filter((c) => !c.allocations.length).map((c) => c.uuid))
  const bumped = new Set(checkedIds)
  for (const r of old) if (cleared.has(r.consumer_id)) bumped.add(Number(r.resource_provider_id))
  const generations = new Map([...providers.values()].map((p) => [p.id, p.generation]))
  const missing = [...bumped].filter((id) => !generations.has(id))
  if (missing.length) {
    const rows = await trx.selectFrom('resource_providers').select(['id', 'generation']).where('id', 'in', missing).execute()
    for (const r of rows) generations.set(Number(r.id), Number(r.generation))
  }
  for (const id of [...bumped].sort((a, b) => a - b)) {
    if (generations.has(id)) await bumpGeneration(trx, id, generations.get(id)!)
  }
  await writeConsumers(trx, consumers, stored)

  // 5. The rows, and `used` on each inventory touched.
  const now = nowIso()
  if (old.length) await trx.deleteFrom('allocations').where('consumer_id', 'in', consumerIds).execute()
  await releaseUsage(trx, old.map((r) => ({ resource_provider_id: Number(r.resource_provider_id), resource_class_id: Number(r.resource_class_id), used: Number(r.used) })))
  const inserts = consumers.flatMap((c) => c.allocations.flatMap((a) => [...a.resources].map(([rc, used]) => ({
    consumer_id: c.uuid, resource_provider_id: providers.get(a.provider)!.id, resource_class_id: rc, used, created_at: now, updated_at: now,
  }))))
  for (let i = 0; i < inserts.length; i += 500) await trx.insertInto('allocations').values(inserts.slice(i, i + 500)).execute()
  for (const w of [...wanted.values()].sort((a, b) => a.rp - b.rp || a.rc - b.rc)) {
    await trx.updateTable('inventories').set((eb) => ({ used: eb('used', '+', w.amount) }))
      .where('resource_provider_id', '=', w.rp).where('resource_class_id', '=', w.rc).execute()
  }
  return [...new Set([...checkedIds, ...old.map((r) => Number(r.resource_provider_id))])]
}

/** Creates, updates (generation + 1) or deletes (when freed) each consumer's row, compare-and-set on its generation. */
async function writeConsumers(trx: Trx, consumers: ConsumerWrite[], stored: Map<string, { generation: number; consumer_type_id: number | null }>): Promise<void> {
  const now = nowIso()
  for (const c of consumers) {
    const row = stored.get(c.uuid)
    if (!row) {
      if (!c.allocations.length) continue
      try {
        await trx.insertInto('consumers').values({
          uuid: c.uuid, project_id: c.projectId, user_id: c.userId, consumer_type_id: c.consumerTypeId ?? null,
          generation: 1, created_at: now, updated_at: now,
        }).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConsumerGenerationConflict()
        throw err
      }
      continue
    }
    const gen = Number(row.generation)
    const res = c.allocations.length
      ? await trx.updateTable('consumers').set({
        generation: gen + 1, project_id: c.projectId, user_id: c.userId,
        consumer_type_id: c.consumerTypeId ?? row.consumer_type_id, updated_at: now,
      }).where('uuid', '=', c.uuid).where('generation', '=', gen).executeTakeFirst()
      : await trx.deleteFrom('consumers').where('uuid', '=', c.uuid).where('generation', '=', gen).executeTakeFirst()
    const changed = 'numUpdatedRows' in res ? res.numUpdatedRows : res.numDeletedRows
    if (Number(changed) !== 1) throw new ConsumerGenerationConflict()
  }
}

/**
 * {@link writeAllocations} in its own transaction, run again (up to `retries` times in all) while
 * another writer keeps moving a provider's generation first; then ProviderGenerationConflict.
 */
export async function replaceAllocations(
  db: Kysely<PlacementDb>, consumers: ConsumerWrite[], opts: { classes: NameTable; log: Logger; retries: number },
): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(db, (trx) => writeAllocations(trx, consumers, opts.classes, opts.log))
    } catch (err) {
      if (!(err instanceof ProviderGenerationConflict) || attempt >= opts.retries) throw err
      opts.log.debug('retrying an allocation write after a provider generation conflict', { attempt })
    }
  }
}
