/**
 * /os-hosts (Nova's deprecated hosts API, gone from 2.43): the hosts of the deployment's
 * services with their zones; one compute host's resources (its totals, what its node reports
 * in use, what its instances' flavors add up to, and that per project); enabling or disabling
 * its compute service. Maintenance mode and host power actions are not something the drivers
 * do, so they answer 501, as Nova does with its libvirt driver.
 */
import { nowIso } from '../../../common/db/columns.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest, NovaError, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { aggregateZonesByHost, listServices, zoneOfService } from '../service-state.ts'

const GONE_AT = '2.43'
const SWITCH = ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']

export function hostsRoutes(deps: ComputeApiDeps): Route[] {
  const power = (action: 'startup' | 'shutdown' | 'reboot', policy: string) =>
    route('GET', `/os-hosts/:host/${action}`, async (req) => {
      gate(deps, req, policy)
      await computeNode(deps, req.params.host)
      throw new NovaError(501, 'Virt driver does not implement host power management.')
    })
  return [
    route('GET', '/os-hosts', (req) => list(deps, req)),
    route('GET', '/os-hosts/:host', (req) => show(deps, req)),
    route('PUT', '/os-hosts/:host', (req) => update(deps, req)),
    power('startup', 'os-hosts:start'), power('shutdown', 'os-hosts:shutdown'), power('reboot', 'os-hosts:reboot'),
  ]
}

function gate(deps: ComputeApiDeps, req: ComputeRequest, policy: string): void {
  if (atLeast(versionOf(req), GONE_AT)) throw notFound('The resource could not be found.')
  authorize(deps, req, policy)
}

async function computeNode(deps: ComputeApiDeps, host: string) {
  const node = await deps.db.selectFrom('compute_nodes').select(['vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used'])
    .where('host', '=', host).orderBy('id').executeTakeFirst()
  if (!node) throw notFound(`Compute host ${host} could not be found.`)
  return node
}

async function list(deps: ComputeApiDeps, req: ComputeRequest) {
  gate(deps, req, 'os-hosts:list')
  const zone = req.query.get('zone')
  const zones = await aggregateZonesByHost(deps.db)
  const hosts = (await listServices(deps.db))
    .map((s) => ({ host_name: s.host, service: s.topic, zone: zoneOfService(s, zones, deps.config) }))
    .filter((h) => !zone || h.zone === zone)
  return { status: 200, body: { hosts } }
}

async function show(deps: ComputeApiDeps, req: ComputeRequest) {
  gate(deps, req, 'os-hosts:show')
  const host = req.params.host
  const node = await computeNode(deps, host)
  const instances = await deps.db.selectFrom('instances').select(['project_id', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb'])
    .where('host', '=', host).where('deleted', '=', 0).orderBy('created_at').execute()
  const row = (project: string, cpu: number, memory_mb: number, disk_gb: number) => ({ resource: { host, project, cpu, memory_mb, disk_gb } })
  const byProject = new Map<string, { cpu: number; memory_mb: number; disk_gb: number }>()
  const max = { cpu: 0, memory_mb: 0, disk_gb: 0 }
  for (const i of instances) {
    const p = byProject.get(i.project_id) ?? { cpu: 0, memory_mb: 0, disk_gb: 0 }
    for (const sum of [p, max]) {
      sum.cpu += Number(i.vcpus)
      sum.memory_mb += Number(i.memory_mb)
      sum.disk_gb += Number(i.root_gb) + Number(i.ephemeral_gb)
    }
    byProject.set(i.project_id, p)
  }
  const resources = [
    row('(total)', Number(node.vcpus), Number(node.memory_mb), Number(node.local_gb)),
    row('(used_now)', Number(node.vcpus_used), Number(node.memory_mb_used), Number(node.local_gb_used)),
    row('(used_max)', max.cpu, max.memory_mb, max.disk_gb),
    ...[...byProject].map(([project, p]) => row(project, p.cpu, p.memory_mb, p.disk_gb)),
  ]
  return { status: 200, body: { host: resources } }
}

function switchValue(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !SWITCH.includes(v)) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${v}. ${JSON.stringify(v)} is not one of ${JSON.stringify(SWITCH)}`)
  }
  return v.toLowerCase() === 'enable'
}

async function update(deps: ComputeApiDeps, req: ComputeRequest) {
  gate(deps, req, 'os-hosts:update')
  const body = req.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body is invalid: it must be an object.')
  const b = body as Record<string, unknown>
  for (const k of Object.keys(b)) {
    if (k !== 'status' && k !== 'maintenance_mode') throw badRequest(`Invalid input for field/attribute host. Additional properties are not allowed ('${k}' was unexpected)`)
  }
  const maintenance = switchValue(b, 'maintenance_mode')
  const enabled = switchValue(b, 'status')
  if (maintenance === undefined && enabled === undefined) throw badRequest(`Invalid input for field/attribute host. Value: ${JSON.stringify(b)}. 'status' or 'maintenance_mode' is required`)
  const host = req.params.host
  await computeNode(deps, host)
  if (maintenance !== undefined) throw new NovaError(501, 'Virt driver does not implement host maintenance mode.')
  await deps.db.updateTable('compute_services').set({ disabled: enabled ? 0 : 1, disabled_reason: null, updated_at: nowIso() })
    .where('host', '=', host).where('binary', '=', 'nova-compute').execute()
  return { status: 200, body: { host, status: enabled ? 'enabled' : 'disabled' } }
}
