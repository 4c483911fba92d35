/**
 * @module Neutron's _validate_subnet for create and update (db_base_plugin_v2.py): the IPAM's
 * request checks plus what needs the database (a gateway still used by a router interface).
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, SubnetRow } from '../../db/schema.ts'
import {
  checkIpv6ModesOnUpdate, checkSubnetSpec, GatewayIpInUse, isAutoAddressSubnet, parseIp, type HostRoute, type IpVersion,
} from '../../ipam/index.ts'
import { ROUTER_INTERFACE_OWNERS } from '../ports/device-owners.ts'

/** Neutron's max_dns_nameservers and max_subnet_host_routes defaults. */
export const SUBNET_LIMITS = { maxDnsNameservers: 5, maxSubnetHostRoutes: 20 }

/** An attribute counts as set unless absent or null (neutron-lib is_attr_set). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null

export type SubnetBody = {
  ip_version: number
  cidr?: string | null
  enable_dhcp?: boolean
  gateway_ip?: string | null
  dns_nameservers?: string[]
  host_routes?: HostRoute[]
  ipv6_ra_mode?: string | null
  ipv6_address_mode?: string | null
}

/** _validate_subnet for a create; `cidr` is the request's (absent for a subnet-pool request). */
export function validateNewSubnet(s: SubnetBody): void {
  checkSubnetSpec({
    ipVersion: s.ip_version as IpVersion, cidr: isSet(s.cidr) ? s.cidr! : undefined, enableDhcp: s.enable_dhcp !== false,
    gatewayIp: s.gateway_ip, dnsNameservers: s.dns_nameservers, hostRoutes: s.host_routes,
    ipv6RaMode: s.ipv6_ra_mode, ipv6AddressMode: s.ipv6_address_mode,
  }, SUBNET_LIMITS)
}

function sameIp(a: string | null | undefined, b: string | null): boolean {
  if (!a || !b) return !a && !b
  const x = parseIp(a), y = parseIp(b)
  return !!x && !!y && x.version === y.version && x.value === y.value
}

/** _validate_subnet for an update: the changed attributes against the stored subnet. */
export async function validateSubnetUpdate(trx: Transaction<NetworkDb>, body: Omit<SubnetBody, 'ip_version'>, current: SubnetRow): Promise<void> {
  checkSubnetSpec({
    ipVersion: current.ip_version as IpVersion, cidr: current.cidr, enableDhcp: body.enable_dhcp === true,
    gatewayIp: body.gateway_ip, dnsNameservers: body.dns_nameservers, hostRoutes: body.host_routes, id: current.id,
  }, SUBNET_LIMITS, { dhcpWasEnabled: !!current.enable_dhcp })
  if (body.gateway_ip !== undefined && current.gateway_ip && !sameIp(body.gateway_ip, current.gateway_ip)) {
    const routerPort = await trx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
      .select('ports.id').where('ip_allocations.subnet_id', '=', current.id).where('ip_allocations.ip_address', '=', current.gateway_ip)
      .where('ports.device_owner', 'in', [...ROUTER_INTERFACE_OWNERS]).executeTakeFirst()
    if (routerPort) throw new GatewayIpInUse(current.gateway_ip, routerPort.id)
  }
  if (current.ip_version === 6) {
    checkIpv6ModesOnUpdate({ enableDhcp: body.enable_dhcp }, { ipv6RaMode: current.ipv6_ra_mode, ipv6AddressMode: current.ipv6_address_mode })
  }
}

export const isAutoAddressRow = (s: Pick<SubnetRow, 'ip_version' | 'ipv6_ra_mode' | 'ipv6_address_mode'>): boolean =>
  s.ip_version === 6 && isAutoAddressSubnet({ ipv6RaMode: s.ipv6_ra_mode, ipv6AddressMode: s.ipv6_address_mode })
