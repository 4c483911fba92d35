/**
 * @module The reads behind GET /allocation_candidates, each one set-based statement whatever the
 * number of providers: the providers with room for one class (filtered by tree, aggregates and
 * traits in SQL), then the trees those providers belong to, their inventories and their traits.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import { fitsClause } from './providers.ts'
import type { PlacementDb } from './schema.ts'

type Db = Kysely<PlacementDb>

/** Conditions on the provider (`rp`) that hold the class's inventory. */
export type ProviderConditions = {
  rootId?: number
  /** Each set: the provider or its root is in at least one of these aggregates. */
  memberOf?: string[][]
  forbiddenAggregates?: string[]
  /** Each set: the provider has at least one of these traits. */
  requiredTraits?: number[][]
  forbiddenTraits?: number[]
}

export type Fit = { providerId: number; rootId: number }

/** Providers that alone have room for `amount` of class `rc`, meeting `c`. */
export async function providersWithRoom(db: Db, rc: number, amount: number, c: ProviderConditions): Promise<Fit[]> {
  let q = db.selectFrom('inventories as i').innerJoin('resource_providers as rp', 'rp.id', 'i.resource_provider_id')
    .select(['rp.id', 'rp.root_provider_id']).where('i.resource_class_id', '=', rc).where(fitsClause(amount))
  if (c.rootId !== undefined) q = q.where('rp.root_provider_id', '=', c.rootId)
  q = q.where((eb) => {
    const conds: Expression<SqlBool>[] = []
    const inAggregates = (uuids: string[]) => eb.exists(eb.selectFrom('resource_provider_aggregates as rpa')
      .innerJoin('placement_aggregates as a', 'a.id', 'rpa.aggregate_id').select(sql.lit(1).as('one'))
      .where((w) => w.or([w('rpa.resource_provider_id', '=', w.ref('rp.id')), w('rpa.resource_provider_id', '=', w.ref('rp.root_provider_id'))]))
      .where('a.uuid', 'in', uuids))
    const hasTraits = (ids: number[]) => eb.exists(eb.selectFrom('resource_provider_traits as rpt').select(sql.lit(1).as('one'))
      .whereRef('rpt.resource_provider_id', '=', 'rp.id').where('rpt.trait_id', 'in', ids))
    for (const any of c.memberOf ?? []) conds.push(inAggregates(any))
    if (c.forbiddenAggregates?.length) conds.push(eb.not(inAggregates(c.forbiddenAggregates)))
    for (const any of c.requiredTraits ?? []) conds.push(hasTraits(any))
    if (c.forbiddenTraits?.length) conds.push(eb.not(hasTraits(c.forbiddenTraits)))
    return eb.and(conds)
  })
  return (await q.execute()).map((r) => ({ providerId: Number(r.id), rootId: Number(r.root_provider_id) }))
}

export type TreeProvider = { id: number; uuid: string; parentId: number | null; rootId: number; updated_at: string }
export type TreeInventory = { providerId: number; rc: number; total: number; reserved: number; ratio: number; used: number; min: number; max: number; step: number }

/** Every provider of the trees with these roots, their inventories and their traits (three statements). */
export async function loadTrees(db: Db, rootIds: number[]): Promise<{
  providers: TreeProvider[]; inventories: TreeInventory[]; traits: Map<number, Set<number>>
}> {
  if (!rootIds.length) return { providers: [], inventories: [], traits: new Map() }
  const chunks: number[][] = []
  for (let i = 0; i < rootIds.length; i += 2000) chunks.push(rootIds.slice(i, i + 2000))
  const providers: TreeProvider[] = []
  const inventories: TreeInventory[] = []
  const traits = new Map<number, Set<number>>()
  for (const roots of chunks) {
    const [rps, invs, trs] = await Promise.all([
      db.selectFrom('resource_providers').select(['id', 'uuid', 'parent_provider_id', 'root_provider_id', 'updated_at'])
        .where('root_provider_id', 'in', roots).orderBy('id').execute(),
      db.selectFrom('inventories as i').innerJoin('resource_providers as rp', 'rp.id', 'i.resource_provider_id')
        .select(['i.resource_provider_id', 'i.resource_class_id', 'i.total', 'i.reserved', 'i.allocation_ratio', 'i.used', 'i.min_unit', 'i.max_unit', 'i.step_size'])
        .where('rp.root_provider_id', 'in', roots).orderBy('i.resource_provider_id').orderBy('i.resource_class_id').execute(),
      db.selectFrom('resource_provider_traits as t').innerJoin('resource_providers as rp', 'rp.id', 't.resource_provider_id')
        .select(['t.resource_provider_id', 't.trait_id']).where('rp.root_provider_id', 'in', roots).execute(),
    ])
    for (const r of rps) {
      providers.push({
        id: Number(r.id), uuid: r.uuid, parentId: r.parent_provider_id === null ? null : Number(r.parent_provider_id),
        rootId: Number(r.root_provider_id), updated_at: r.updated_at,
      })
    }
    for (const r of invs) {
      inventories.push({
        providerId: Number(r.resource_provider_id), rc: Number(r.resource_class_id), total: Number(r.total), reserved: Number(r.reserved),
        ratio: Number(r.allocation_ratio), used: Number(r.used), min: Number(r.min_unit), max: Number(r.max_unit), step: Number(r.step_size),
      })
    }
    for (const r of trs) {
      const id = Number(r.resource_provider_id)
      let set = traits.get(id)
      if (!set) traits.set(id, set = new Set())
      set.add(Number(r.trait_id))
    }
  }
  return { providers, inventories, traits }
}
