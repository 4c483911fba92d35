/**
 * Subnet allocation pools and gateway as Neutron computes and checks them
 * (neutron/ipam/utils.py, neutron/db/ipam_backend_mixin.py, db_base_plugin_v2 update_subnet).
 */
import { cidrContains, cidrRange, lastAddress, networkAddress, parseCidr, type Cidr } from './cidr.ts'
import {
  GatewayConflictWithAllocationPools, InvalidAllocationPool, OutOfBoundsAllocationPool, OverlappingAllocationPools,
} from './errors.ts'
import { formatIp, maxIpValue, parseIp } from './ip-address.ts'
import { pythonDictRepr } from './python-repr.ts'
import { formatRange, mergeRanges, rangeContains, rangesOverlap, subtractRanges, type IpRange } from './ip-range.ts'

/** A pool as the API shows it and the database stores it. */
export type AllocationPool = { start: string; end: string }

function toCidr(cidr: Cidr | string): Cidr {
  const parsed = typeof cidr === 'string' ? parseCidr(cidr) : cidr
  if (!parsed) throw new TypeError(`not a CIDR: ${String(cidr)}`)
  return parsed
}

export function rangeToPool(range: IpRange): AllocationPool {
  const { version } = range
  return { start: formatIp({ version, value: range.first }), end: formatIp({ version, value: range.last }) }
}

/**
 * The gateway Neutron picks when gateway_ip is not given. For a subnet with an explicit cidr:
 * IPv4 network+1, IPv6 the network address itself (subnet-router anycast, Neutron since Ussuri).
 * For a subnet carved from a subnet pool: network+1 for both versions. null if network+1 overflows.
 */
export function defaultGatewayIp(cidr: Cidr | string, options: { fromSubnetPool?: boolean } = {}): string | null {
  const c = toCidr(cidr)
  const network = networkAddress(c)
  if (c.version === 6 && !options.fromSubnetPool) return formatIp({ version: 6, value: network })
  if (network + 1n > maxIpValue(c.version)) return null
  return formatIp({ version: c.version, value: network + 1n })
}

/** Neutron's usable span for pools: IPv4 skips network and broadcast unless /31 or /32; IPv6 skips the network address. */
function poolBounds(c: Cidr): IpRange {
  const { first, last } = cidrRange(c)
  if (c.version === 4) return c.prefixLength <= 30 ? { version: 4, first: first + 1n, last: last - 1n } : cidrRange(c)
  return { version: 6, first: first + 1n, last }
}

/**
 * ipam utils generate_pools: the default pools, as few ranges as possible around the gateway.
 * A single-address subnet (/32, /128) gets that address even when it is the gateway.
 */
export function generatePools(cidr: Cidr | string, gatewayIp: string | null): AllocationPool[] {
  const c = toCidr(cidr)
  const whole = cidrRange(c)
  if (whole.first === whole.last) return [rangeToPool(whole)]
  const bounds = poolBounds(c)
  const gateway = gatewayIp ? parseIp(gatewayIp, c.version) : undefined
  const cut = gateway ? [{ version: c.version, first: gateway.value, last: gateway.value }] : []
  return subtractRanges([bounds], cut).map(rangeToPool)
}

/** pools_to_ip_range: start fixes the version; a bad address, mixed versions or start > end are refused. */
export function poolsToRanges(pools: readonly AllocationPool[]): IpRange[] {
  return pools.map((pool) => {
    const start = typeof pool.start === 'string' ? parseIp(pool.start) : undefined
    const end = start && typeof pool.end === 'string' ? parseIp(pool.end, start.version) : undefined
    if (!start || !end || start.value > end.value) throw new InvalidAllocationPool(pythonDictRepr(pool))
    return { version: start.version, first: start.value, last: end.value }
  })
}

/**
 * validate_allocation_pools, in Neutron's order: version, bounds, then pairwise overlaps.
 * `subnetCidr` is the stored "network/prefix" text and appears verbatim in messages.
 */
