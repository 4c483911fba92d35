/**
 * @module PUT /routers/{id}/add_router_interface (l3_db add_router_interface): by subnet, a new
 * `network:router_interface` port holding the subnet's gateway IP (for IPv6, the prefix joins the
 * router's existing IPv6 port on that network); by port, an unattached port with fixed IPs
 * becomes the router's. Either way the subnets must be new to the router and overlap none of its
 * subnets, its gateway's included.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, RouterRow, SubnetRow } from '../../db/schema.ts'
import { isInPools, parseIp } from '../../ipam/index.ts'
import { enforce, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { validateUuid, type Body } from '../ports/attribute-map.ts'
import { createPort } from '../ports/create-port.ts'
import { portDetail } from '../ports/port-view.ts'
import { updatePort } from '../ports/update-port.ts'
import { bumped } from '../standard-attrs.ts'
import { visibleSubnet } from '../subnets/subnet-view.ts'
import { badRequest, portInUse } from './errors.ts'
import { visiblePort } from './port-access.ts'
import { markRouterPortActive } from './router-port-status.ts'
import { attachedPorts, checkNoOverlap, checkRouterSubnets, checkSubnetAddressMode, lockRouter, type RouterPortInfo } from './router-subnets.ts'
import { visibleRouter, type RouterDetail } from './router-view.ts'

type Trx = Transaction<NetworkDb>

export const DEVICE_OWNER_ROUTER_INTF = 'network:router_interface'

/** neutron_lib PREFIX_DELEGATION_SUBNETPOOL: subnets whose prefix comes from prefix delegation. */
const PD_SUBNETPOOL = 'prefix_delegation'

export type InterfaceInfo = {
  id: string; tenant_id: string; project_id: string; port_id: string; network_id: string; subnet_id: string; subnet_ids: string[]
}

export function interfaceInfo(routerId: string, port: { id: string; project_id: string; network_id: string }, subnetId: string, subnetIds: string[]): InterfaceInfo {
  return { id: routerId, tenant_id: port.project_id, project_id: port.project_id, port_id: port.id, network_id: port.network_id, subnet_id: subnetId, subnet_ids: subnetIds }
}

/** _validate_interface_info: subnet_id or port_id (both only when removing), each a UUID. */
export function interfaceRequest(body: unknown, forRemoval: boolean): { portId?: string; subnetId?: string } {
  const info = body && typeof body === 'object' && !Array.isArray(body) ? body as Body : {}
  const hasPort = 'port_id' in info, hasSubnet = 'subnet_id' in info
  if (!hasPort && !hasSubnet) throw badRequest('router', 'Either subnet_id or port_id must be specified')
  for (const key of ['port_id', 'subnet_id']) {
    const msg = key in info ? validateUuid(info[key]) : undefined
    if (msg) throw badRequest('router', msg)
  }
  if (!forRemoval && hasPort && hasSubnet) throw badRequest('router', 'Cannot specify both subnet-id and port-id')
  return { portId: hasPort ? info.port_id as string : undefined, subnetId: hasSubnet ? info.subnet_id as string : undefined }
}

/** The router for a member action: 404 unless the caller can see it, 403 unless it may act on it; locked for the transaction. */
export async function routerForAction(deps: NetworkDeps, req: NetworkRequest, trx: Trx, id: string, action: string): Promise<RouterDetail> {
  const { detail, router } = await visibleRouter(deps, req, id, trx)
  enforce(deps, req, action, router)
  await lockRouter(trx, id)
  return detail
}

const hasIpv6 = (p: Pick<RouterPortInfo, 'fixedIps'>) => p.fixedIps.some((ip) => parseIp(ip.ip_address)?.version === 6)

/** _validate_one_router_ipv6_port_per_network. */
function checkOneIpv6Port(ports: RouterPortInfo[], port: Pick<RouterPortInfo, 'id' | 'networkId' | 'fixedIps'>): void {
  if (!hasIpv6(port)) return
  const other = ports.find((p) => p.id !== port.id && p.networkId === port.networkId && hasIpv6(p))
  if (other) {
    throw badRequest('router', `Router already contains IPv6 port ${other.id} belonging to network id ${other.networkId}. ` +
      'Only one IPv6 port from the same network subnet can be connected to a router.')
  }
}

/**
 * _add_router_port: records the port as the router's, re-checks the router's subnets pairwise
 * (another attach may have raced this one), and makes the router the port's device.
 */
async function addRouterPort(deps: NetworkDeps, trx: Trx, router: RouterRow, portId: string): Promise<void> {
  await trx.insertInto('router_ports').values({ router_id: router.id, port_id: portId, port_type: DEVICE_OWNER_ROUTER_INTF }).execute()
  const ports = await attachedPorts(trx, router.id)
  const added = ports.find((p) => p.id === portId)!
  for (const p of ports) if (p.networkId === added.networkId) checkOneIpv6Port(ports, p)
  const ids = [...new Set(ports.flatMap((p) => p.fixedIps.map((ip) => ip.subnet_id)))]
  const subnets = ids.length ? await trx.selectFrom('subnets').select(['id', 'cidr']).where('id', 'in', ids).execute() : []
  const routed = subnets.filter((s) => s.cidr !== '::/64')
  for (let i = 0; i < routed.length; i++) for (let j = i + 1; j < routed.length; j++) checkNoOverlap(routed[i]!, routed[j]!)
  const detail = (await portDetail(trx, portId))!
  if (detail.row.device_id !== router.id || detail.row.device_owner !== DEVICE_OWNER_ROUTER_INTF) {
    await updatePort(deps, trx, detail, { device_id: router.id, device_owner: DEVICE_OWNER_ROUTER_INTF }, true)
  }
  await markRouterPortActive(trx, portId)
}

