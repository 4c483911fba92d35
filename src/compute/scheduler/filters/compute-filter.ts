import type { HostFilter } from './filter.ts'

/** Only hosts whose compute service is up and enabled. */
export const computeFilter: HostFilter = { name: 'ComputeFilter', passes: (h) => h.up && !h.disabled }
