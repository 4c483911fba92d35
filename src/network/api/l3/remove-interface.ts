/**
 * @module PUT /routers/{id}/remove_router_interface (l3_db remove_router_interface with extraroute):
 * by port, the router's interface port is deleted; by subnet, the subnet's address leaves the
 * router's port on that network (the port goes with its last address). Refused while a floating IP
 * reaches a port on the subnet through this router, or a static route's nexthop lies in it.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, RouterRow, SubnetRow } from '../../db/schema.ts'
import { isInCidr } from '../../ipam/index.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { deletePort } from '../ports/create-port.ts'
import { portDetail } from '../ports/port-view.ts'
import { updatePort } from '../ports/update-port.ts'
import { bumped } from '../standard-attrs.ts'
import { visibleSubnet } from '../subnets/subnet-view.ts'
import { DEVICE_OWNER_ROUTER_INTF, interfaceInfo, interfaceRequest, routerForAction, type InterfaceInfo } from './add-interface.ts'
import {
  routerInterfaceInUseByFloatingIp, routerInterfaceInUseByRoute, routerInterfaceNotFound, routerInterfaceNotFoundForSubnet,
  subnetMismatchForPort,
} from './errors.ts'
import { routesOf } from './router-view.ts'

type Trx = Transaction<NetworkDb>

/** _confirm_router_interface_not_in_use: floating IPs first, then extra routes. */
async function checkInterfaceUnused(trx: Trx, router: RouterRow, subnet: Pick<SubnetRow, 'id' | 'cidr'>): Promise<void> {
  const fips = await trx.selectFrom('floating_ips').select(['fixed_port_id', 'fixed_ip_address']).where('router_id', '=', router.id).execute()
  if (fips.length) {
    const onSubnet = new Set((await trx.selectFrom('ip_allocations').select('port_id').where('subnet_id', '=', subnet.id).execute()).map((r) => r.port_id))
    for (const fip of fips) {
      if (fip.fixed_ip_address && isInCidr(fip.fixed_ip_address, subnet.cidr) && fip.fixed_port_id && onSubnet.has(fip.fixed_port_id)) {
        throw routerInterfaceInUseByFloatingIp(router.id, subnet.id)
      }
    }
  }
  if (routesOf(router).some((r) => isInCidr(r.nexthop, subnet.cidr))) throw routerInterfaceInUseByRoute(router.id, subnet.id)
}

async function detachPort(deps: NetworkDeps, trx: Trx, router: RouterRow, portId: string, subnetId?: string): Promise<InterfaceInfo> {
  const owned = await trx.selectFrom('router_ports').select('port_id').where('router_id', '=', router.id)
    .where('port_type', '=', DEVICE_OWNER_ROUTER_INTF).where('port_id', '=', portId).executeTakeFirst()
  const detail = owned && await portDetail(trx, portId)
  if (!detail) throw routerInterfaceNotFound(router.id, portId)
  const subnetIds = [...new Set(detail.fixedIps.map((ip) => ip.subnet_id))]
  if (subnetId !== undefined && !subnetIds.includes(subnetId)) throw subnetMismatchForPort(portId, subnetId)
  const subnets = subnetIds.length ? await trx.selectFrom('subnets').select(['id', 'cidr']).where('id', 'in', subnetIds).execute() : []
  for (const s of subnets) await checkInterfaceUnused(trx, router, s)
  await deletePort(deps, trx, portId)
  return interfaceInfo(router.id, detail.row, subnetIds[0] ?? '', subnetIds)
}

async function detachSubnet(deps: NetworkDeps, req: NetworkRequest, trx: Trx, router: RouterRow, subnetId: string): Promise<InterfaceInfo> {
  const { subnet } = await visibleSubnet(deps, req, trx, subnetId)
  const ports = await trx.selectFrom('router_ports').innerJoin('ports', 'ports.id', 'router_ports.port_id').select('ports.id as id')
    .where('router_ports.router_id', '=', router.id).where('router_ports.port_type', '=', DEVICE_OWNER_ROUTER_INTF)
    .where('ports.network_id', '=', subnet.network_id).orderBy('ports.id').execute()
  if (ports.length) await checkInterfaceUnused(trx, router, subnet)
  for (const { id } of ports) {
    const detail = await portDetail(trx, id)
    if (!detail) continue
    const onPort = new Set(detail.fixedIps.map((ip) => ip.subnet_id))
    if (!onPort.has(subnetId)) continue
    if (onPort.size > 1) {
      // A port with several IPv6 prefixes keeps the others.
      await updatePort(deps, trx, detail, { fixed_ips: detail.fixedIps.filter((ip) => ip.subnet_id !== subnetId) }, true)
    } else {
      await deletePort(deps, trx, id)
    }
    return interfaceInfo(router.id, detail.row, subnet.id, [subnet.id])
  }
  throw routerInterfaceNotFoundForSubnet(router.id, subnetId)
}

/** Detaches a port or subnet from the router; every check and write in one transaction. */
export async function removeRouterInterface(deps: NetworkDeps, req: NetworkRequest, routerId: string, body: unknown): Promise<InterfaceInfo> {
  const ask = interfaceRequest(body, true)
  return deps.db.transaction().execute(async (trx) => {
    const { row } = await routerForAction(deps, req, trx, routerId, 'remove_router_interface')
    const info = ask.portId
      ? await detachPort(deps, trx, row, ask.portId, ask.subnetId)
      : await detachSubnet(deps, req, trx, row, ask.subnetId!)
    await trx.updateTable('routers').set(bumped(row.revision_number)).where('id', '=', row.id).execute()
    return info
  })
}