async function subnetsByIds(trx: Trx, ids: string[]): Promise<SubnetRow[]> {
  const rows = ids.length ? await trx.selectFrom('subnets').selectAll().where('id', 'in', ids).execute() : []
  return ids.flatMap((id) => rows.filter((r) => r.id === id))
}

async function attachPort(deps: NetworkDeps, req: NetworkRequest, trx: Trx, router: RouterRow, portId: string): Promise<InterfaceInfo> {
  const detail = await visiblePort(deps, req, trx, portId)
  const port = detail.row
  if (port.device_id !== '') throw portInUse(port.network_id, port.id, port.device_id)
  if (!detail.fixedIps.length) throw badRequest('router', 'Router port must have at least one fixed IP')
  const subnets = await subnetsByIds(trx, [...new Set(detail.fixedIps.map((ip) => ip.subnet_id))])
  for (const s of subnets) checkSubnetAddressMode(s)
  const ports = await attachedPorts(trx, router.id)
  checkOneIpv6Port(ports, { id: port.id, networkId: port.network_id, fixedIps: detail.fixedIps })
  await checkRouterSubnets(trx, router.id, subnets, ports)
  if (subnets.filter((s) => Number(s.ip_version) === 4).length > 1) throw badRequest('router', 'Cannot have multiple IPv4 subnets on router port')
  if (!isAdmin(deps, req)) {
    // _validate_port_in_range_or_admin: an address outside the pools needs the subnet's owner (or an admin).
    const project = projectOf(req)
    for (const ip of detail.fixedIps) {
      const subnet = subnets.find((s) => s.id === ip.subnet_id)!
      if (!isInPools(ip.ip_address, JSON.parse(subnet.allocation_pools)) && subnet.project_id !== project) {
        throw badRequest('router', `Cannot add interface to router because specified port ${port.id} has an IP address out of the ` +
          `allocation pool of subnet ${subnet.id}, which is not owned by the project making the request`)
      }
    }
  }
  await addRouterPort(deps, trx, router, port.id)
  return interfaceInfo(router.id, port, subnets.at(-1)!.id, subnets.map((s) => s.id))
}

async function attachSubnet(deps: NetworkDeps, req: NetworkRequest, trx: Trx, router: RouterRow, subnetId: string): Promise<InterfaceInfo> {
  const { subnet } = await visibleSubnet(deps, req, trx, subnetId)
  if (!subnet.gateway_ip) throw badRequest('router', 'Subnet for router interface must have a gateway IP')
  if (subnet.project_id !== projectOf(req) && !isAdmin(deps, req)) {
    throw badRequest('router', `Cannot add interface to router because subnet ${subnetId} is not owned by project making the request`)
  }
  checkSubnetAddressMode(subnet)
  const ports = await attachedPorts(trx, router.id)
  await checkRouterSubnets(trx, router.id, [subnet], ports)
  const fixedIp = { ip_address: subnet.gateway_ip, subnet_id: subnet.id }
  if (Number(subnet.ip_version) === 6 && subnet.subnetpool_id !== PD_SUBNETPOOL) {
    // Another IPv6 prefix of a network the router already has an IPv6 port on goes onto that port.
    const existing = ports.find((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTF && p.networkId === subnet.network_id && hasIpv6(p))
    if (existing) {
      const detail = (await portDetail(trx, existing.id))!
      await updatePort(deps, trx, detail, { fixed_ips: [...detail.fixedIps, fixedIp] }, true)
      return interfaceInfo(router.id, detail.row, subnet.id, [subnet.id])
    }
  }
  const port = await createPort(deps, trx, {
    projectId: router.project_id, networkId: subnet.network_id, fixedIps: [fixedIp], adminStateUp: true,
    deviceId: router.id, deviceOwner: DEVICE_OWNER_ROUTER_INTF, name: '',
  })
  await addRouterPort(deps, trx, router, port.id)
  return interfaceInfo(router.id, port, subnet.id, [subnet.id])
}

/** Attaches a subnet or port to the router; every check and write in one transaction. */
export async function addRouterInterface(deps: NetworkDeps, req: NetworkRequest, routerId: string, body: unknown): Promise<InterfaceInfo> {
  const ask = interfaceRequest(body, false)
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await routerForAction(deps, req, trx, routerId, 'add_router_interface')
    const info = ask.portId ? await attachPort(deps, req, trx, row, ask.portId) : await attachSubnet(deps, req, trx, row, ask.subnetId!)
    await trx.updateTable('routers').set(bumped(row.revision_number)).where('id', '=', row.id).execute()
    return info
  })
}
