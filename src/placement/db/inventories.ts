/**
 * @module Inventories of a provider. Every change bumps the provider's generation in the same
 * transaction; inventory with allocations against it cannot be removed (it may shrink below
 * what is used, which placement allows and logs).
 */
import { nowIso } from '../../common/db/columns.ts'
import type { Logger } from '../../common/log/logger.ts'
import { InventoryInUse } from './conflicts.ts'
import type { NameTable } from './names.ts'
import { bumpGeneration, type Provider } from './providers.ts'
import type { Trx } from './transaction.ts'
import type { Kysely } from 'kysely'
import type { PlacementDb } from './schema.ts'

export type InventoryFields = {
  total: number
  reserved: number
  min_unit: number
  max_unit: number
  step_size: number
  allocation_ratio: number
}

export type Inventory = InventoryFields & { resource_class: string; used: number; created_at: string; updated_at: string }

export const MAX_INT = 0x7fffffff

export const inventoryDefaults = { reserved: 0, min_unit: 1, max_unit: MAX_INT, step_size: 1, allocation_ratio: 1.0 }

/** What can be allocated: (total - reserved) * allocation_ratio, truncated as placement does. */
export const capacityOf = (i: InventoryFields): number => Math.trunc((i.total - i.reserved) * i.allocation_ratio)

export async function getInventories(db: Kysely<PlacementDb> | Trx, providerId: number, classes: NameTable): Promise<Inventory[]> {
  const rows = await db.selectFrom('inventories').selectAll().where('resource_provider_id', '=', providerId)
    .orderBy('resource_class_id').execute()
  await classes.ensureIds(rows.map((r) => Number(r.resource_class_id)), db as Kysely<PlacementDb>)
  return rows.map((r) => ({
    resource_class: classes.nameOf(Number(r.resource_class_id)),
    total: Number(r.total), reserved: Number(r.reserved), min_unit: Number(r.min_unit), max_unit: Number(r.max_unit),
    step_size: Number(r.step_size), allocation_ratio: Number(r.allocation_ratio), used: Number(r.used),
    created_at: r.created_at, updated_at: r.updated_at,
  }))
}

/** Sum of allocations per class on a provider, straight from the allocations (for new inventory rows). */
async function allocatedByClass(trx: Trx, providerId: number, classIds: number[]): Promise<Map<number, number>> {
  if (!classIds.length) return new Map()
  const rows = await trx.selectFrom('allocations').select(['resource_class_id', (eb) => eb.fn.sum<number>('used').as('used')])
    .where('resource_provider_id', '=', providerId).where('resource_class_id', 'in', classIds).groupBy('resource_class_id').execute()
  return new Map(rows.map((r) => [Number(r.resource_class_id), Number(r.used)]))
}

/**
 * Makes the provider's inventory exactly `wanted` (class id → fields) and bumps its generation
 * from `p.generation`. Throws InventoryInUse for a class to remove that has allocations, and
 * ProviderGenerationConflict when the provider changed since it was read.
 */
export async function replaceInventories(
  trx: Trx, p: Provider, wanted: Map<number, InventoryFields>, classes: NameTable, log: Logger,
): Promise<number> {
  const existing = await trx.selectFrom('inventories').selectAll().where('resource_provider_id', '=', p.id).execute()
  const have = new Map(existing.map((r) => [Number(r.resource_class_id), r]))
  const removed = existing.filter((r) => !wanted.has(Number(r.resource_class_id)))
  const inUse = removed.filter((r) => Number(r.used) > 0).map((r) => Number(r.resource_class_id))
  if (inUse.length) {
    await classes.ensureIds(inUse, trx)
    throw new InventoryInUse(inUse.map((id) => classes.nameOf(id)), p.uuid)
  }
  if (removed.length) {
    await trx.deleteFrom('inventories').where('resource_provider_id', '=', p.id)
      .where('resource_class_id', 'in', removed.map((r) => Number(r.resource_class_id))).execute()
  }
  const now = nowIso()
  const added = [...wanted.keys()].filter((id) => !have.has(id))
  const allocated = await allocatedByClass(trx, p.id, added)
  if (added.length) {
    await trx.insertInto('inventories').values(added.map((id) => ({
      resource_provider_id: p.id, resource_class_id: id, ...wanted.get(id)!, used: allocated.get(id) ?? 0, created_at: now, updated_at: now,
    }))).execute()
  }
  for (const [id, fields] of wanted) {
    const old = have.get(id)
    if (!old) continue
    if (Number(old.used) > capacityOf(fields)) {
      await classes.ensureIds([id], trx)
      log.warn('resource provider is now over capacity', { provider: p.uuid, resource_class: classes.nameOf(id) })
    }
    if (sameFields(old, fields)) continue
    await trx.updateTable('inventories').set({ ...fields, updated_at: now })
      .where('resource_provider_id', '=', p.id).where('resource_class_id', '=', id).execute()
  }
  return bumpGeneration(trx, p.id, p.generation)
}

const sameFields = (a: Record<string, unknown>, b: InventoryFields) =>
  (Object.keys(b) as (keyof InventoryFields)[]).every((k) => Number(a[k]) === b[k])
