/**
 * @module Network IPAM: pure address-management rules of Neutron v2.0 (addresses, CIDRs, pools,
 * IPv6 modes, MACs, subnet pools, fixed IPs). No database or HTTP; the network API calls these
 * inside its transactions and renders the errors as NeutronError bodies.
 */
export {
  canonicalIp, compareIp, formatIp, ipBits, maxIpValue, parseIp, validateIpAddress,
  type IpAddress, type IpVersion,
} from './ip-address.ts'
export { formatRange, mergeRanges, rangeToBlocks, subtractRanges, type IpRange } from './ip-range.ts'
export {
  broadcastAddress, canonicalCidr, cidrContains, cidrRange, cidrSize, cidrsOverlap, cidrWithin, formatCidr,
  formatNetwork, isLoopbackCidr, isMulticastCidr, lastAddress, networkAddress, parseCidr, toNetwork,
  validateRouteCidr, validateSubnet, type Cidr,
} from './cidr.ts'
export {
  checkGatewayOutOfPools, checkPoolRanges, defaultGatewayIp, generatePools, isGatewayInvalidInSubnet,
  isGatewayOutsideSubnet, poolRanges, poolsAfterUpdate, poolsToRanges, prepareAllocationPools, rangeToPool,
  type AllocationPool,
} from './allocation-pools.ts'
export {
  checkIpv6Modes, checkIpv6ModesOnUpdate, eui64, isAutoAddressSubnet, isEui64Address, ipv6Modes,
  validateIpv6Mode, type Ipv6Mode, type Ipv6Modes,
} from './ipv6.ts'
export { AddressAllocator, isInCidr, isInPools, pickFreeAddress, type AllocatorOptions } from './allocator.ts'
export {
  isValidIpForSubnet, planFixedIps, routerInterfaceOwners, routerInterfaceOwnersSnat, routerPortOwners,
  subnetForFixedIp, type FixedIpPlan, type FixedIpRequest, type SubnetRef,
} from './fixed-ips.ts'
export {
  formatMac, isMulticastMac, parseMac, randomMac, sanitizeMacAddress, validateBaseMac, validateMacAddress,
  validateMacNotMulticast,
} from './mac.ts'
export {
  allocateFromSubnetPool, availablePrefixes, checkSubnetPoolQuota, compactPrefixes, isSubnetAvailable, nextSubnet,
  readSubnetPool, type SubnetPoolBounds, type SubnetPoolInfo,
} from './subnet-pool.ts'
export {
  checkCidrOnNetwork, checkCidrOrPool, checkIpVersion, checkSubnetSpec, subnetCidr,
  type HostRoute, type SubnetLimits, type SubnetSpec,
} from './subnet-validation.ts'
export * from './errors.ts'
