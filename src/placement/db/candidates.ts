/**
 * @module The reads behind GET /allocation_candidates: the trees that have room for one requested
 * class, with their providers, inventories, traits and aggregates, in a fixed number of set-based
 * statements whatever the number of providers. Which provider fits which group is then decided in
 * memory (api/candidate-search.ts).
 */
import { sql, type Kysely, type SqlBool } from 'kysely'
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

export type TreeProvider = { id: number; uuid: string; parentId: number | null; rootId: number; updated_at: string }
export type TreeInventory = { providerId: number; rc: number; total: number; reserved: number; ratio: number; used: number; min: number; max: number; step: number }
export type Trees = {
  providers: TreeProvider[]
  inventories: TreeInventory[]
  traits: Map<number, Set<number>>
  /** provider id → aggregate uuids; only loaded when asked for. */
  aggregates: Map<number, Set<string>>
}

/**
 * Every provider, inventory and trait (and, when `withAggregates`, aggregate) of the trees that
 * have room for `anchor`'s class somewhere: a superset of the trees any candidate can come from.
 * Three or four statements whatever the number of trees; the roots are a subquery, not a list.
 */
export async function loadCandidateTrees(db: Db, anchor: { rc: number; amount: number; conditions: ProviderConditions }, withAggregates: boolean): Promise<Trees> {
  const roots = () => {
    let q = db.selectFrom('inventories as ai').innerJoin('resource_providers as arp', 'arp.id', 'ai.resource_provider_id')
      .select('arp.root_provider_id').where('ai.resource_class_id', '=', anchor.rc)
      .where(sql<SqlBool>`ai.used + ${sql.lit(Math.trunc(anchor.amount))} <= (ai.total - ai.reserved) * ai.allocation_ratio`)
    if (anchor.conditions.rootId !== undefined) q = q.where('arp.root_provider_id', '=', anchor.conditions.rootId)
    return q
  }
  const [rows, trs, aggs] = await Promise.all([
    db.selectFrom('resource_providers as rp').leftJoin('inventories as i', 'i.resource_provider_id', 'rp.id')
      .select([
        'rp.id', 'rp.uuid', 'rp.parent_provider_id', 'rp.root_provider_id', 'rp.updated_at', 'i.resource_class_id', 'i.total', 'i.reserved',
        'i.allocation_ratio', 'i.used', 'i.min_unit', 'i.max_unit', 'i.step_size',
      ])
      .where('rp.root_provider_id', 'in', roots()).orderBy('rp.id').orderBy('i.resource_class_id').execute(),
    db.selectFrom('resource_provider_traits as t').innerJoin('resource_providers as rp', 'rp.id', 't.resource_provider_id')
      .select(['t.resource_provider_id', 't.trait_id']).where('rp.root_provider_id', 'in', roots()).execute(),
    withAggregates
      ? db.selectFrom('resource_provider_aggregates as ra').innerJoin('resource_providers as rp', 'rp.id', 'ra.resource_provider_id')
        .innerJoin('placement_aggregates as a', 'a.id', 'ra.aggregate_id')
        .select(['ra.resource_provider_id', 'a.uuid']).where('rp.root_provider_id', 'in', roots()).execute()
      : Promise.resolve([]),
  ])
  const providers: TreeProvider[] = []
  const inventories: TreeInventory[] = []
  let last = -1
  for (const r of rows) {
    const id = Number(r.id)
    if (id !== last) {
      last = id
      providers.push({
        id, uuid: r.uuid, parentId: r.parent_provider_id === null ? null : Number(r.parent_provider_id),
        rootId: Number(r.root_provider_id), updated_at: r.updated_at,
      })
    }
    if (r.resource_class_id === null) continue
    inventories.push({
      providerId: id, rc: Number(r.resource_class_id), total: Number(r.total), reserved: Number(r.reserved),
      ratio: Number(r.allocation_ratio), used: Number(r.used), min: Number(r.min_unit), max: Number(r.max_unit), step: Number(r.step_size),
    })
  }
  const group = <V>(list: Array<{ resource_provider_id: number }>, value: (r: any) => V) => {
    const m = new Map<number, Set<V>>()
    for (const r of list) {
      const id = Number(r.resource_provider_id)
      let set = m.get(id)
      if (!set) m.set(id, set = new Set())
      set.add(value(r))
    }
    return m
  }
  return { providers, inventories, traits: group(trs, (r) => Number(r.trait_id)), aggregates: group(aggs, (r) => r.uuid as string) }
}
