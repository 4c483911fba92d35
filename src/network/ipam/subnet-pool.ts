/** Subnet pools: reading a pool's prefixes and bounds, and carving subnets (neutron/ipam/subnet_alloc.py). */
import { cidrRange, formatCidr, formatNetwork, networkAddress, parseCidr, type Cidr } from './cidr.ts'
import {
  EmptySubnetPoolPrefixList, IllegalSubnetPoolPrefixBounds, MaxPrefixSubnetAllocationError,
  MinPrefixSubnetAllocationError, PrefixVersionMismatch, SubnetAllocationError, SubnetPoolQuotaExceeded,
  UnsupportedMinSubnetPoolPrefix,
} from './errors.ts'
import { ipBits, type IpVersion } from './ip-address.ts'
import { mergeRanges, rangeToBlocks, subtractRanges, type IpRange } from './ip-range.ts'

function parseAll(cidrs: readonly string[]): Cidr[] {
  return cidrs.map((text) => {
    const cidr = parseCidr(text)
    if (!cidr) throw new TypeError(`not a CIDR: ${text}`)
    return cidr
  })
}

function blocksOf(ranges: readonly IpRange[], version: IpVersion): Cidr[] {
  return ranges.flatMap((r) => rangeToBlocks(r).map((b) => ({ version, ip: b.network, prefixLength: b.prefixLength })))
}

/** Union of CIDRs as the fewest blocks, in address order (IPSet compact + iter_cidrs). */
export function compactPrefixes(prefixes: readonly string[]): string[] {
  const cidrs = parseAll(prefixes)
  if (cidrs.length === 0) return []
  return blocksOf(mergeRanges(cidrs.map(cidrRange)), cidrs[0]!.version).map(formatCidr)
}

/**
 * _get_available_prefix_list: pool prefixes minus subnets already carved, as blocks ordered
 * longest prefix (smallest block) first, address order among equals.
 */
export function availablePrefixes(prefixes: readonly string[], taken: readonly string[]): Cidr[] {
  const pool = parseAll(prefixes)
  if (pool.length === 0) return []
  const version = pool[0]!.version
  const used = parseAll(taken).filter((c) => c.version === version).map(cidrRange)
  const free = subtractRanges(pool.map(cidrRange), used)
  return blocksOf(free, version).toSorted((a, b) => b.prefixLength - a.prefixLength)
}

/**
 * The subnet Neutron carves for "any subnet of this size": the first block of the smallest free
 * prefix that can hold it (best fit, not first address). undefined when nothing fits.
 */
export function nextSubnet(prefixes: readonly string[], prefixLength: number, taken: readonly string[]): string | undefined {
  const fit = availablePrefixes(prefixes, taken).find((block) => prefixLength >= block.prefixLength)
  return fit && formatCidr({ ...fit, prefixLength })
}

/** _allocate_specific_subnet's test: the requested cidr lies wholly in free pool space. */
export function isSubnetAvailable(prefixes: readonly string[], taken: readonly string[], cidr: string): boolean {
  const wanted = parseCidr(cidr)
  if (!wanted) return false
  const start = networkAddress(wanted)
  return availablePrefixes(prefixes, taken).some((block) =>
    block.version === wanted.version && block.prefixLength <= wanted.prefixLength &&
    cidrRange(block).first <= start && start <= cidrRange(block).last)
}

export type SubnetPoolBounds = { minPrefixLength: number; maxPrefixLength: number }

/**
 * allocate_subnet: checks the prefix length against the pool bounds, then carves. Returns the
 * subnet cidr; throws Min/MaxPrefixSubnetAllocationError (400) or SubnetAllocationError (500 in Neutron).
 */
export function allocateFromSubnetPool(
  pool: SubnetPoolBounds & { prefixes: readonly string[] },
  taken: readonly string[],
  request: { prefixLength: number } | { cidr: string },
): string {
  const prefixLength = 'cidr' in request ? parseCidr(request.cidr)?.prefixLength ?? NaN : request.prefixLength
  if (prefixLength > pool.maxPrefixLength) throw new MaxPrefixSubnetAllocationError(prefixLength, pool.maxPrefixLength)
  if (prefixLength < pool.minPrefixLength) throw new MinPrefixSubnetAllocationError(prefixLength, pool.minPrefixLength)
  if ('cidr' in request) {
    if (isSubnetAvailable(pool.prefixes, taken, request.cidr)) return formatNetwork(parseCidr(request.cidr)!)
    throw new SubnetAllocationError('Cannot allocate requested subnet from the available set of prefixes')
  }
  const cidr = nextSubnet(pool.prefixes, prefixLength, taken)
  if (cidr === undefined) throw new SubnetAllocationError(`Insufficient prefix space to allocate subnet size /${prefixLength}`)
  return cidr
}

export type SubnetPoolInfo = SubnetPoolBounds & { ipVersion: IpVersion; prefixes: string[]; defaultPrefixLength: number }

/**
 * SubnetPoolReader: one IP version, prefixes compacted, bounds defaulted (min 8 or 64, max 32 or
 * 128, default = min) and checked in Neutron's order.
 */
export function readSubnetPool(pool: {
  prefixes: readonly string[]
  minPrefixLength?: number
  maxPrefixLength?: number
  defaultPrefixLength?: number
}): SubnetPoolInfo {
  const cidrs = parseAll(pool.prefixes)
  if (cidrs.length === 0) throw new EmptySubnetPoolPrefixList()
  const ipVersion = cidrs[0]!.version
  if (cidrs.some((c) => c.version !== ipVersion)) throw new PrefixVersionMismatch()
  const min = pool.minPrefixLength ?? (ipVersion === 4 ? 8 : 64)
  const max = pool.maxPrefixLength ?? ipBits(ipVersion)
  const def = pool.defaultPrefixLength ?? min
  if (min < 0) throw new UnsupportedMinSubnetPoolPrefix(min, 4)
  if (min > max) throw new IllegalSubnetPoolPrefixBounds('min_prefixlen', min, 'max_prefixlen', max)
  if (max > ipBits(ipVersion)) throw new IllegalSubnetPoolPrefixBounds('max_prefixlen', max, 'ip_version_max', ipBits(ipVersion))
  if (def < min) throw new IllegalSubnetPoolPrefixBounds('default_prefixlen', def, 'min_prefixlen', min)
  if (def > max) throw new IllegalSubnetPoolPrefixBounds('default_prefixlen', def, 'max_prefixlen', max)
  return {
    ipVersion, prefixes: compactPrefixes(pool.prefixes), minPrefixLength: min, maxPrefixLength: max, defaultPrefixLength: def,
  }
}

/**
 * _check_subnetpool_project_quota: default_quota counts /32s (IPv4) or /64s (IPv6) across the
 * project's subnets from this pool. A null/0 quota means unlimited.
 */
export function checkSubnetPoolQuota(args: {
  ipVersion: IpVersion
  quota: number | null
  usedPrefixLengths: readonly number[]
  prefixLength: number
}): void {
  if (!args.quota) return
  const unit = args.ipVersion === 4 ? 32 : 64
  const units = (p: number) => 2 ** (unit - p)
  const used = args.usedPrefixLengths.reduce((sum, p) => sum + units(p), 0)
  if (used + units(args.prefixLength) > args.quota) throw new SubnetPoolQuotaExceeded()
}
