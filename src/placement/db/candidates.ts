/**
 * @module The reads behind GET /allocation_candidates: every provider with its inventories,
 * traits and aggregates, in four set-based statements whatever the number of providers, or the
 * same for a few providers after a write. The index that keeps them in memory is
 * db/candidate-index.ts; which provider fits which group is decided in api/candidate-search.ts.
 */
import type { Kysely } from 'kysely'
import type { PlacementDb } from './schema.ts'

type Db = Kysely<PlacementDb>

/** Conditions on the provider that holds the class's inventory. */
export type ProviderConditions = {
  rootId?: number
  /** Each set: the provider or its root is in at least one of these aggregates. */
  memberOf?: string[][]
  forbiddenAggregates?: string[]
  /** Each set: the provider has at least one of these traits. */
  requiredTraits?: number[][]
  forbiddenTraits?: number[]
}

export type TreeProvider = { id: number; uuid: string; parentId: number | null; rootId: number }
export type TreeInventory = { providerId: number; rc: number; total: number; reserved: number; ratio: number; used: number; min: number; max: number; step: number }
export type Trees = {
  providers: TreeProvider[]
  inventories: TreeInventory[]
  traits: Map<number, Set<number>>
  /** provider id → aggregate uuids. */
  aggregates: Map<number, Set<string>>
}

/** Every provider with its inventories, traits and aggregates; or only the providers of `ids`. */
export async function loadProviders(db: Db, ids?: number[]): Promise<Trees> {
  if (ids && !ids.length) return { providers: [], inventories: [], traits: new Map(), aggregates: new Map() }
  const only = ids !== undefined
  const [rows, invs, trs, aggs] = await Promise.all([
    db.selectFrom('resource_providers').$if(only, (q) => q.where('id', 'in', ids!))
      .select(['id', 'uuid', 'parent_provider_id', 'root_provider_id']).execute(),
    db.selectFrom('inventories').$if(only, (q) => q.where('resource_provider_id', 'in', ids!))
      .select(['resource_provider_id', 'resource_class_id', 'total', 'reserved', 'allocation_ratio', 'used', 'min_unit', 'max_unit', 'step_size'])
      .execute(),
    db.selectFrom('resource_provider_traits').$if(only, (q) => q.where('resource_provider_id', 'in', ids!))
      .select(['resource_provider_id', 'trait_id']).execute(),
    db.selectFrom('resource_provider_aggregates as ra').$if(only, (q) => q.where('ra.resource_provider_id', 'in', ids!))
      .innerJoin('placement_aggregates as a', 'a.id', 'ra.aggregate_id').select(['ra.resource_provider_id', 'a.uuid']).execute(),
  ])
  const providers = rows.map((r): TreeProvider => ({
    id: Number(r.id), uuid: r.uuid, parentId: r.parent_provider_id === null ? null : Number(r.parent_provider_id),
    rootId: Number(r.root_provider_id ?? r.id),
  }))
  const inventories = invs.map((r): TreeInventory => ({
    providerId: Number(r.resource_provider_id), rc: Number(r.resource_class_id), total: Number(r.total), reserved: Number(r.reserved),
    ratio: Number(r.allocation_ratio), used: Number(r.used), min: Number(r.min_unit), max: Number(r.max_unit), step: Number(r.step_size),
  }))
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
