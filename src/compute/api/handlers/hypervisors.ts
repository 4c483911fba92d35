/**
 * /os-hypervisors: the compute nodes agents report through the conductor, with their service's
 * state. List and detail (paging from 2.33; from 2.53 UUID ids, hypervisor_hostname_pattern and
 * with_servers), show, and before 2.88 statistics, uptime, and (before 2.53) search and servers
 * by hostname pattern. From 2.88 the resource usage fields leave the views (placement has them)
 * and uptime joins the detail view.
 */
import { parseUtc } from '../../../common/db/columns.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { ComputeNodeRow, ServiceRow } from '../../db/schema.ts'
import { badRequest, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { limitAndMarker, nextLinks, rejectUnknownQuery, strictBool } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serviceIsUp } from '../service-state.ts'
import { isUuidLike } from '../../uuid-like.ts'

type Node = Omit<ComputeNodeRow, 'id'> & { id: number }
type Svc = Omit<ServiceRow, 'id'> & { id: number }
type View = Record<string, unknown>

export function hypervisorsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-hypervisors', (req) => list(deps, req, false)),
    route('GET', '/os-hypervisors/detail', (req) => list(deps, req, true)),
    route('GET', '/os-hypervisors/statistics', (req) => statistics(deps, req)),
    route('GET', '/os-hypervisors/:id', (req) => show(deps, req)),
    route('GET', '/os-hypervisors/:id/uptime', (req) => uptime(deps, req)),
    route('GET', '/os-hypervisors/:id/search', (req) => search(deps, req, false)),
    route('GET', '/os-hypervisors/:id/servers', (req) => search(deps, req, true)),
  ]
}

async function nodes(deps: ComputeApiDeps): Promise<Node[]> {
  const rows = await deps.db.selectFrom('compute_nodes').selectAll().orderBy('id').execute()
  return rows.map((r) => ({ ...r, id: Number(r.id) }))
}

async function servicesByHost(deps: ComputeApiDeps): Promise<Map<string, Svc>> {
  const rows = await deps.db.selectFrom('compute_services').selectAll().where('binary', '=', 'nova-compute').execute()
  return new Map(rows.map((r) => [r.host, { ...r, id: Number(r.id) }]))
}

async function serversOn(deps: ComputeApiDeps, ns: Node[]): Promise<Map<string, Array<{ name: string; uuid: string }>>> {
  const out = new Map<string, Array<{ name: string; uuid: string }>>()
  if (!ns.length) return out
  const rows = await deps.db.selectFrom('instances').select(['uuid', 'display_name', 'host', 'node']).where('deleted', '=', 0)
    .where('host', 'in', [...new Set(ns.map((n) => n.host))]).orderBy('created_at').execute()
  for (const n of ns) {
    out.set(n.uuid, rows.filter((r) => r.host === n.host && (r.node === null || r.node === n.hypervisor_hostname)).map((r) => ({ name: r.display_name, uuid: r.uuid })))
  }
  return out
}

/** The host's uptime as the `uptime` command prints it, counted from the service's registration. */
function uptimeText(s: Svc | undefined): string {
  const now = new Date()
  const since = s ? parseUtc(s.created_at) : now.getTime()
  const mins = Math.max(0, Math.floor((now.getTime() - since) / 60000))
  const days = Math.floor(mins / 1440)
  const hm = `${Math.floor((mins % 1440) / 60)}:${String(mins % 60).padStart(2, '0')}`
  const clock = now.toISOString().slice(11, 19)
  return ` ${clock} up ${days ? `${days} day${days === 1 ? '' : 's'}, ` : ''}${hm},  0 users,  load average: 0.00, 0.00, 0.00`
}

function brief(deps: ComputeApiDeps, req: ComputeRequest, n: Node, s: Svc | undefined): View {
  return {
    id: atLeast(versionOf(req), '2.53') ? n.uuid : n.id, hypervisor_hostname: n.hypervisor_hostname,
    state: s && serviceIsUp(s, deps.config) ? 'up' : 'down', status: s && Number(s.disabled) ? 'disabled' : 'enabled',
  }
}

