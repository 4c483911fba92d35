/**
 * @module The L3 agent's calls on the server (Neutron's L3RpcCallback): routers are hosted by one
 * L3 agent each, given to the first enabled agent that syncs while they have none (or theirs was
 * deleted); syncing also binds the router's ports to the agent's host, so its L2 agent wires them.
 */
import type { Transaction } from 'kysely'
import { fromDbBool, fromDbJson } from '../../../common/db/columns.ts'
import type { NetworkDeps } from '../../api/context.ts'
import { bindPort } from '../../api/ports/bind-port.ts'
import { inTransaction } from '../../api/ports/retry.ts'
import { insertUnlessTaken } from '../../api/ports/savepoint.ts'
import { now } from '../../api/standard-attrs.ts'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { BadRequest } from '../../../common/errors.ts'
import { AgentType } from '../../model/agent.ts'
import type { FloatingIpStatus, RouterPort, SyncRouter } from '../agent-messages.ts'

type Trx = Transaction<NetworkDb>

const GATEWAY = 'network:router_gateway'
const FIP_STATUSES: readonly string[] = ['ACTIVE', 'DOWN', 'ERROR']

/** Gives the agent every router that has no live hosting (no binding, or its agent row is gone). */
async function autoSchedule(trx: Trx, agentId: string): Promise<void> {
  await trx.deleteFrom('router_l3_agent_bindings')
    .where((eb) => eb.or([
      eb.not(eb.exists(eb.selectFrom('routers').select('routers.id').whereRef('routers.id', '=', 'router_l3_agent_bindings.router_id'))),
      eb.not(eb.exists(eb.selectFrom('network_agents').select('network_agents.id').whereRef('network_agents.id', '=', 'router_l3_agent_bindings.l3_agent_id'))),
    ])).execute()
  const unhosted = await trx.selectFrom('routers').select('id')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('router_l3_agent_bindings as b').select('b.router_id').whereRef('b.router_id', '=', 'routers.id'))))
    .execute()
  // Another agent syncing at the same time may take some of them: its binding stands.
  for (const r of unhosted) {
    await insertUnlessTaken(trx, () => trx.insertInto('router_l3_agent_bindings').values({ router_id: r.id, l3_agent_id: agentId, created_at: now() }).execute())
  }
}

async function routerPorts(trx: Trx, ports: PortRow[]): Promise<Map<string, RouterPort>> {
  const ids = ports.map((p) => p.id)
  const networkIds = [...new Set(ports.map((p) => p.network_id))]
  if (!ids.length) return new Map()
  const [ips, networks, segments] = await Promise.all([
    trx.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', ids).orderBy('ip_address').execute(),
    trx.selectFrom('networks').select(['id', 'mtu']).where('id', 'in', networkIds).execute(),
    trx.selectFrom('network_segments').selectAll().where('network_id', 'in', networkIds).orderBy('segment_index').execute(),
  ])
  const subnetIds = [...new Set(ips.map((i) => i.subnet_id))]
  const subnets = subnetIds.length ? await trx.selectFrom('subnets').select(['id', 'cidr', 'gateway_ip', 'ip_version', 'ipv6_ra_mode']).where('id', 'in', subnetIds).execute() : []
  const subnetOf = new Map(subnets.map((s) => [s.id, s]))
  return new Map(ports.map((p) => {
    const own = ips.filter((i) => i.port_id === p.id)
    const segment = segments.find((s) => s.network_id === p.network_id)
    return [p.id, {
      id: p.id, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: fromDbBool(p.admin_state_up),
      mtu: networks.find((n) => n.id === p.network_id)?.mtu ?? 0,
      segment: segment ? { network_type: segment.network_type, physical_network: segment.physical_network, segmentation_id: segment.segmentation_id } : null,
      fixed_ips: own.map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip_address, prefixlen: Number(subnetOf.get(i.subnet_id)?.cidr.split('/')[1] ?? 0) })),
      subnets: own.flatMap((i) => {
        const s = subnetOf.get(i.subnet_id)
        return s ? [{ id: s.id, cidr: s.cidr, gateway_ip: s.gateway_ip, ip_version: s.ip_version, ipv6_ra_mode: s.ipv6_ra_mode }] : []
      }),
    }]
  }))
}

/** The routers the host's L3 agent hosts (those of `routerIds` when given); none for a missing or disabled agent. */
export function syncRouters(deps: NetworkDeps, host: string, routerIds?: string[]): Promise<SyncRouter[]> {
  return inTransaction(deps.db, async (trx) => {
    const agent = await trx.selectFrom('network_agents').select(['id', 'admin_state_up'])
      .where('agent_type', '=', AgentType.l3).where('host', '=', host).executeTakeFirst()
    if (!agent || !fromDbBool(agent.admin_state_up)) return []
    await autoSchedule(trx, agent.id)
    let q = trx.selectFrom('routers').innerJoin('router_l3_agent_bindings as b', 'b.router_id', 'routers.id')
      .selectAll('routers').where('b.l3_agent_id', '=', agent.id)
    if (routerIds) q = q.where('routers.id', 'in', [...routerIds, ''])
    const routers = await q.orderBy('routers.id').execute()
    const ids = routers.map((r) => r.id)
    if (!ids.length) return []
    const links = await trx.selectFrom('router_ports').selectAll().where('router_id', 'in', ids).execute()
    const ports = links.length ? await trx.selectFrom('ports').selectAll().where('id', 'in', links.map((l) => l.port_id)).execute() : []
    for (const p of ports) {
      if (p.binding_host_id === host) continue
      const bound = await bindPort(deps, trx, p, host)
      await trx.updateTable('ports').set((eb) => ({ ...bound, updated_at: now(), revision_number: eb('revision_number', '+', 1) })).where('id', '=', p.id).execute()
    }
    const views = await routerPorts(trx, ports)
    const fips = await trx.selectFrom('floating_ips').selectAll().where('router_id', 'in', ids).where('fixed_port_id', 'is not', null).execute()
    return routers.map((r) => {
      const mine = links.filter((l) => l.router_id === r.id)
      return {
        id: r.id, project_id: r.project_id, name: r.name, admin_state_up: fromDbBool(r.admin_state_up), enable_snat: fromDbBool(r.enable_snat),
        routes: fromDbJson(r.routes, []),
        gw_port: r.gw_port_id ? views.get(r.gw_port_id) ?? null : null,
        interfaces: mine.filter((l) => l.port_type !== GATEWAY).flatMap((l) => views.get(l.port_id) ?? []),
        floating_ips: fips.filter((f) => f.router_id === r.id).map((f) => ({
          id: f.id, floating_ip_address: f.floating_ip_address, fixed_ip_address: f.fixed_ip_address ?? '', port_id: f.fixed_port_id ?? '',
          floating_network_id: f.floating_network_id, status: f.status,
        })),
      }
    })
  })
}

/** The agent's view of its floating IPs; those no longer on `routerId` are left alone. */
export function updateFloatingIpStatuses(deps: NetworkDeps, routerId: string, statuses: Record<string, FloatingIpStatus>): Promise<void> {
  for (const s of Object.values(statuses ?? {})) if (!FIP_STATUSES.includes(s)) throw new BadRequest(`invalid floating IP status ${s}`)
  return inTransaction(deps.db, async (trx) => {
    for (const [id, status] of Object.entries(statuses ?? {})) {
      await trx.updateTable('floating_ips').set((eb) => ({ status, updated_at: now(), revision_number: eb('revision_number', '+', 1) }))
        .where('id', '=', id).where('router_id', '=', routerId).where('status', '!=', status).execute()
    }
  })
}
