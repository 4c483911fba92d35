/**
 * @module Which port, fixed IP and router a floating IP is associated with after a create or update
 * (l3_db _check_and_get_fip_assoc): the port must be visible, the floating IP project's (or the
 * caller an admin), not a DHCP port, with one IPv4 address or the named one; the router is one with
 * an interface on that address's subnet and its gateway on the floating IP's network, preferring
 * the one holding the subnet's gateway IP.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { parseIp } from '../../ipam/index.ts'
import { isAdmin, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Body } from '../ports/attribute-map.ts'
import { DEVICE_OWNER_DHCP, DEVICE_OWNER_ROUTER_GW, ROUTER_INTERFACE_OWNERS } from '../ports/device-owners.ts'
import { canonicalIpText } from '../ports/ip-requests.ts'
import { badRequest, externalGatewayForFloatingIpNotFound, floatingIpPortAlreadyAssociated } from './errors.ts'
import { visiblePort } from './port-access.ts'

type Trx = Transaction<NetworkDb>

export type Association = { fixed_port_id: string | null; fixed_ip_address: string | null; router_id: string | null }

/** What association resolution needs to know of the floating IP (its row, or the row about to be inserted). */
export type FloatingIpState = {
  id: string; project_id: string; floating_network_id: string; floating_ip_address: string
  fixed_port_id: string | null; fixed_ip_address: string | null
}

const NONE: Association = { fixed_port_id: null, fixed_ip_address: null, router_id: null }

/** get_router_for_floatingip: 404 ExternalGatewayForFloatingIPNotFound when no router connects the subnet to the network. */
export async function routerForFloatingIp(trx: Trx, port: PortRow, subnet: { id: string; gateway_ip: string | null }, externalNetworkId: string): Promise<string> {
  const rows = await trx.selectFrom('router_ports as rp')
    .innerJoin('ports as p', 'p.id', 'rp.port_id')
    .innerJoin('ip_allocations as ia', 'ia.port_id', 'p.id')
    .innerJoin('ports as gw', 'gw.device_id', 'rp.router_id')
    .select(['rp.router_id as routerId', 'ia.ip_address as ip'])
    .where('p.network_id', '=', port.network_id)
    .where('rp.port_type', 'in', [...ROUTER_INTERFACE_OWNERS])
    .where('ia.subnet_id', '=', subnet.id)
    .where('gw.network_id', '=', externalNetworkId)
    .where('gw.device_owner', '=', DEVICE_OWNER_ROUTER_GW)
    .orderBy('rp.router_id').execute()
  const best = rows.find((r) => r.ip === subnet.gateway_ip) ?? rows[0]
  if (!best) throw externalGatewayForFloatingIpNotFound(subnet.id, externalNetworkId, port.id)
  return best.routerId
}

/** _internal_fip_assoc_data + _get_assoc_data for one port (and optionally one of its addresses). */
async function associationWith(deps: NetworkDeps, req: NetworkRequest, trx: Trx, fip: FloatingIpState, portId: string, fixedIp?: string): Promise<Association> {
  const port = await visiblePort(deps, req, trx, portId)
  if (port.row.project_id !== fip.project_id && !isAdmin(deps, req)) {
    throw badRequest('floatingip', `Cannot process floating IP association with Port ${portId}, since that port is owned by a different project`)
  }
  if (port.row.device_owner === DEVICE_OWNER_DHCP) throw badRequest('floatingip', `Port ${portId} is unable to be assigned a floating IP`)
  let chosen: { subnet_id: string; ip_address: string } | undefined
  if (fixedIp) {
    if (parseIp(fixedIp)?.version !== 4) {
      throw badRequest('floatingip', `Cannot process floating IP association with ${fixedIp}, since that is not an IPv4 address`)
    }
    const wanted = canonicalIpText(fixedIp)
    chosen = port.fixedIps.find((ip) => ip.ip_address === wanted)
    if (!chosen) throw badRequest('floatingip', `Port ${portId} does not have fixed ip ${fixedIp}`)
  } else {
    const v4 = port.fixedIps.filter((ip) => parseIp(ip.ip_address)?.version === 4)
    if (!v4.length) throw badRequest('floatingip', `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`)
    if (v4.length > 1) {
      throw badRequest('floatingip', `Port ${portId} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`)
    }
    chosen = v4[0]!
  }
  const subnet = await trx.selectFrom('subnets').select(['id', 'gateway_ip']).where('id', '=', chosen.subnet_id).executeTakeFirstOrThrow()
  const routerId = await routerForFloatingIp(trx, port.row, subnet, fip.floating_network_id)
  return { fixed_port_id: portId, fixed_ip_address: chosen.ip_address, router_id: routerId }
}

/** 409 FloatingIPPortAlreadyAssociated when another floating IP of the network holds that port's address. */
export async function checkAddressFree(trx: Trx, fip: FloatingIpState, assoc: Association): Promise<void> {
  if (!assoc.fixed_port_id) return
  const other = await trx.selectFrom('floating_ips').select('id').where('id', '!=', fip.id)
    .where('floating_network_id', '=', fip.floating_network_id).where('fixed_port_id', '=', assoc.fixed_port_id)
    .where('fixed_ip_address', '=', assoc.fixed_ip_address).executeTakeFirst()
  if (other) throw alreadyAssociated(fip, assoc)
}

export const alreadyAssociated = (fip: FloatingIpState, assoc: Association) => floatingIpPortAlreadyAssociated({
  fipId: fip.id, floatingIp: fip.floating_ip_address, portId: assoc.fixed_port_id!, fixedIp: assoc.fixed_ip_address!, networkId: fip.floating_network_id,
})

/**
 * The association a create or update body asks for. `port_id: null` disassociates; a body without
 * port_id keeps (and re-checks) the current one, so its router follows the port's.
 */
export async function resolveAssociation(deps: NetworkDeps, req: NetworkRequest, trx: Trx, fip: FloatingIpState, body: Body): Promise<Association> {
  const portId = body.port_id as string | null | undefined
  const fixedIp = body.fixed_ip_address as string | null | undefined
  if (fixedIp && !portId) throw badRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id')
  if (portId) {
    const assoc = await associationWith(deps, req, trx, fip, portId, fixedIp ?? undefined)
    if (portId !== fip.fixed_port_id) await checkAddressFree(trx, fip, assoc)
    return assoc
  }
  if (portId === undefined && fip.fixed_port_id) {
    return associationWith(deps, req, trx, fip, fip.fixed_port_id, fip.fixed_ip_address ?? undefined)
  }
  return NONE
}
