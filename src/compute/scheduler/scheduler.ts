/**
 * @module nova-scheduler: placement says which hosts have room (allocation candidates, narrowed
 * by the request filters to the aggregates of the zone or project), the filters say which of
 * those the instance may use, the weighers rank them, and the scheduler claims the best one in
 * placement. A lost race for capacity moves on to the next host. Each
 * instance gets alternates for rescheduling when its build fails.
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../../common/log/logger.ts'
import type { ComputeConfig } from '../config.ts'
import type { ComputeDb } from '../db/schema.ts'
import type { RequestSpec, Selection } from '../model/instance.ts'
import { flavorResources, type Candidate, type ResourceClaims } from '../model/placement.ts'
import type { SchedulerRpc } from '../rpc/conductor-rpc.ts'
import type { FilterContext, HostFilter } from './filters/filter.ts'
import { hostFilters } from './filters/index.ts'
import { hintedInstances } from './filters/same-different-host-filters.ts'
import { createHostStateCache, type HostState } from './host-state.ts'
import { placementAggregatesFor, RequestFilterFailed } from './request-filters.ts'
import { cpuWeigher, diskWeigher, ramWeigher, serverGroupSoftWeigher, weigh, type WeighedHost } from './weighers/weigher.ts'

export class NoValidHost extends Error {
  override name = 'NoValidHost'
  readonly status = 500
  constructor(reason = 'There are not enough hosts available.') {
    super(`No valid host was found. ${reason}`)
  }
}

export type SchedulerDeps = { db: Kysely<ComputeDb>; config: ComputeConfig; claims: ResourceClaims; log: Logger }

/** Placement traits the flavor asks for: `trait:HW_CPU_X86_AVX2=required` / `=forbidden`. */
function traitsOf(spec: RequestSpec): { required: string[]; forbidden: string[] } {
  const required: string[] = []
  const forbidden: string[] = []
  const props = { ...Object.fromEntries(Object.entries(spec.image.properties).filter(([k]) => k.startsWith('trait:'))), ...spec.flavor.extra_specs }
  for (const [k, v] of Object.entries(props)) {
    if (!k.startsWith('trait:')) continue
    if (v === 'required') required.push(k.slice(6))
    if (v === 'forbidden') forbidden.push(k.slice(6))
  }
  return { required, forbidden }
}

/**
 * How many candidates to ask placement for. Like Nova, no limit when the request names its hosts
 * (a forced host could fall outside any page) or places by other instances (server group,
 * same_host, different_host): a page could hold none of the hosts such a request may use.
 */
export function placementLimit(spec: RequestSpec, max: number): number | undefined {
  if (spec.force_hosts.length) return undefined
  if (spec.instance_group || ['group', 'same_host', 'different_host'].some((k) => k in spec.scheduler_hints)) return undefined
  return max
}

