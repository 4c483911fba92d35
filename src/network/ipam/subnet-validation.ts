/**
 * Subnet request checks from db_base_plugin_v2 _validate_subnet and ipam_backend_mixin
 * _validate_subnet_cidr, in Neutron's order, with its messages. Checks that need the database
 * (gateway in use by a router port, network MTU) stay with the caller.
 */
import {
  formatNetwork, isLoopbackCidr, isMulticastCidr, networkAddress, parseCidr, cidrsOverlap, cidrRange,
} from './cidr.ts'
import { isGatewayInvalidInSubnet } from './allocation-pools.ts'
import { BadResourceRequest, DnsNameServersExhausted, HostRoutesExhausted, InvalidInput } from './errors.ts'
import { parseIp, type IpVersion } from './ip-address.ts'
import { checkIpv6Modes, type Ipv6Modes } from './ipv6.ts'
import { pythonDictRepr } from './python-repr.ts'

export type HostRoute = { destination: string; nexthop: string }

export type SubnetSpec = Ipv6Modes & {
  ipVersion: IpVersion
  /** Absent for a subnet-pool request without cidr. */
  cidr?: string
  enableDhcp: boolean
  /** undefined = not given; null = no gateway. */
  gatewayIp?: string | null
  dnsNameservers?: readonly string[]
  hostRoutes?: readonly HostRoute[]
  /** Subnet id for update messages; "new subnet" on create. */
  id?: string
  /** subnetpool_id === 'prefix_delegation'. */
  isPrefixDelegation?: boolean
}

export type SubnetLimits = { maxDnsNameservers: number; maxSubnetHostRoutes: number }

/** _validate_ip_version: "<name> '<addr>' does not match the ip_version '<v>'". */
export function checkIpVersion(ipVersion: IpVersion, addr: string, name: string): void {
  if (parseCidr(addr)?.version !== ipVersion) {
    throw new InvalidInput(`${name} '${addr}' does not match the ip_version '${ipVersion}'`)
  }
}

/**
 * _validate_subnet for a create (or an update that turns DHCP on: pass `dhcpWasEnabled`).
 * DNSNameServersExhausted/HostRoutesExhausted are 400 with their own Neutron types.
 */
export function checkSubnetSpec(spec: SubnetSpec, limits: SubnetLimits, options: { dhcpWasEnabled?: boolean } = {}): void {
  const net = spec.cidr === undefined ? undefined : parseCidr(spec.cidr)
  if (spec.cidr !== undefined) checkIpVersion(spec.ipVersion, spec.cidr, 'cidr')
  if (net && net.version === 6 && networkAddress(net) === 0n && !spec.isPrefixDelegation) {
    throw new InvalidInput("IPv6 subnet '::' is not supported")
  }
  if (net && spec.enableDhcp && !options.dhcpWasEnabled) {
    if (net.prefixLength > (net.version === 4 ? 30 : 126)) {
      throw new InvalidInput('Subnet has a prefix length that is incompatible with DHCP service enabled')
    }
    if (isMulticastCidr(net)) throw new InvalidInput('Multicast IP subnet is not supported if enable_dhcp is True')
    if (isLoopbackCidr(net)) throw new InvalidInput('Loopback IP subnet is not supported if enable_dhcp is True')
    if (net.version === 4 && cidrRange(net).first === 0n) {
      throw new InvalidInput("First IP '0.0.0.0' of network is not supported if enable_dhcp is True.")
    }
  }
  if (spec.gatewayIp) {
    checkIpVersion(spec.ipVersion, spec.gatewayIp, 'gateway_ip')
    if (net && isGatewayInvalidInSubnet(net, spec.gatewayIp)) throw new InvalidInput('Gateway is not valid on subnet')
  }
  const subnetName = spec.id ?? 'new subnet'
  if (spec.dnsNameservers) {
    if (spec.dnsNameservers.length > limits.maxDnsNameservers) {
      throw new DnsNameServersExhausted(subnetName, limits.maxDnsNameservers)
    }
    for (const dns of spec.dnsNameservers) {
      if (!parseIp(dns)) throw new InvalidInput(`Error parsing dns address ${dns}`)
      checkIpVersion(spec.ipVersion, dns, 'dns_nameserver')
    }
  }
  if (spec.hostRoutes) {
    if (spec.hostRoutes.length > limits.maxSubnetHostRoutes) {
      throw new HostRoutesExhausted(subnetName, limits.maxSubnetHostRoutes)
    }
    for (const route of spec.hostRoutes) {
      if (!parseCidr(route.destination) || !parseIp(route.nexthop)) {
        throw new InvalidInput(`Invalid route: ${pythonDictRepr(route)}`)
      }
      checkIpVersion(spec.ipVersion, route.nexthop, 'nexthop')
      checkIpVersion(spec.ipVersion, route.destination, 'destination')
    }
  }
  checkIpv6Modes({ ...spec, cidr: spec.cidr })
}

/** The request-shape rules of _create_subnet_precommit, as "Bad subnets request: ..." errors. */
export function checkCidrOrPool(req: { cidr?: string; prefixlen?: number; subnetpoolId?: string | null }): void {
  if (req.cidr !== undefined && req.prefixlen !== undefined) {
    throw new BadResourceRequest('subnets', 'cidr and prefixlen must not be supplied together')
  }
  if (req.cidr === undefined && !req.subnetpoolId) {
    throw new BadResourceRequest('subnets', 'a subnetpool must be specified in the absence of a cidr')
  }
}

/**
 * _validate_subnet_cidr, run when the subnet is saved (after pool checks): no /0, and no overlap
 * with the network's other subnets ('::/64' prefix-delegation placeholders are ignored).
 */
export function checkCidrOnNetwork(cidr: string, networkId: string, existingCidrs: readonly string[]): void {
  const net = parseCidr(cidr)
  if (!net) throw new InvalidInput(`${cidr} is not in a CIDR format`)
  if (net.prefixLength === 0) throw new InvalidInput('0 is not allowed as CIDR prefix length')
  for (const other of existingCidrs) {
    const existing = parseCidr(other)
    if (existing && other !== '::/64' && cidrsOverlap(existing, net)) {
      throw new InvalidInput(`Requested subnet with cidr: ${cidr} for network: ${networkId} overlaps with another subnet`)
    }
  }
}

/** create_subnet turns "10.0.0.1/24" into "10.0.0.0/24" before anything else. */
export function subnetCidr(cidr: string): string {
  const net = parseCidr(cidr)
  if (!net) throw new InvalidInput(`${cidr} is not in a CIDR format`)
  return formatNetwork(net)
}
