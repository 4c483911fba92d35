/**
 * @module Resource providers: lookups with their tree (parent and root uuids), listing with
 * placement's filters, create, rename and re-parent, delete, and the generation check every
 * change to a provider's inventory, traits, aggregates or allocations goes through.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { ProviderGenerationConflict } from './conflicts.ts'
import { insertReturningId } from './insert.ts'
import type { PlacementDb } from './schema.ts'
import type { Trx } from './transaction.ts'

export type Provider = {
  id: number
  uuid: string
  name: string
  generation: number
  root_id: number
  parent_id: number | null
  root_uuid: string
  parent_uuid: string | null
  created_at: string
  updated_at: string
}

type Db = Kysely<PlacementDb> | Trx

function providerQuery(db: Db) {
  return db.selectFrom('resource_providers as rp')
    .leftJoin('resource_providers as root', 'root.id', 'rp.root_provider_id')
    .leftJoin('resource_providers as parent', 'parent.id', 'rp.parent_provider_id')
    .select([
      'rp.id', 'rp.uuid', 'rp.name', 'rp.generation', 'rp.root_provider_id as root_id', 'rp.parent_provider_id as parent_id',
      'root.uuid as root_uuid', 'parent.uuid as parent_uuid', 'rp.created_at', 'rp.updated_at',
    ])
}

type ProviderQueryRow = Awaited<ReturnType<ReturnType<typeof providerQuery>['execute']>>[number]

const toProvider = (r: ProviderQueryRow): Provider => ({
  id: Number(r.id), uuid: r.uuid, name: r.name, generation: Number(r.generation),
  root_id: Number(r.root_id ?? r.id), parent_id: r.parent_id === null ? null : Number(r.parent_id),
  root_uuid: r.root_uuid ?? r.uuid, parent_uuid: r.parent_uuid ?? null, created_at: r.created_at, updated_at: r.updated_at,
})

export async function findProvider(db: Db, uuid: string): Promise<Provider | undefined> {
  const row = await providerQuery(db).where('rp.uuid', '=', uuid).executeTakeFirst()
  return row && toProvider(row)
}

export async function findProvidersByUuid(db: Db, uuids: string[]): Promise<Map<string, Provider>> {
  if (!uuids.length) return new Map()
  const rows = await providerQuery(db).where('rp.uuid', 'in', uuids).execute()
  return new Map(rows.map((r) => [r.uuid, toProvider(r)]))
}

/** Filters of GET /resource_providers, already resolved to ids; every condition is AND'ed. */
export type ProviderFilter = {
  name?: string
  uuid?: string
  /** Only providers in the tree with this root. */
  rootId?: number
  /** Each set: the provider is in at least one of these aggregates. */
  memberOf?: string[][]
  forbiddenAggregates?: string[]
  /** Each set: the provider has at least one of these traits. */
  requiredTraits?: number[][]
  forbiddenTraits?: number[]
  /** The provider alone has room for each amount (capacity, min_unit, max_unit, step_size). */
  resources?: Map<number, number>
}

export async function listProviders(db: Db, f: ProviderFilter): Promise<Provider[]> {
  let q = providerQuery(db)
  if (f.name !== undefined) q = q.where('rp.name', '=', f.name)
  if (f.uuid !== undefined) q = q.where('rp.uuid', '=', f.uuid)
  if (f.rootId !== undefined) q = q.where('rp.root_provider_id', '=', f.rootId)
  q = q.where((eb) => {
    const conds: Expression<SqlBool>[] = []
    const inAggregates = (uuids: string[]) => eb.exists(eb.selectFrom('resource_provider_aggregates as rpa')
      .innerJoin('placement_aggregates as a', 'a.id', 'rpa.aggregate_id')
      .select(sql.lit(1).as('one')).whereRef('rpa.resource_provider_id', '=', 'rp.id').where('a.uuid', 'in', uuids))
    const hasTraits = (ids: number[]) => eb.exists(eb.selectFrom('resource_provider_traits as rpt')
      .select(sql.lit(1).as('one')).whereRef('rpt.resource_provider_id', '=', 'rp.id').where('rpt.trait_id', 'in', ids))
    for (const any of f.memberOf ?? []) conds.push(inAggregates(any))
    if (f.forbiddenAggregates?.length) conds.push(eb.not(inAggregates(f.forbiddenAggregates)))
    for (const any of f.requiredTraits ?? []) conds.push(any.length ? hasTraits(any) : sql<SqlBool>`1 = 0`)
    if (f.forbiddenTraits?.length) conds.push(eb.not(hasTraits(f.forbiddenTraits)))
    for (const [rc, amount] of f.resources ?? []) {
      conds.push(eb.exists(eb.selectFrom('inventories as i').select(sql.lit(1).as('one'))
        .whereRef('i.resource_provider_id', '=', 'rp.id').where('i.resource_class_id', '=', rc)
        .where(fitsClause(amount))))
    }
    return eb.and(conds)
  })
  return (await q.orderBy('rp.id').execute()).map(toProvider)
}

