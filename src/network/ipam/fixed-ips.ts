/**
 * Which subnet a requested fixed IP belongs to, and whether Neutron lets the port have it
 * (ipam_backend_mixin _get_subnet_for_fixed_ip, ipam_pluggable_backend _test_fixed_ips_for_port,
 * ipam/utils check_subnet_ip).
 */
import { broadcastAddress, cidrContains, networkAddress, parseCidr } from './cidr.ts'
import { AllocationOnAutoAddressSubnet, InvalidInput, InvalidIpForNetwork, InvalidIpForSubnet } from './errors.ts'
import { parseIp } from './ip-address.ts'
import { eui64, isAutoAddressSubnet, type Ipv6Modes } from './ipv6.ts'

export const routerInterfaceOwners: readonly string[] = [
  'network:router_interface', 'network:ha_router_replicated_interface', 'network:router_interface_distributed',
]
export const routerInterfaceOwnersSnat: readonly string[] = [...routerInterfaceOwners, 'network:router_centralized_snat']
export const routerPortOwners: readonly string[] = [...routerInterfaceOwnersSnat, 'network:router_gateway']

/**
 * check_subnet_ip: inside the subnet; for IPv4 not the network address nor the broadcast (a /31
 * keeps its second address, a /32 has none); for IPv6 the network address only for router ports
 * or an empty device_owner.
 */
export function isValidIpForSubnet(cidr: string, ip: string, deviceOwner = ''): boolean {
  const net = parseCidr(cidr)
  const addr = parseIp(ip)
  if (!net || !addr || !cidrContains(net, addr)) return false
  if (net.version === 4) return addr.value !== networkAddress(net) && addr.value !== broadcastAddress(net)
  return routerPortOwners.includes(deviceOwner) || deviceOwner === '' || addr.value !== networkAddress(net)
}

export type SubnetRef = Ipv6Modes & { id: string; cidr: string }

export type FixedIpRequest = { subnetId?: string; ipAddress?: string }

/**
 * _get_subnet_for_fixed_ip over the network's subnets. A subnet_id that is not on the network is
 * InvalidInput here; the caller raises SubnetNotFound (404) first when the id does not exist at all.
 */
export function subnetForFixedIp<S extends SubnetRef>(
  fixed: FixedIpRequest,
  subnets: readonly S[],
  context: { networkId: string; deviceOwner: string },
): S {
  if (subnets.length === 0) throw new InvalidInput('IP allocation requires subnets for network')
  if (fixed.subnetId !== undefined) {
    const subnet = subnets.find((s) => s.id === fixed.subnetId)
    if (!subnet) {
      throw new InvalidInput(`Failed to create port on network ${context.networkId}, ` +
        `because fixed_ips included invalid subnet ${fixed.subnetId}`)
    }
    if (fixed.ipAddress !== undefined && !isValidIpForSubnet(subnet.cidr, fixed.ipAddress, context.deviceOwner)) {
      throw new InvalidIpForSubnet(fixed.ipAddress)
    }
    return subnet
  }
  if (fixed.ipAddress === undefined) throw new InvalidInput('IP allocation requires subnet_id or ip_address')
  const subnet = subnets.find((s) => isValidIpForSubnet(s.cidr, fixed.ipAddress!, context.deviceOwner))
  if (!subnet) throw new InvalidIpForNetwork(fixed.ipAddress)
  return subnet
}

/** One address to allocate: a specific one, or any free one from the subnet. */
export type FixedIpPlan = { subnetId: string; ipAddress?: string }

/**
 * _test_fixed_ips_for_port: resolve each requested fixed IP. On a SLAAC/DHCPv6-stateless subnet a
 * non-router port may only ask for its own EUI-64 address, and an entry without ip_address is
 * dropped (the caller adds EUI-64 addresses for every such subnet separately).
 */
export function planFixedIps<S extends SubnetRef>(
  fixedIps: readonly FixedIpRequest[],
  subnets: readonly S[],
  port: { networkId: string; deviceOwner: string; macAddress: string },
): FixedIpPlan[] {
  const plan: FixedIpPlan[] = []
  for (const fixed of fixedIps) {
    const subnet = subnetForFixedIp(fixed, subnets, port)
    const isAuto = isAutoAddressSubnet(subnet)
    if (fixed.ipAddress !== undefined && subnet.cidr !== '::/64') {
      if (isAuto && !routerInterfaceOwners.includes(port.deviceOwner)) {
        const expected = parseIp(eui64(subnet.cidr, port.macAddress))
        const asked = parseIp(fixed.ipAddress)
        if (!asked || asked.value !== expected?.value) throw new AllocationOnAutoAddressSubnet(fixed.ipAddress, subnet.id)
      }
      plan.push({ subnetId: subnet.id, ipAddress: fixed.ipAddress })
    } else if (routerInterfaceOwnersSnat.includes(port.deviceOwner) || !isAuto) {
      plan.push({ subnetId: subnet.id })
    }
  }
  return plan
}