export function createScheduler(deps: SchedulerDeps): SchedulerRpc & { hostStates: ReturnType<typeof createHostStateCache> } {
  const { db, config, claims, log } = deps
  const hostStates = createHostStateCache(db, { defaultZone: config.defaultAvailabilityZone, serviceDownTimeSec: config.serviceDownTimeSec })
  const filters: HostFilter[] = config.scheduler.filters.map((n) => hostFilters[n]).filter(Boolean)
  const weighers = [
    ramWeigher(config.scheduler.ramWeightMultiplier), cpuWeigher(config.scheduler.cpuWeightMultiplier),
    diskWeigher(config.scheduler.diskWeightMultiplier), serverGroupSoftWeigher,
  ]

  async function groupHosts(spec: RequestSpec): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    const g = spec.instance_group
    if (!g) return out
    const rows = await db.selectFrom('instances').innerJoin('server_group_members', 'server_group_members.instance_uuid', 'instances.uuid')
      .innerJoin('server_groups', 'server_groups.id', 'server_group_members.group_id')
      .select('instances.host').where('server_groups.uuid', '=', g.uuid).where('instances.deleted', '=', 0)
      .where('instances.host', 'is not', null).execute()
    for (const r of rows) out.set(r.host!, (out.get(r.host!) ?? 0) + 1)
    return out
  }

  async function aggregatesOrNoValidHost(spec: RequestSpec): Promise<string[][] | undefined> {
    try {
      const groups = await placementAggregatesFor(db, config.scheduler, spec)
      if (groups.length) log.debug('request filters narrowed placement to aggregates', { member_of: groups.map((g) => g.join(',')).join(' ') })
      return groups.length ? groups : undefined
    } catch (err) {
      if (!(err instanceof RequestFilterFailed)) throw err
      log.warn(`Tenant ${spec.project_id} has no available aggregates`)
      throw new NoValidHost(err.message)
    }
  }

  async function selectDestinations({ spec, instanceUuids, returnAlternates }: { spec: RequestSpec; instanceUuids: string[]; returnAlternates: boolean }): Promise<Selection[][]> {
    const started = performance.now()
    const resources = flavorResources(spec.flavor, spec.boot_from_volume)
    const { required, forbidden } = traitsOf(spec)
    const memberOf = await aggregatesOrNoValidHost(spec)
    const candidates = await claims.candidates({ resources, required, forbidden, memberOf, limit: placementLimit(spec, config.scheduler.maxPlacementResults) })
    const hosts = await hostStates.get([...new Set(candidates.map((c) => c.provider))], hintedInstances(spec))
    const ctx: FilterContext = { spec, groupHosts: await groupHosts(spec) }
    const ignore = new Set(spec.ignore_hosts)
    const forced = new Set(spec.force_hosts)
    const claimed: string[] = []
    const result: Selection[][] = []
    try {
      for (const uuid of instanceUuids) {
        const passing: WeighedHost[] = []
        for (const c of candidates) {
          const h = hosts.get(c.provider)
          if (!h || ignore.has(h.host)) continue
          if (forced.size && !forced.has(h.host) && !forced.has(h.node)) continue
          if (!fits(c, resources)) continue
          if (filters.every((f) => f.passes(h, ctx))) passing.push({ host: h, candidate: c })
        }
        if (!passing.length) throw new NoValidHost()
        const ranked = weigh(passing, weighers, ctx)
        const subset = Math.min(config.scheduler.hostSubsetSize, ranked.length)
        if (subset > 1) {
          const pick = Math.floor(Math.random() * subset)
          ranked.unshift(...ranked.splice(pick, 1))
        }
        let chosen: WeighedHost | undefined
        for (const w of ranked) {
          if (await claims.claim(uuid, w.candidate.allocation, spec.project_id, spec.user_id)) {
            chosen = w
            break
          }
          log.debug('lost a race for capacity; trying the next host', { instance: uuid, host: w.host.host })
        }
        if (!chosen) throw new NoValidHost()
        claimed.push(uuid)
        use(chosen.candidate, resources)
        hostStates.consumed(chosen.host, uuid)
        ctx.groupHosts.set(chosen.host.host, (ctx.groupHosts.get(chosen.host.host) ?? 0) + 1)
        const alternates = returnAlternates
          ? ranked.filter((w) => w.host.host !== chosen.host.host).slice(0, config.scheduler.maxAttempts - 1)
          : []
        result.push([selectionOf(chosen.host, chosen.candidate), ...alternates.map((a) => selectionOf(a.host, a.candidate))])
      }
    } catch (err) {
      for (const uuid of claimed) await claims.release(uuid).catch(() => {})
      if (err instanceof NoValidHost) log.warn(`no host can take ${instanceUuids.length} instance(s) of flavor ${spec.flavor.name}`, { instances: instanceUuids.join(',') })
      throw err
    }
    log.debug('scheduled', { instances: instanceUuids.length, candidates: candidates.length, ms: (performance.now() - started).toFixed(2) })
    return result
  }

  return { selectDestinations, hostStates }
}

function fits(c: Candidate, resources: Record<string, number>): boolean {
  return Object.entries(resources).every(([rc, n]) => {
    const s = c.summary[rc]
    return !s || s.capacity - s.used >= n
  })
}

function use(c: Candidate, resources: Record<string, number>): void {
  for (const [rc, n] of Object.entries(resources)) if (c.summary[rc]) c.summary[rc].used += n
}

function selectionOf(h: HostState, c: Candidate): Selection {
  return { host: h.host, node: h.node, compute_node_uuid: h.nodeUuid, allocation: c.allocation }
}
