/**
 * @module What the scheduler knows of each candidate host: its node, service health, aggregates
 * (with their metadata and availability zone) and the instances placed there. Like Nova's
 * HostManager it reads, for each request, only the hosts placement offered (a few queries on
 * indexed columns, whatever the size of the cloud), so what it sees is never older than the
 * request. Placements it made itself are remembered for a minute, until the conductor has
 * written the instance's host, so the next request's group and same/different-host checks see them.
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
  /**
   * Live instances on the host that the request names (same_host / different_host hints), and
   * the instances this scheduler placed there in the last minute.
   */
  instances: Set<string>
  freeRamMb: number
  freeVcpus: number
  freeDiskGb: number
}

const REMEMBER_MS = 60_000
/** Up to this many candidate nodes are read by key; more, and the tables are read whole. */
const KEYED_LOOKUP_MAX = 100

export function createHostStateCache(db: Kysely<ComputeDb>, opts: { defaultZone: string; serviceDownTimeSec: number }) {
  /** node uuid → instances this scheduler placed there lately → when. */
  const placed = new Map<string, Map<string, number>>()
  let sweptAt = Date.now()

  /** Forgets what is older than a minute everywhere, also on hosts no request has read since. */
  function sweep(now: number): void {
    sweptAt = now
    for (const [node, mine] of placed) {
      for (const [instance, at] of mine) if (at < now - REMEMBER_MS) mine.delete(instance)
      if (!mine.size) placed.delete(node)
    }
  }

  async function load(nodeUuids: string[], instancesOfInterest: string[] = []): Promise<Map<string, HostState>> {
    const hosts = new Map<string, HostState>()
    if (!nodeUuids.length) return hosts
    // Few candidates are looked up by key; many (a big cloud under Nova's default of 1,000) are
    // read whole and picked here, which costs SQLite a scan instead of binding a thousand values.
    const many = nodeUuids.length > KEYED_LOOKUP_MAX
    const wanted = new Set(nodeUuids)
    const nodes = (await db.selectFrom('compute_nodes')
      .select(['uuid', 'host', 'hypervisor_hostname', 'hypervisor_type', 'cpu_info', 'vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used', 'local_gb', 'local_gb_used'])
      .$if(!many, (q) => q.where('uuid', 'in', nodeUuids)).execute()).filter((n) => wanted.has(n.uuid))
    const names = [...new Set(nodes.map((n) => n.host))]
    if (!names.length) return hosts
    const nameSet = new Set(names)
    const [services, aggHosts, instances] = await Promise.all([
      db.selectFrom('compute_services').select(['host', 'disabled', 'forced_down', 'last_seen_up'])
        .where('binary', '=', 'nova-compute').$if(!many, (q) => q.where('host', 'in', names)).execute(),
      db.selectFrom('host_aggregate_hosts').innerJoin('host_aggregates', 'host_aggregates.id', 'host_aggregate_hosts.aggregate_id')
        .select(['host_aggregate_hosts.host', 'host_aggregates.id', 'host_aggregates.uuid'])
        .$if(!many, (q) => q.where('host_aggregate_hosts.host', 'in', names)).execute()
        .then((rows) => rows.filter((a) => nameSet.has(a.host))),
      // Only the same_host / different_host filters look at a host's instances, and only for the ones they name.
      instancesOfInterest.length
        ? db.selectFrom('instances').select(['uuid', 'host', 'migration_host']).where('deleted', '=', 0)
          .where('uuid', 'in', instancesOfInterest).execute()
        : [],
    ])
    const aggIds = [...new Set(aggHosts.map((a) => Number(a.id)))]
    const aggMeta = aggIds.length
      ? await db.selectFrom('host_aggregate_metadata').select(['aggregate_id', 'key', 'value']).where('aggregate_id', 'in', aggIds).execute()
      : []
    const cutoff = Date.now() - opts.serviceDownTimeSec * 1000
    const svc = new Map(services.map((s) => [s.host, s]))
    const metaByAgg = new Map<number, Array<{ key: string; value: string }>>()
    for (const m of aggMeta) metaByAgg.set(Number(m.aggregate_id), [...(metaByAgg.get(Number(m.aggregate_id)) ?? []), m])
    const aggsByHost = new Map<string, typeof aggHosts>()
    for (const a of aggHosts) aggsByHost.set(a.host, [...(aggsByHost.get(a.host) ?? []), a])
    const byHost = new Map<string, Set<string>>()
    for (const i of instances) {
      for (const h of [i.host, i.migration_host]) if (h) (byHost.get(h) ?? byHost.set(h, new Set()).get(h)!).add(i.uuid)
    }
    const forgetBefore = Date.now() - REMEMBER_MS
    for (const n of nodes) {
      const s = svc.get(n.host)
      const meta = new Map<string, Set<string>>()
      const aggs = aggsByHost.get(n.host) ?? []
      for (const a of aggs) for (const m of metaByAgg.get(Number(a.id)) ?? []) (meta.get(m.key) ?? meta.set(m.key, new Set()).get(m.key)!).add(m.value)
      const here = byHost.get(n.host) ?? new Set<string>()
      for (const [instance, at] of placed.get(n.uuid) ?? []) if (at >= forgetBefore) here.add(instance)
      hosts.set(n.uuid, {
        host: n.host, node: n.hypervisor_hostname, nodeUuid: n.uuid, hypervisorType: n.hypervisor_type,
        cpuArch: archOf(n.cpu_info),
        up: Boolean(s) && !Number(s!.forced_down) && s!.last_seen_up !== null && Date.parse(s!.last_seen_up) >= cutoff,
        disabled: !s || Boolean(Number(s.disabled)),
        availabilityZone: [...(meta.get('availability_zone') ?? [])][0] ?? opts.defaultZone,
        aggregateMetadata: meta, aggregateUuids: aggs.map((a) => a.uuid),
        instances: here,
        freeRamMb: Number(n.memory_mb) - Number(n.memory_mb_used), freeVcpus: Number(n.vcpus) - Number(n.vcpus_used),
        freeDiskGb: Number(n.local_gb) - Number(n.local_gb_used),
      })
    }
    return hosts
  }

  return {
    /**
     * The states of these compute nodes (by uuid); nodes not in the database are left out. Their
     * `instances` are those of `instancesOfInterest` on the host, and this scheduler's recent placements.
     */
    get: load,
    /** Records a placement decision so the next requests see it before the database does. */
    consumed(host: HostState, instanceUuid: string): void {
      host.instances.add(instanceUuid)
      const now = Date.now()
      if (now - sweptAt > REMEMBER_MS) sweep(now)
      const mine = placed.get(host.nodeUuid) ?? placed.set(host.nodeUuid, new Map()).get(host.nodeUuid)!
      mine.set(instanceUuid, now)
    },
    /** How many placements are remembered. */
    remembered(): number {
      let n = 0
      for (const mine of placed.values()) n += mine.size
      return n
    },
    /** Forgets the placements remembered (a test's fresh start). */
    invalidate(): void {
      placed.clear()
    },
  }
}

/** The architecture in a node's cpu_info JSON; parsed once per distinct text, as every request reads every candidate's. */
const arches = new Map<string, string>()
function archOf(cpuInfo: string): string {
  let arch = arches.get(cpuInfo)
  if (arch === undefined) {
    try {
      arch = String((JSON.parse(cpuInfo) as { arch?: unknown }).arch ?? 'x86_64')
    } catch {
      arch = 'x86_64'
    }
    if (arches.size > 1000) arches.clear()
    arches.set(cpuInfo, arch)
  }
  return arch
}