/** SQL for "an inventory row `i` has room for `amount`" (amount is a validated integer). */
export function fitsClause(amount: number) {
  const n = sql.lit(Math.trunc(amount))
  return sql<SqlBool>`i.used + ${n} <= (i.total - i.reserved) * i.allocation_ratio
    AND i.min_unit <= ${n} AND i.max_unit >= ${n} AND ${n} % i.step_size = 0`
}

/** Inserts a provider (a new root unless `parent` is given); unique uuid and name are the database's to enforce. */
export async function createProvider(trx: Trx, uuid: string, name: string, parent: Provider | undefined): Promise<Provider> {
  const now = nowIso()
  const id = await insertReturningId(trx, 'resource_providers', {
    uuid, name, generation: 0, root_provider_id: parent?.root_id ?? null, parent_provider_id: parent?.id ?? null,
    created_at: now, updated_at: now,
  })
  if (!parent) await trx.updateTable('resource_providers').set({ root_provider_id: id }).where('id', '=', id).execute()
  return (await findProvider(trx, uuid))!
}

/** Every provider below `p` (and `p` itself), from one read of its tree. */
export async function subtreeIds(trx: Trx, p: Provider): Promise<number[]> {
  const tree = await trx.selectFrom('resource_providers').select(['id', 'parent_provider_id']).where('root_provider_id', '=', p.root_id).execute()
  const children = new Map<number, number[]>()
  for (const r of tree) {
    if (r.parent_provider_id === null) continue
    const list = children.get(Number(r.parent_provider_id)) ?? []
    list.push(Number(r.id))
    children.set(Number(r.parent_provider_id), list)
  }
  const out: number[] = []
  const walk = (id: number) => {
    out.push(id)
    for (const c of children.get(id) ?? []) walk(c)
  }
  walk(p.id)
  return out
}

/** Moves `p` (and its subtree) under `parent`, or makes it a root when `parent` is null. */
export async function setParent(trx: Trx, p: Provider, parent: Provider | null, subtree: number[]): Promise<void> {
  const rootId = parent ? parent.root_id : p.id
  await trx.updateTable('resource_providers').set({ parent_provider_id: parent?.id ?? null, updated_at: nowIso() })
    .where('id', '=', p.id).execute()
  await trx.updateTable('resource_providers').set({ root_provider_id: rootId }).where('id', 'in', subtree).execute()
}

export async function renameProvider(trx: Trx, p: Provider, name: string): Promise<void> {
  await trx.updateTable('resource_providers').set({ name, updated_at: nowIso() }).where('id', '=', p.id).execute()
}

/**
 * Increments the generation from `expected`; throws {@link ProviderGenerationConflict} when
 * another writer moved it first. This compare-and-set is what serialises writers: on every engine
 * the second of two racing transactions finds the row changed (or waits for the first's lock and
 * then finds it changed) and rolls back.
 */
export async function bumpGeneration(trx: Trx, id: number, expected: number): Promise<number> {
  const res = await trx.updateTable('resource_providers').set({ generation: expected + 1, updated_at: nowIso() })
    .where('id', '=', id).where('generation', '=', expected).executeTakeFirst()
  if (Number(res.numUpdatedRows) !== 1) throw new ProviderGenerationConflict()
  return expected + 1
}

export async function hasChildren(trx: Trx, id: number): Promise<boolean> {
  return (await trx.selectFrom('resource_providers').select('id').where('parent_provider_id', '=', id).limit(1).executeTakeFirst()) !== undefined
}

export async function hasAllocations(trx: Trx, id: number): Promise<boolean> {
  return (await trx.selectFrom('allocations').select('consumer_id').where('resource_provider_id', '=', id).limit(1).executeTakeFirst()) !== undefined
}

/** Deletes the provider with its inventories, trait and aggregate links (callers check children and allocations first). */
export async function deleteProvider(trx: Trx, id: number): Promise<boolean> {
  await trx.deleteFrom('inventories').where('resource_provider_id', '=', id).execute()
  await trx.deleteFrom('resource_provider_traits').where('resource_provider_id', '=', id).execute()
  await trx.deleteFrom('resource_provider_aggregates').where('resource_provider_id', '=', id).execute()
  const res = await trx.deleteFrom('resource_providers').where('id', '=', id).executeTakeFirst()
  return Number(res.numDeletedRows) === 1
}
