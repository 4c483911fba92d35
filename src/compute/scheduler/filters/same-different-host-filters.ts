import type { HostFilter } from './filter.ts'

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)])

/** Hint `same_host`: on a host holding one of these instances. */
export const sameHostFilter: HostFilter = {
  name: 'SameHostFilter',
  passes(h, { spec }) {
    const wanted = list(spec.scheduler_hints.same_host)
    return wanted.length === 0 || wanted.some((u) => h.instances.has(u))
  },
}

/** Hint `different_host`: on no host holding one of these instances. */
export const differentHostFilter: HostFilter = {
  name: 'DifferentHostFilter',
  passes(h, { spec }) {
    return !list(spec.scheduler_hints.different_host).some((u) => h.instances.has(u))
  },
}
