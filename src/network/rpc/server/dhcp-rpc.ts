/**
 * @module The DHCP agent's calls on the server (Neutron's DhcpRpcCallback, without the DHCP agent
 * scheduler): every enabled DHCP agent serves every administratively up network that has a
 * DHCP-enabled subnet, each through its own DHCP port.
 */
import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { fromDbBool, fromDbJson } from '../../../common/db/columns.ts'
import type { NetworkDeps } from '../../api/context.ts'
import { createPort, deletePort } from '../../api/ports/create-port.ts'
import { inTransaction } from '../../api/ports/retry.ts'
import type { NetworkDb, NetworkRow } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import { AgentType } from '../../model/agent.ts'
import type { DhcpNetwork, DhcpPort } from '../agent-messages.ts'

type Db = NetworkDeps['db'] | Transaction<NetworkDb>

const DNS_NAMESPACE = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex')

/** RFC 4122 name-based UUID (version 5, SHA-1), as Python's uuid.uuid5. */
function uuid5(namespace: Buffer, name: string): string {
  const h = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16)
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/** Neutron's device_id of a host's DHCP port on a network: `dhcp<uuid5(short hostname)>-<network id>`. */
export const dhcpDeviceId = (networkId: string, host: string): string => `dhcp${uuid5(DNS_NAMESPACE, host.split('.')[0])}-${networkId}`

async function chunked<T>(ids: string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += 500) out.push(...await load(ids.slice(i, i + 500)))
  return out
}

/** The networks with their DHCP-enabled subnets, segments and ports, loaded in batches. */
async function dhcpNetworks(db: Db, networks: NetworkRow[]): Promise<DhcpNetwork[]> {
  const ids = networks.map((n) => n.id)
  if (!ids.length) return []
  const [segments, subnets, ports, ips] = await Promise.all([
    chunked(ids, (c) => db.selectFrom('network_segments').selectAll().where('network_id', 'in', c).orderBy('segment_index').execute()),
    chunked(ids, (c) => db.selectFrom('subnets').selectAll().where('network_id', 'in', c).where('enable_dhcp', '=', 1).orderBy('id').execute()),
    chunked(ids, (c) => db.selectFrom('ports').selectAll().where('network_id', 'in', c).orderBy('id').execute()),
    chunked(ids, (c) => db.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address']).where('network_id', 'in', c).execute()),
  ])
  const ipsOf = Map.groupBy(ips, (i) => i.port_id)
  return networks.map((n) => ({
    id: n.id, project_id: n.project_id, name: n.name, admin_state_up: fromDbBool(n.admin_state_up), mtu: n.mtu,
    segments: segments.filter((s) => s.network_id === n.id)
      .map((s) => ({ network_type: s.network_type, physical_network: s.physical_network, segmentation_id: s.segmentation_id })),
    subnets: subnets.filter((s) => s.network_id === n.id).map((s) => ({
      id: s.id, network_id: s.network_id, name: s.name, ip_version: s.ip_version, cidr: s.cidr, gateway_ip: s.gateway_ip,
      enable_dhcp: true, dns_nameservers: fromDbJson(s.dns_nameservers, []), host_routes: fromDbJson(s.host_routes, []),
      allocation_pools: fromDbJson(s.allocation_pools, []), ipv6_ra_mode: s.ipv6_ra_mode, ipv6_address_mode: s.ipv6_address_mode,
    })),
    ports: ports.filter((p) => p.network_id === n.id).map((p): DhcpPort => ({
      id: p.id, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: fromDbBool(p.admin_state_up),
      device_owner: p.device_owner, device_id: p.device_id, dns_name: p.dns_name,
      fixed_ips: (ipsOf.get(p.id) ?? []).map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip_address })),
      extra_dhcp_opts: fromDbJson(p.extra_dhcp_opts, []),
    })),
  }))
}

/** Networks the host's DHCP agent serves; none when it has no enabled DHCP agent. */
export async function getActiveNetworksInfo(deps: NetworkDeps, host: string): Promise<DhcpNetwork[]> {
  const agent = await deps.db.selectFrom('network_agents').select('admin_state_up')
    .where('agent_type', '=', AgentType.dhcp).where('host', '=', host).executeTakeFirst()
  if (!agent || !fromDbBool(agent.admin_state_up)) return []
  const networks = await deps.db.selectFrom('networks').selectAll().where('admin_state_up', '=', 1)
    .where((eb) => eb.exists(eb.selectFrom('subnets').select('subnets.id').whereRef('subnets.network_id', '=', 'networks.id').where('subnets.enable_dhcp', '=', 1)))
    .orderBy('id').execute()
  return dhcpNetworks(deps.db, networks)
}

export async function getNetworkInfo(deps: NetworkDeps, networkId: string): Promise<DhcpNetwork | null> {
  const network = await deps.db.selectFrom('networks').selectAll().where('id', '=', networkId).executeTakeFirst()
  return network ? (await dhcpNetworks(deps.db, [network]))[0] : null
}

/** The host's DHCP port on the network: the existing one, or a new one with an address on each DHCP-enabled subnet, bound to the host. */
export async function getDhcpPort(deps: NetworkDeps, networkId: string, host: string): Promise<DhcpPort> {
  const deviceId = dhcpDeviceId(networkId, host)
  const created = await inTransaction(deps.db, async (trx) => {
    const existing = await trx.selectFrom('ports').select('id').where('network_id', '=', networkId).where('device_id', '=', deviceId).executeTakeFirst()
    if (existing) return undefined
    const network = await trx.selectFrom('networks').select(['id', 'project_id']).where('id', '=', networkId).executeTakeFirst()
    if (!network) throw new NeutronError(404, 'NetworkNotFound', `Network ${networkId} could not be found.`)
    const subnets = await trx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('enable_dhcp', '=', 1).orderBy('id').execute()
    if (!subnets.length) throw new NeutronError(400, 'BadRequest', `Network ${networkId} has no DHCP-enabled subnet.`)
    return createPort(deps, trx, {
      projectId: network.project_id, networkId, deviceId, deviceOwner: 'network:dhcp', hostId: host,
      fixedIps: subnets.map((s) => ({ subnet_id: s.id })),
    })
  })
  if (created) deps.notifier.portUpdated(created)
  const info = await getNetworkInfo(deps, networkId)
  const port = info?.ports.find((p) => p.device_id === deviceId)
  if (!port) throw new NeutronError(404, 'PortNotFound', `DHCP port of ${host} on network ${networkId} could not be found.`)
  return port
}

/** Deletes the host's DHCP port on the network, if any. */
export async function releaseDhcpPort(deps: NetworkDeps, networkId: string, host: string): Promise<void> {
  const deviceId = dhcpDeviceId(networkId, host)
  const released = await inTransaction(deps.db, async (trx) => {
    const port = await trx.selectFrom('ports').select(['id', 'network_id']).where('network_id', '=', networkId).where('device_id', '=', deviceId).executeTakeFirst()
    if (port) await deletePort(deps, trx, port.id)
    return port
  })
  if (released) deps.notifier.portDeleted(released)
}
