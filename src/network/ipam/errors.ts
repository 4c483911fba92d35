/**
 * IPAM errors. `title` is the Neutron exception class name (the "type" in Neutron's
 * {"NeutronError": {"type", "message", "detail"}} body) and `message` is Neutron's text.
 *
 * These extend CloudError with Neutron's status rather than BadRequest/Conflict: those declare
 * `title` with a literal type, so a subclass cannot put a Neutron type name there.
 */
import { CloudError } from '../../common/errors.ts'

class NeutronBadRequest extends CloudError {
  override readonly status: number = 400
}
class NeutronConflict extends CloudError {
  override readonly status: number = 409
}

/** neutron_lib InvalidInput: most request checks in the plugin raise this. */
export class InvalidInput extends NeutronBadRequest {
  override readonly title: string = 'InvalidInput'
  constructor(detail: string) {
    super(`Invalid input for operation: ${detail}.`)
  }
}

/** API attribute validation (neutron-lib attributes.convert_values raises webob HTTPBadRequest). */
export class InvalidAttribute extends NeutronBadRequest {
  override readonly title: string = 'HTTPBadRequest'
  constructor(attribute: string, reason: string) {
    super(`Invalid input for ${attribute}. Reason: ${reason}.`)
  }
}

/** neutron_lib BadRequest(resource=..., msg=...), e.g. "Bad subnets request: ...". */
export class BadResourceRequest extends NeutronBadRequest {
  override readonly title: string = 'BadRequest'
  constructor(resource: string, reason: string) {
    super(`Bad ${resource} request: ${reason}.`)
  }
}

export class InvalidAllocationPool extends NeutronBadRequest {
  override readonly title: string = 'InvalidAllocationPool'
  constructor(pool: string) {
    super(`The allocation pool ${pool} is not valid.`)
  }
}

export class OutOfBoundsAllocationPool extends NeutronBadRequest {
  override readonly title: string = 'OutOfBoundsAllocationPool'
  constructor(pool: string, subnetCidr: string) {
    super(`The allocation pool ${pool} spans beyond the subnet cidr ${subnetCidr}.`)
  }
}

export class OverlappingAllocationPools extends NeutronConflict {
  override readonly title: string = 'OverlappingAllocationPools'
  constructor(pool1: string, pool2: string, subnetCidr: string) {
    super(`Found overlapping allocation pools: ${pool1} ${pool2} for subnet ${subnetCidr}.`)
  }
}

export class GatewayConflictWithAllocationPools extends NeutronConflict {
  override readonly title: string = 'GatewayConflictWithAllocationPools'
  constructor(ipAddress: string, pool: string) {
    super(`Gateway ip ${ipAddress} conflicts with allocation pool ${pool}.`)
  }
}

export class GatewayIpInUse extends NeutronConflict {
  override readonly title: string = 'GatewayIpInUse'
  constructor(ipAddress: string, portId: string) {
    super(`Current gateway ip ${ipAddress} already in use by port ${portId}. Unable to update.`)
  }
}

/** neutron_lib InvalidIpForSubnet: a fixed IP named with its subnet_id is not valid there. */
export class InvalidIpForSubnet extends NeutronBadRequest {
  override readonly title: string = 'InvalidIpForSubnet'
  constructor(ipAddress: string) {
    super(`IP address ${ipAddress} is not a valid IP for the specified subnet.`)
  }
}

/** The IPAM driver's InvalidIpForSubnet (same Neutron type name, different text). */
export class IpNotInSubnet extends NeutronBadRequest {
  override readonly title: string = 'InvalidIpForSubnet'
  constructor(ip: string, subnetId: string) {
    super(`IP address ${ip} does not belong to subnet ${subnetId}`)
  }
}

export class InvalidIpForNetwork extends NeutronBadRequest {
  override readonly title: string = 'InvalidIpForNetwork'
  constructor(ipAddress: string) {
    super(`IP address ${ipAddress} is not a valid IP for any of the subnets on the specified network.`)
  }
}

export class AllocationOnAutoAddressSubnet extends NeutronBadRequest {
  override readonly title: string = 'AllocationOnAutoAddressSubnet'
  constructor(ip: string, subnetId: string) {
    super(`IPv6 address ${ip} cannot be directly assigned to a port on subnet ${subnetId} ` +
      'as the subnet is configured for automatic addresses')
  }
}

export class IpAddressAlreadyAllocated extends NeutronConflict {
  override readonly title: string = 'IpAddressAlreadyAllocated'
  constructor(ip: string, subnetId: string) {
    super(`IP address ${ip} already allocated in subnet ${subnetId}`)
  }
}

