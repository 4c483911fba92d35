/**
 * @module What the scheduler knows of each compute host: its node, service health, aggregates
 * (with their metadata and availability zone) and the instances placed there, read from the
 * database in four queries and reused for a short time, so scheduling many servers at once
 * does not read the same rows again for each.
 */
import type { Kysely } from 'kysely'
import type { ComputeDb } from '../db/schema.ts'

export type HostState = {
  host: string
  node: string
  nodeUuid: string
  hypervisorType: string
  cpuArch: string
  up: boolean
  disabled: boolean
  availabilityZone: string
  /** Metadata of the host's aggregates: key → every value any of them sets. */
  aggregateMetadata: Map<string, Set<string>>
  aggregateUuids: string[]
  /** Live instances on the host (for group and same/different-host filters). */
  instances: Set<string>
  freeRamMb: number
  freeVcpus: number
  freeDiskGb: number
}

export function createHostStateCache(db: Kysely<ComputeDb>, opts: { defaultZone: string; serviceDownTimeSec: number; ttlMs?: number }) {
  let cached: { at: number; hosts: Map<string, HostState> } | undefined
  const ttl = opts.ttlMs ?? 1000

  async function load(): Promise<Map<string, HostState>> {
    const [nodes, services, aggHosts, aggMeta, instances] = await Promise.all([
      db.selectFrom('compute_nodes').selectAll().execute(),
      db.selectFrom('compute_services').select(['host', 'disabled', 'forced_down', 'last_seen_up']).where('binary', '=', 'nova-compute').execute(),
      db.selectFrom('host_aggregate_hosts').innerJoin('host_aggregates', 'host_aggregates.id', 'host_aggregate_hosts.aggregate_id')
        .select(['host_aggregate_hosts.host', 'host_aggregates.id', 'host_aggregates.uuid']).execute(),
      db.selectFrom('host_aggregate_metadata').select(['aggregate_id', 'key', 'value']).execute(),
      db.selectFrom('instances').select(['uuid', 'host', 'migration_host']).where('deleted', '=', 0).where('host', 'is not', null).execute(),
    ])
    const cutoff = Date.now() - opts.serviceDownTimeSec * 1000
    const svc = new Map(services.map((s) => [s.host, s]))
    const metaByAgg = new Map<number, Array<{ key: string; value: string }>>()
    for (const m of aggMeta) metaByAgg.set(Number(m.aggregate_id), [...(metaByAgg.get(Number(m.aggregate_id)) ?? []), m])
    const byHost = new Map<string, Set<string>>()
    for (const i of instances) {
      for (const h of [i.host, i.migration_host]) if (h) (byHost.get(h) ?? byHost.set(h, new Set()).get(h)!).add(i.uuid)
    }
    const hosts = new Map<string, HostState>()
    for (const n of nodes) {
      const s = svc.get(n.host)
      const meta = new Map<string, Set<string>>()
      const aggs = aggHosts.filter((a) => a.host === n.host)
      for (const a of aggs) for (const m of metaByAgg.get(Number(a.id)) ?? []) (meta.get(m.key) ?? meta.set(m.key, new Set()).get(m.key)!).add(m.value)
      const cpu = safeJson(n.cpu_info)
      hosts.set(n.uuid, {
        host: n.host, node: n.hypervisor_hostname, nodeUuid: n.uuid, hypervisorType: n.hypervisor_type,
        cpuArch: String(cpu.arch ?? 'x86_64'),
        up: Boolean(s) && !Number(s!.forced_down) && s!.last_seen_up !== null && Date.parse(s!.last_seen_up) >= cutoff,
        disabled: !s || Boolean(Number(s.disabled)),
        availabilityZone: [...(meta.get('availability_zone') ?? [])][0] ?? opts.defaultZone,
        aggregateMetadata: meta, aggregateUuids: aggs.map((a) => a.uuid),
        instances: byHost.get(n.host) ?? new Set(),
        freeRamMb: Number(n.memory_mb) - Number(n.memory_mb_used), freeVcpus: Number(n.vcpus) - Number(n.vcpus_used),
        freeDiskGb: Number(n.local_gb) - Number(n.local_gb_used),
      })
    }
    return hosts
  }

  return {
    /** Host states by compute node uuid. */
    async get(): Promise<Map<string, HostState>> {
      if (cached && Date.now() - cached.at < ttl) return cached.hosts
      const hosts = await load()
      cached = { at: Date.now(), hosts }
      return hosts
    },
    /** Records a placement decision so the next request in the same window sees it. */
    consumed(nodeUuid: string, instanceUuid: string): void {
      cached?.hosts.get(nodeUuid)?.instances.add(instanceUuid)
    },
    invalidate(): void {
      cached = undefined
    },
  }
}

function safeJson(s: string): Record<string, unknown> {
  try {
    return JSON.parse(s) as Record<string, unknown>
  } catch {
    return {}
  }
}