function detail(deps: ComputeApiDeps, req: ComputeRequest, n: Node, s: Svc | undefined, workload: number): View {
  const v = versionOf(req)
  const view: View = {
    ...brief(deps, req, n, s), hypervisor_type: n.hypervisor_type, hypervisor_version: Number(n.hypervisor_version), host_ip: n.host_ip,
    service: { host: n.host, id: atLeast(v, '2.53') ? s?.uuid ?? null : s?.id ?? null, disabled_reason: s?.disabled_reason ?? null },
  }
  if (atLeast(v, '2.88')) {
    view.uptime = uptimeText(s)
    return view
  }
  let cpuInfo: unknown = {}
  try {
    cpuInfo = JSON.parse(n.cpu_info || '{}')
  } catch { /* keep {} */ }
  Object.assign(view, {
    vcpus: Number(n.vcpus), memory_mb: Number(n.memory_mb), local_gb: Number(n.local_gb), vcpus_used: Number(n.vcpus_used),
    memory_mb_used: Number(n.memory_mb_used), local_gb_used: Number(n.local_gb_used),
    free_ram_mb: Number(n.memory_mb) - Number(n.memory_mb_used), free_disk_gb: Number(n.local_gb) - Number(n.local_gb_used),
    current_workload: workload, running_vms: Number(n.running_vms), disk_available_least: Number(n.local_gb) - Number(n.local_gb_used),
    cpu_info: atLeast(v, '2.28') ? cpuInfo : JSON.stringify(cpuInfo),
  })
  return view
}

/** Instances with a task in progress per host (Nova's current_workload). */
async function workloads(deps: ComputeApiDeps): Promise<Map<string, number>> {
  const rows = await deps.db.selectFrom('instances').select(['host', deps.db.fn.count<number>('uuid').as('n')])
    .where('deleted', '=', 0).where('task_state', 'is not', null).where('host', 'is not', null).groupBy('host').execute()
  return new Map(rows.map((r) => [String(r.host), Number(r.n)]))
}

function withServersParam(req: ComputeRequest): boolean {
  const raw = req.query.get('with_servers')
  if (raw === null) return false
  const b = strictBool(raw)
  if (b === undefined) throw badRequest(`Invalid input for query parameters with_servers. Value: ${raw}. '${raw}' is not a valid boolean`)
  return b
}

async function list(deps: ComputeApiDeps, req: ComputeRequest, detailed: boolean) {
  const v = versionOf(req)
  authorize(deps, req, detailed ? 'os-hypervisors:list-detail' : 'os-hypervisors:list')
  if (atLeast(v, '2.53')) rejectUnknownQuery(req, ['limit', 'marker', 'hypervisor_hostname_pattern', 'with_servers'], '2.53')
  let all = await nodes(deps)
  const pattern = atLeast(v, '2.53') ? req.query.get('hypervisor_hostname_pattern') : null
  const withServers = atLeast(v, '2.53') ? withServersParam(req) : false
  const paged = atLeast(v, '2.33')
  let limit: number | undefined
  if (pattern !== null) {
    if (req.query.has('limit') || req.query.has('marker')) {
      throw badRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.')
    }
    all = all.filter((n) => n.hypervisor_hostname.includes(pattern))
    if (!all.length) throw notFound(`No hypervisor matching '${pattern}' could be found.`)
  } else if (paged) {
    const lm = limitAndMarker(req, deps.config.maxLimit)
    limit = lm.limit
    if (lm.marker !== undefined) {
      const at = all.findIndex((n) => (atLeast(v, '2.53') ? n.uuid : String(n.id)) === lm.marker)
      if (at < 0) throw badRequest(`marker [${lm.marker}] not found`)
      all = all.slice(at + 1)
    }
    all = all.slice(0, limit)
  }
  const svcs = await servicesByHost(deps)
  const work = detailed ? await workloads(deps) : new Map<string, number>()
  const servers = withServers ? await serversOn(deps, all) : undefined
  const views = all.map((n) => {
    const s = svcs.get(n.host)
    const view = detailed ? detail(deps, req, n, s, work.get(n.host) ?? 0) : brief(deps, req, n, s)
    const list = servers?.get(n.uuid)
    if (list?.length || (servers && atLeast(v, '2.75'))) view.servers = list ?? []
    return view
  })
  const body: Record<string, unknown> = { hypervisors: views }
  if (paged && limit !== undefined) {
    const last = all.at(-1)
    const links = nextLinks(req, detailed ? 'os-hypervisors/detail' : 'os-hypervisors', all.length, limit, last && (atLeast(v, '2.53') ? last.uuid : String(last.id)))
    if (links) body.hypervisors_links = links
  }
  return { status: 200, body }
}