export class IpAddressInUse extends NeutronConflict {
  override readonly title: string = 'IpAddressInUse'
  constructor(networkId: string, ipAddress: string) {
    super(`Unable to complete operation for network ${networkId}. The IP address ${ipAddress} is in use.`)
  }
}

/** Pools exhausted: the API reports it per network; the IPAM driver per subnet. */
export class IpAddressGenerationFailure extends NeutronConflict {
  override readonly title: string = 'IpAddressGenerationFailure'
  constructor(where: { networkId: string } | { subnetId: string }) {
    super('networkId' in where
      ? `No more IP addresses available on network ${where.networkId}.`
      : `No more IP addresses available for subnet ${where.subnetId}.`)
  }
}

export class MacAddressInUse extends NeutronConflict {
  override readonly title: string = 'MacAddressInUse'
  constructor(networkId: string, mac: string) {
    super(`Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`)
  }
}

export class NetworkMacAddressGenerationFailure extends CloudError {
  override readonly status: number = 503
  override readonly title: string = 'NetworkMacAddressGenerationFailure'
  constructor(networkId: string) {
    super(`Unable to generate unique mac on network ${networkId}.`)
  }
}

export class SubnetPoolNotFound extends CloudError {
  override readonly status: number = 404
  override readonly title: string = 'SubnetPoolNotFound'
  constructor(subnetPoolId: string) {
    super(`Subnet pool ${subnetPoolId} could not be found.`)
  }
}

/** Not in Neutron's fault map, so Neutron answers 500 with this type. */
export class SubnetAllocationError extends CloudError {
  override readonly title: string = 'SubnetAllocationError'
  constructor(reason: string) {
    super(`Failed to allocate subnet: ${reason}.`)
  }
}

export class MinPrefixSubnetAllocationError extends NeutronBadRequest {
  override readonly title: string = 'MinPrefixSubnetAllocationError'
  constructor(prefixLength: number, minPrefixLength: number) {
    super(`Unable to allocate subnet with prefix length ${prefixLength}, minimum allowed prefix is ${minPrefixLength}.`)
  }
}

export class MaxPrefixSubnetAllocationError extends NeutronBadRequest {
  override readonly title: string = 'MaxPrefixSubnetAllocationError'
  constructor(prefixLength: number, maxPrefixLength: number) {
    super(`Unable to allocate subnet with prefix length ${prefixLength}, maximum allowed prefix is ${maxPrefixLength}.`)
  }
}

export class IllegalSubnetPoolPrefixBounds extends NeutronBadRequest {
  override readonly title: string = 'IllegalSubnetPoolPrefixBounds'
  constructor(prefixType: string, prefixLength: number, basePrefixType: string, basePrefixLength: number) {
    super(`Illegal prefix bounds: ${prefixType}=${prefixLength}, ${basePrefixType}=${basePrefixLength}.`)
  }
}

export class EmptySubnetPoolPrefixList extends NeutronBadRequest {
  override readonly title: string = 'EmptySubnetPoolPrefixList'
  constructor() {
    super('Empty subnet pool prefix list.')
  }
}

export class PrefixVersionMismatch extends NeutronBadRequest {
  override readonly title: string = 'PrefixVersionMismatch'
  constructor() {
    super('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.')
  }
}

export class UnsupportedMinSubnetPoolPrefix extends NeutronBadRequest {
  override readonly title: string = 'UnsupportedMinSubnetPoolPrefix'
  constructor(prefix: number, version: number) {
    super(`Prefix '${prefix}' not supported in IPv${version} pool.`)
  }
}

export class DnsNameServersExhausted extends NeutronBadRequest {
  override readonly title: string = 'DNSNameServersExhausted'
  constructor(subnet: string, quota: number) {
    super(`Unable to complete operation for ${subnet}. The number of DNS nameservers exceeds the limit ${quota}.`)
  }
}

export class HostRoutesExhausted extends NeutronBadRequest {
  override readonly title: string = 'HostRoutesExhausted'
  constructor(subnet: string, quota: number) {
    super(`Unable to complete operation for ${subnet}. The number of host routes exceeds the limit ${quota}.`)
  }
}

/** neutron_lib OverQuota subclass: 409. */
export class SubnetPoolQuotaExceeded extends NeutronConflict {
  override readonly title: string = 'SubnetPoolQuotaExceeded'
  constructor() {
    super('Per-project subnet pool prefix quota exceeded.')
  }
}
