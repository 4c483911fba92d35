import type { HostFilter } from './filter.ts'

/**
 * Flavor extra specs `aggregate_instance_extra_specs:<key>=<value>` (or unscoped keys without a
 * namespace) must match the metadata of one of the host's aggregates.
 */
export const aggregateInstanceExtraSpecsFilter: HostFilter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  passes(h, { spec }) {
    for (const [key, value] of Object.entries(spec.flavor.extra_specs)) {
      let k = key
      if (key.startsWith('aggregate_instance_extra_specs:')) k = key.slice('aggregate_instance_extra_specs:'.length)
      else if (key.includes(':')) continue
      const have = h.aggregateMetadata.get(k)
      if (!have) return false
      const wanted = value.replace(/^<in>\s*/, '').split(/\s*<or>\s*/).map((s) => s.trim())
      if (!wanted.some((w) => have.has(w))) return false
    }
    return true
  },
}
