import type { HostFilter } from './filter.ts'

/** anti-affinity: not on a host that already holds a member (up to max_server_per_host when the rule is set). */
export const serverGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  passes(h, { spec, groupHosts }) {
    const g = spec.instance_group
    if (!g || g.policy !== 'anti-affinity') return true
    const max = Number(g.rules.max_server_per_host ?? 1)
    return (groupHosts.get(h.host) ?? 0) < max
  },
}

/** affinity: on the host the members already use (any host for the first member). */
export const serverGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  passes(h, { spec, groupHosts }) {
    const g = spec.instance_group
    if (!g || g.policy !== 'affinity' || groupHosts.size === 0) return true
    return groupHosts.has(h.host)
  },
}
