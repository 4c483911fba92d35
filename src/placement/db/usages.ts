/** Usage sums: per provider (every class it has inventory of) and per project or user, optionally by consumer type (1.38). */
import { sql, type Kysely } from 'kysely'
import type { NameTable } from './names.ts'
import type { PlacementDb } from './schema.ts'

/** class name → amount used on the provider, 0 for inventory nothing uses. */
export async function providerUsages(db: Kysely<PlacementDb>, providerId: number, classes: NameTable): Promise<Record<string, number>> {
  const rows = await db.selectFrom('inventories').select(['resource_class_id', 'used']).where('resource_provider_id', '=', providerId)
    .orderBy('resource_class_id').execute()
  await classes.ensureIds(rows.map((r) => Number(r.resource_class_id)))
  return Object.fromEntries(rows.map((r) => [classes.nameOf(Number(r.resource_class_id)), Number(r.used)]))
}

export type UsageRow = { consumerType: string | null; resourceClass: string; used: number }

/** What the project's (or user's) consumers hold, by consumer type and class. */
export async function projectUsages(
  db: Kysely<PlacementDb>, projectId: string, userId: string | undefined, classes: NameTable,
): Promise<{ rows: UsageRow[]; consumers: Array<{ uuid: string; consumerType: string | null }> }> {
  let q = db.selectFrom('allocations as a').innerJoin('consumers as c', 'c.uuid', 'a.consumer_id')
    .leftJoin('consumer_types as ct', 'ct.id', 'c.consumer_type_id')
    .select(['ct.name as consumer_type', 'a.resource_class_id', sql<number>`sum(a.used)`.as('used')])
    .where('c.project_id', '=', projectId)
  if (userId) q = q.where('c.user_id', '=', userId)
  const rows = await q.groupBy(['ct.name', 'a.resource_class_id']).orderBy('a.resource_class_id').execute()
  let cq = db.selectFrom('consumers as c').leftJoin('consumer_types as ct', 'ct.id', 'c.consumer_type_id')
    .select(['c.uuid', 'ct.name as consumer_type']).where('c.project_id', '=', projectId)
  if (userId) cq = cq.where('c.user_id', '=', userId)
  const consumers = await cq.execute()
  await classes.ensureIds(rows.map((r) => Number(r.resource_class_id)))
  return {
    rows: rows.map((r) => ({ consumerType: r.consumer_type ?? null, resourceClass: classes.nameOf(Number(r.resource_class_id)), used: Number(r.used) })),
    consumers: consumers.map((c) => ({ uuid: c.uuid, consumerType: c.consumer_type ?? null })),
  }
}
