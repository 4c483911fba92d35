import type { Generated } from 'kysely'

/**
 * Table shapes of the placement database. Times are ISO-8601 text. Internal integer ids never leave
 * the service; the API speaks provider and consumer UUIDs, class and trait names.
 */

/** A provider; root_provider_id is its own id for a root. `generation` guards every change to it. */
export type ResourceProviderRow = {
  id: number
  uuid: string
  name: string
  generation: number
  root_provider_id: number | null
  parent_provider_id: number | null
  created_at: string
  updated_at: string
}

/**
 * One class of inventory on a provider. `used` is the sum of the allocations against it, kept in
 * the same transaction as every allocation write, so capacity reads need no aggregation.
 */
export type InventoryRow = {
  resource_provider_id: number
  resource_class_id: number
  total: number
  reserved: number
  min_unit: number
  max_unit: number
  step_size: number
  allocation_ratio: number
  used: number
  created_at: string
  updated_at: string
}

/** What one consumer holds of one class on one provider. */
export type AllocationRow = {
  consumer_id: string
  resource_provider_id: number
  resource_class_id: number
  used: number
  created_at: string
  updated_at: string
}

/** A consumer exists while it holds allocations; `generation` guards replacing them (1.28). */
export type ConsumerRow = {
  uuid: string
  project_id: string
  user_id: string
  consumer_type_id: number | null
  generation: number
  created_at: string
  updated_at: string
}

/** Standard classes keep fixed ids (their index in the standard list); custom ones start at 10000. */
export type ResourceClassRow = { id: number; name: string; created_at: string; updated_at: string }
export type TraitRow = { id: number; name: string; created_at: string; updated_at: string }
export type ConsumerTypeRow = { id: number; name: string; created_at: string; updated_at: string }
export type AggregateRow = { id: number; uuid: string }
export type ProviderAggregateRow = { resource_provider_id: number; aggregate_id: number }
export type ProviderTraitRow = { resource_provider_id: number; trait_id: number }

type AutoId<Row extends { id: number }> = Omit<Row, 'id'> & { id: Generated<number> }

export type PlacementDb = {
  resource_providers: AutoId<ResourceProviderRow>
  inventories: InventoryRow
  allocations: AllocationRow
  consumers: ConsumerRow
  consumer_types: AutoId<ConsumerTypeRow>
  resource_classes: ResourceClassRow
  traits: AutoId<TraitRow>
  placement_aggregates: AutoId<AggregateRow>
  resource_provider_aggregates: ProviderAggregateRow
  resource_provider_traits: ProviderTraitRow
  change_counter: { id: number; version: number }
}
