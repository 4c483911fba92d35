/** The filters by the name nova.conf's enabled_filters uses. */
import { aggregateInstanceExtraSpecsFilter } from './aggregate-extra-specs-filter.ts'
import { availabilityZoneFilter } from './availability-zone-filter.ts'
import { computeFilter } from './compute-filter.ts'
import type { HostFilter } from './filter.ts'
import { imagePropertiesFilter } from './image-properties-filter.ts'
import { differentHostFilter, sameHostFilter } from './same-different-host-filters.ts'
import { serverGroupAffinityFilter, serverGroupAntiAffinityFilter } from './server-group-filters.ts'

export const hostFilters: Record<string, HostFilter> = Object.fromEntries([
  computeFilter, availabilityZoneFilter, imagePropertiesFilter, serverGroupAntiAffinityFilter, serverGroupAffinityFilter,
  aggregateInstanceExtraSpecsFilter, sameHostFilter, differentHostFilter,
].map((f) => [f.name, f]))
