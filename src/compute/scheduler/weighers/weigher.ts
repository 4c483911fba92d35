/**
 * @module Weighers rank the hosts that passed the filters (Nova's weights): each gives a raw
 * value per host, normalised to 0..1 across the candidates, times its multiplier; the sum wins.
 */
import type { Candidate } from '../../model/placement.ts'
import type { HostState } from '../host-state.ts'
import type { FilterContext } from '../filters/filter.ts'

export type WeighedHost = { host: HostState; candidate: Candidate }

export type Weigher = {
  name: string
  multiplier: number
  raw(h: WeighedHost, ctx: FilterContext): number
}

const free = (c: Candidate, rc: string) => {
  const s = c.summary[rc]
  return s ? s.capacity - s.used : 0
}

export const ramWeigher = (multiplier: number): Weigher => ({ name: 'RAMWeigher', multiplier, raw: (h) => free(h.candidate, 'MEMORY_MB') })
export const cpuWeigher = (multiplier: number): Weigher => ({ name: 'CPUWeigher', multiplier, raw: (h) => free(h.candidate, 'VCPU') })
export const diskWeigher = (multiplier: number): Weigher => ({ name: 'DiskWeigher', multiplier, raw: (h) => free(h.candidate, 'DISK_GB') })

/** soft-affinity prefers hosts with more members, soft-anti-affinity fewer. */
export const serverGroupSoftWeigher: Weigher = {
  name: 'ServerGroupSoftAffinityWeigher',
  multiplier: 1,
  raw(h, { spec, groupHosts }) {
    const g = spec.instance_group
    const n = groupHosts.get(h.host.host) ?? 0
    if (g?.policy === 'soft-affinity') return n
    if (g?.policy === 'soft-anti-affinity') return -n
    return 0
  },
}

/** Sorts best first. */
export function weigh(hosts: WeighedHost[], weighers: Weigher[], ctx: FilterContext): WeighedHost[] {
  const scores = new Map<WeighedHost, number>(hosts.map((h) => [h, 0]))
  for (const w of weighers) {
    if (!w.multiplier) continue
    const raw = hosts.map((h) => w.raw(h, ctx))
    const min = Math.min(...raw)
    const max = Math.max(...raw)
    hosts.forEach((h, n) => {
      const norm = max === min ? 0 : (raw[n] - min) / (max - min)
      scores.set(h, scores.get(h)! + norm * w.multiplier)
    })
  }
  return hosts.toSorted((a, b) => scores.get(b)! - scores.get(a)! || a.host.host.localeCompare(b.host.host))
}