export function checkPoolRanges(ranges: readonly IpRange[], subnetCidr: string): void {
  const c = toCidr(subnetCidr)
  const bounds = poolBounds(c)
  for (const range of ranges) {
    if (range.version !== c.version) throw new InvalidAllocationPool(formatRange(range))
    if (range.first < bounds.first || range.last > bounds.last) {
      throw new OutOfBoundsAllocationPool(formatRange(range), subnetCidr)
    }
  }
  for (const [i, left] of ranges.entries()) {
    for (const right of ranges.slice(i + 1)) {
      if (rangesOverlap(left, right)) {
        throw new OverlappingAllocationPools(formatRange(left), formatRange(right), subnetCidr)
      }
    }
  }
}

/** validate_gw_out_of_pools: 409 GatewayConflictWithAllocationPools naming the first pool holding it. */
export function checkGatewayOutOfPools(gatewayIp: string, ranges: readonly IpRange[]): void {
  const gateway = parseIp(gatewayIp)
  if (!gateway) return
  const hit = ranges.find((r) => rangeContains(r, gateway.version, gateway.value))
  if (hit) throw new GatewayConflictWithAllocationPools(gatewayIp, formatRange(hit))
}

/**
 * Pools for a new subnet with a cidr (_prepare_allocation_pools): generated when not given,
 * otherwise validated and then checked against the gateway. `null` or [] means no pools,
 * as Neutron's converter turns null into []. Result is sorted, as the subnet request stores it.
 */
export function prepareAllocationPools(args: {
  cidr: string
  gatewayIp: string | null
  allocationPools?: readonly AllocationPool[] | null
}): AllocationPool[] {
  if (args.allocationPools === undefined) return generatePools(args.cidr, args.gatewayIp)
  const ranges = poolsToRanges(args.allocationPools ?? [])
  checkPoolRanges(ranges, args.cidr)
  if (args.gatewayIp) checkGatewayOutOfPools(args.gatewayIp, ranges)
  return ranges.toSorted((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0)).map(rangeToPool)
}

/**
 * Pools after a subnet update (_update_subnet_precommit). Neutron never regenerates pools when the
 * gateway moves: it keeps the stored pools and refuses a gateway that falls inside one.
 * `gatewayIp`/`allocationPools` undefined = not in the request; gatewayIp null = remove the gateway.
 */
export function poolsAfterUpdate(args: {
  cidr: string
  currentGatewayIp: string | null
  currentPools: readonly AllocationPool[]
  gatewayIp?: string | null
  allocationPools?: readonly AllocationPool[] | null
}): AllocationPool[] {
  const newRanges = args.allocationPools === undefined ? undefined : poolsToRanges(args.allocationPools ?? [])
  if (newRanges) checkPoolRanges(newRanges, args.cidr)
  const gateway = args.gatewayIp === undefined ? args.currentGatewayIp : args.gatewayIp
  const gatewayChanged = !sameIp(gateway, args.currentGatewayIp)
  const ranges = newRanges ?? poolsToRanges(args.currentPools)
  if ((gatewayChanged || newRanges) && gateway) checkGatewayOutOfPools(gateway, ranges)
  return newRanges ? newRanges.map(rangeToPool) : [...args.currentPools]
}

function sameIp(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b
  const x = parseIp(a)
  const y = parseIp(b)
  return x && y ? x.version === y.version && x.value === y.value : a === b
}

/** True when the gateway is not inside the subnet. Neutron accepts that (an on-link gateway). */
export function isGatewayOutsideSubnet(cidr: Cidr | string, gatewayIp: string): boolean {
  const gateway = parseIp(gatewayIp)
  return !gateway || !cidrContains(toCidr(cidr), gateway)
}

/**
 * ipam utils check_gateway_invalid_in_subnet: an IPv4 gateway inside the subnet may not be its
 * first or last address (for /31 and /32 that is every address). IPv6 gateways are never refused.
 */
export function isGatewayInvalidInSubnet(cidr: Cidr | string, gatewayIp: string): boolean {
  const c = toCidr(cidr)
  const gateway = parseIp(gatewayIp)
  if (!gateway || !cidrContains(c, gateway) || c.version !== 4) return false
  return gateway.value === networkAddress(c) || gateway.value === lastAddress(c)
}

/** Pools as merged ranges of one version, for the allocator. */
export function poolRanges(pools: readonly AllocationPool[]): IpRange[] {
  return mergeRanges(poolsToRanges(pools))
}