async function nodeById(deps: ComputeApiDeps, req: ComputeRequest, id: string): Promise<Node> {
  if (atLeast(versionOf(req), '2.53')) {
    if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`)
  } else if (!/^\d+$/.test(id)) {
    throw notFound(`Hypervisor with ID '${id}' could not be found.`)
  }
  const n = (await nodes(deps)).find((x) => (atLeast(versionOf(req), '2.53') ? x.uuid === id.toLowerCase() || x.uuid === id : String(x.id) === id))
  if (!n) throw notFound(`Hypervisor with ID '${id}' could not be found.`)
  return n
}

async function show(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-hypervisors:show')
  const v = versionOf(req)
  if (atLeast(v, '2.53')) rejectUnknownQuery(req, ['with_servers'], '2.53')
  const withServers = atLeast(v, '2.53') ? withServersParam(req) : false
  const n = await nodeById(deps, req, req.params.id)
  const s = (await servicesByHost(deps)).get(n.host)
  const view = detail(deps, req, n, s, (await workloads(deps)).get(n.host) ?? 0)
  if (withServers) {
    const list = (await serversOn(deps, [n])).get(n.uuid) ?? []
    if (list.length || atLeast(v, '2.75')) view.servers = list
  }
  return { status: 200, body: { hypervisor: view } }
}

const removedAt288 = (req: ComputeRequest) => {
  if (atLeast(versionOf(req), '2.88')) throw notFound('The resource could not be found.')
}

async function uptime(deps: ComputeApiDeps, req: ComputeRequest) {
  removedAt288(req)
  authorize(deps, req, 'os-hypervisors:uptime')
  const n = await nodeById(deps, req, req.params.id)
  const s = (await servicesByHost(deps)).get(n.host)
  return { status: 200, body: { hypervisor: { ...brief(deps, req, n, s), uptime: uptimeText(s) } } }
}

async function statistics(deps: ComputeApiDeps, req: ComputeRequest) {
  removedAt288(req)
  authorize(deps, req, 'os-hypervisors:statistics')
  const svcs = await servicesByHost(deps)
  // As Nova's compute_node_statistics: the nodes of enabled compute services.
  const all = (await nodes(deps)).filter((n) => svcs.has(n.host) && !Number(svcs.get(n.host)!.disabled))
  const work = await workloads(deps)
  const sum = (f: (n: Node) => number) => all.reduce((a, n) => a + f(n), 0)
  const stats = {
    count: all.length, vcpus: sum((n) => Number(n.vcpus)), vcpus_used: sum((n) => Number(n.vcpus_used)),
    memory_mb: sum((n) => Number(n.memory_mb)), memory_mb_used: sum((n) => Number(n.memory_mb_used)),
    local_gb: sum((n) => Number(n.local_gb)), local_gb_used: sum((n) => Number(n.local_gb_used)),
    free_ram_mb: sum((n) => Number(n.memory_mb) - Number(n.memory_mb_used)), free_disk_gb: sum((n) => Number(n.local_gb) - Number(n.local_gb_used)),
    current_workload: [...new Set(all.map((n) => n.host))].reduce((a, h) => a + (work.get(h) ?? 0), 0),
    running_vms: sum((n) => Number(n.running_vms)), disk_available_least: sum((n) => Number(n.local_gb) - Number(n.local_gb_used)),
  }
  return { status: 200, body: { hypervisor_statistics: stats } }
}

async function search(deps: ComputeApiDeps, req: ComputeRequest, withServers: boolean) {
  if (atLeast(versionOf(req), '2.53')) throw notFound('The resource could not be found.')
  authorize(deps, req, withServers ? 'os-hypervisors:servers' : 'os-hypervisors:search')
  const pattern = req.params.id
  const found = (await nodes(deps)).filter((n) => n.hypervisor_hostname.includes(pattern))
  if (!found.length) throw notFound(`No hypervisor matching '${pattern}' could be found.`)
  const svcs = await servicesByHost(deps)
  const servers = withServers ? await serversOn(deps, found) : undefined
  const views = found.map((n) => {
    const view = brief(deps, req, n, svcs.get(n.host))
    const list = servers?.get(n.uuid)
    if (list?.length) view.servers = list
    return view
  })
  return { status: 200, body: { hypervisors: views } }
}

