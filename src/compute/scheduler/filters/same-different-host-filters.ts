import type { RequestSpec } from '../../model/instance.ts'
import type { HostFilter } from './filter.ts'

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)])

/** The instances named by the request's same_host and different_host hints: the hosts of these are what the filters below look at. */
export const hintedInstances = (spec: RequestSpec): string[] => [...list(spec.scheduler_hints.same_host), ...list(spec.scheduler_hints.different_host)]

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
