/**
 * /os-simple-tenant-usage: hours of use of each instance over a period [start, end], from its
 * launched_at and terminated_at (deleted instances included) and the flavor snapshot it ran
 * with, summed per project as vCPU-, MB- and GB-hours. Admins list every project's (with
 * `detailed` the server usages too); a project reader shows their own. Paging over instances
 * (limit, marker) from 2.40.
 */
import { parseUtc } from '../../../common/db/columns.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { InstanceRow } from '../../db/schema.ts'
import { badRequest, notFound } from '../../errors.ts'
import type { FlavorSnapshot } from '../../model/instance.ts'
import { authorize, linkBase, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { limitAndMarker, looseBool } from '../list-query.ts'
import { atLeast } from '../microversion.ts'

export function usageRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-simple-tenant-usage', async (req: ComputeRequest) => {
      // `/os-simple-tenant-usage/` is a show of the empty project id, which Nova cannot route (404).
      if (req.path.endsWith('/')) throw notFound('The resource could not be found.')
      authorize(deps, req, 'os-simple-tenant-usage:list')
      const period = periodOf(req)
      const detailed = looseBool(req.query.get('detailed'))
      const { usages, links } = await usagesFor(deps, req, period, undefined, 'os-simple-tenant-usage')
      const list = [...usages.values()].map((u) => (detailed ? u : withoutServers(u)))
      const body: Record<string, unknown> = { tenant_usages: list }
      if (links) body.tenant_usages_links = links
      return { status: 200, body }
    }),
    route('GET', '/os-simple-tenant-usage/:tenant_id', async (req: ComputeRequest) => {
      const project = req.params.tenant_id
      authorize(deps, req, 'os-simple-tenant-usage:show', { project_id: project })
      const period = periodOf(req)
      const { usages, links } = await usagesFor(deps, req, period, project, `os-simple-tenant-usage/${project}`)
      const body: Record<string, unknown> = { tenant_usage: usages.get(project) ?? {} }
      if (links) body.tenant_usage_links = links
      return { status: 200, body }
    }),
  ]
}

type Period = { start: number; stop: number }
type Usage = Record<string, unknown> & { server_usages: Array<Record<string, unknown>> }

const withoutServers = ({ server_usages: _s, ...rest }: Usage) => rest

/** Nova's isoformat of a naive UTC datetime: no zone, microseconds only when non-zero. */
function isoformat(ms: number): string {
  const s = new Date(ms).toISOString().replace('Z', '')
  return s.endsWith('.000') ? s.slice(0, -4) : `${s}000`
}

function periodOf(req: ComputeRequest): Period {
  const parse = (name: 'start' | 'end') => {
    const v = req.query.get(name)
    if (v === null) return Date.now()
    const t = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(v.trim()) ? parseUtc(v.trim().replace(' ', 'T')) : NaN
    if (Number.isNaN(t)) throw badRequest(`Invalid ${name} time. Invalid date format. Please use "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f" or "%Y-%m-%d %H:%M:%S.%f".`)
    return t
  }
  const start = parse('start')
  const stop = parse('end')
  if (start > stop) throw badRequest('Invalid start time. The start time cannot occur after the end time.')
  return { start, stop }
}

function hoursFor(i: Pick<InstanceRow, 'launched_at' | 'terminated_at'>, p: Period): number {
  if (!i.launched_at) return 0
  const launched = parseUtc(i.launched_at)
  const terminated = i.terminated_at ? parseUtc(i.terminated_at) : undefined
  if (terminated !== undefined && terminated < p.start) return 0
  if (launched > p.stop) return 0
  const from = Math.max(launched, p.start)
  const to = terminated !== undefined ? Math.min(terminated, p.stop) : p.stop
  return Math.max(0, to - from) / 3600_000
}

async function usagesFor(deps: ComputeApiDeps, req: ComputeRequest, p: Period, project: string | undefined, path: string) {
  const startIso = new Date(p.start).toISOString()
  const stopIso = new Date(p.stop).toISOString()
  let q = deps.db.selectFrom('instances').selectAll()
    .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', startIso)]))
    .where('launched_at', 'is not', null).where('launched_at', '<', stopIso)
    .orderBy('created_at').orderBy('uuid')
  if (project !== undefined) q = q.where('project_id', '=', project)
  let rows = await q.execute()
  let links: Array<{ rel: string; href: string }> | undefined
  if (atLeast(versionOf(req), '2.40')) {
    const { limit, marker } = limitAndMarker(req, deps.config.maxLimit)
    if (marker !== undefined) {
      const at = rows.findIndex((r) => r.uuid === marker)
      if (at < 0) throw badRequest(`Marker ${marker} could not be found.`)
      rows = rows.slice(at + 1)
    }
    rows = rows.slice(0, limit)
    if (rows.length === limit && rows.length) {
      const params = new URLSearchParams([...req.query].filter(([k]) => k !== 'marker'))
      params.set('marker', rows.at(-1)!.uuid)
      links = [{ rel: 'next', href: `${linkBase(req)}/v2.1/${path}?${params}` }]
    }
  }
  const now = Date.now()
  const usages = new Map<string, Usage>()
  for (const i of rows) {
    let f: Partial<FlavorSnapshot>
    try {
      f = JSON.parse(i.flavor || '{}') as Partial<FlavorSnapshot>
    } catch {
      continue
    }
    const hours = hoursFor(i, p)
    const vcpus = Number(f.vcpus ?? i.vcpus)
    const memory = Number(f.memory_mb ?? i.memory_mb)
    const localGb = Number(f.root_gb ?? i.root_gb) + Number(f.ephemeral_gb ?? i.ephemeral_gb)
    const launched = parseUtc(i.launched_at!)
    const ended = i.terminated_at ? parseUtc(i.terminated_at) : undefined
    const u = usages.get(i.project_id) ?? {
      tenant_id: i.project_id, start: isoformat(p.start), stop: isoformat(p.stop),
      total_hours: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_local_gb_usage: 0, server_usages: [],
    }
    u.total_hours = Number(u.total_hours) + hours
    u.total_vcpus_usage = Number(u.total_vcpus_usage) + vcpus * hours
    u.total_memory_mb_usage = Number(u.total_memory_mb_usage) + memory * hours
    u.total_local_gb_usage = Number(u.total_local_gb_usage) + localGb * hours
    u.server_usages.push({
      instance_id: i.uuid, name: i.display_name, hours, memory_mb: memory, local_gb: localGb, vcpus, tenant_id: i.project_id,
      flavor: f.name ?? i.flavorid, started_at: isoformat(launched), ended_at: ended !== undefined ? isoformat(ended) : null,
      state: ended !== undefined || Number(i.deleted) ? 'terminated' : i.vm_state,
      uptime: Math.floor(((ended ?? now) - launched) / 1000),
    })
    usages.set(i.project_id, u)
  }
  return { usages, links }
}
