/**
 * Free-address selection inside a subnet's allocation pools. The used addresses are sorted once
 * and turned into the pools' free gaps; a pick then looks at the first gaps only, never the whole
 * range, so a /16 with 60k used stays cheap and an IPv6 /64 is fine. Nothing is reserved: the
 * caller inserts the address under a unique constraint and, on a conflict, calls markTaken() and
 * asks again.
 */
import { poolsToRanges, type AllocationPool } from './allocation-pools.ts'
import { cidrContains, parseCidr } from './cidr.ts'
import { formatIp, parseIp, parseIpv4Number, type IpVersion } from './ip-address.ts'
import { rangeContains, type IpRange } from './ip-range.ts'

export type AllocatorOptions = {
  /**
   * 'random' (default) picks uniformly among the first `window` free addresses of the first pool
   * with room, as Neutron's DB IPAM driver does. 'first' takes the lowest free address, which is
   * what Neutron does for DHCP and distributed ports.
   */
  strategy?: 'random' | 'first'
  /** Neutron's MAX_WIN. */
  window?: number
  /** Returns [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * Sorted used addresses inside [base, top], as offsets from base. Spans under 2^53 (all of IPv4)
 * use a Float64Array: native sort, no BigInt per address, which matters at tens of thousands.
 */
type SortedOffsets = { kind: 'number'; values: Float64Array } | { kind: 'bigint'; values: BigUint64Array | bigint[] }

function sortedOffsets(used: Iterable<string>, version: IpVersion, base: bigint, top: bigint): SortedOffsets {
  if (top - base < 2n ** 53n) {
    const offsets: number[] = []
    const lo = version === 4 ? Number(base) : 0
    const hi = version === 4 ? Number(top) : 0
    for (const text of used) {
      if (version === 4) {
        const n = parseIpv4Number(text)
        if (n !== undefined && n >= lo && n <= hi) offsets.push(n - lo)
      } else {
        const ip = parseIp(text, 6)
        if (ip && ip.value >= base && ip.value <= top) offsets.push(Number(ip.value - base))
      }
    }
    return { kind: 'number', values: Float64Array.from(offsets).sort() }
  }
  const offsets: bigint[] = []
  for (const text of used) {
    const ip = parseIp(text, version)
    if (ip && ip.value >= base && ip.value <= top) offsets.push(ip.value - base)
  }
  if (top - base < 2n ** 64n) return { kind: 'bigint', values: BigUint64Array.from(offsets).sort() }
  return { kind: 'bigint', values: offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) }
}

function lowerBound<T extends number | bigint>(sorted: ArrayLike<T>, value: T): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The free stretches of one pool, walking only the used addresses inside it. */
function gapsIn(pool: IpRange, used: SortedOffsets, base: bigint): IpRange[] {
  const gaps: IpRange[] = []
  const gap = (first: bigint, last: bigint) => gaps.push({ version: pool.version, first, last })
  if (used.kind === 'number') {
    const values = used.values
    const first = Number(pool.first - base)
    const last = Number(pool.last - base)
    let cursor = first
    for (let i = lowerBound(values, first); i < values.length && values[i]! <= last; i++) {
      const value = values[i]!
      if (value > cursor) gap(base + BigInt(cursor), base + BigInt(value - 1))
      if (value >= cursor) cursor = value + 1
    }
    if (cursor <= last) gap(base + BigInt(cursor), pool.last)
    return gaps
  }
  const values = used.values
  let cursor = pool.first
  for (let i = lowerBound<bigint>(values, pool.first - base); i < values.length; i++) {
    const value = values[i]! + base
    if (value > pool.last) break
    if (value > cursor) gap(cursor, value - 1n)
    if (value >= cursor) cursor = value + 1n
  }
  if (cursor <= pool.last) gap(cursor, pool.last)
  return gaps
}

export class AddressAllocator {
  readonly #version: IpVersion | undefined
  /** Free gaps per pool, each list sorted, pools in their given order (Neutron walks them in stored order). */
  readonly #gaps: IpRange[][]
  readonly #options: Required<AllocatorOptions>

  /** `used`: addresses already allocated on the subnet, any order; other-version entries are ignored. */
  constructor(pools: readonly AllocationPool[], used: Iterable<string>, options: AllocatorOptions = {}) {
    const ranges = poolsToRanges(pools)
    this.#version = ranges[0]?.version
    this.#options = { strategy: 'random', window: 1000, random: Math.random, ...options }
    if (!this.#version) {
      this.#gaps = []
      return
    }
    const base = ranges.reduce((lo, r) => (r.first < lo ? r.first : lo), ranges[0]!.first)
    const top = ranges.reduce((hi, r) => (r.last > hi ? r.last : hi), ranges[0]!.last)
    const sorted = sortedOffsets(used, this.#version, base, top)
    this.#gaps = ranges.map((pool) => gapsIn(pool, sorted, base))
  }

  /** The next address to try, or undefined when every pool is full (raise IpAddressGenerationFailure). */
  next(): string | undefined {
    const version = this.#version
    if (version === undefined) return undefined
    const window = BigInt(this.#options.strategy === 'first' ? 1 : Math.max(1, Math.floor(this.#options.window)))
    for (const gaps of this.#gaps) {
      // The first `window` free addresses of this pool, without listing them.
      let count = 0n
      for (const gap of gaps) {
        count += gap.last - gap.first + 1n
        if (count >= window) break
      }
      if (count === 0n) continue
      if (count > window) count = window
      let k = BigInt(Math.min(Math.floor(this.#options.random() * Number(count)), Number(count) - 1))
      for (const gap of gaps) {
        const size = gap.last - gap.first + 1n
        if (k < size) return formatIp({ version, value: gap.first + k })
        k -= size
      }
    }
    return undefined
  }

  /** Take this address out of the free space: it was just allocated, by someone else or by us. */
  markTaken(ip: string): void {
    const parsed = this.#version && parseIp(ip, this.#version)
    if (!parsed) return
    const value = parsed.value
    for (const gaps of this.#gaps) {
      let lo = 0
      let hi = gaps.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (gaps[mid]!.last < value) lo = mid + 1
        else hi = mid
      }
      const gap = gaps[lo]
      if (!gap || gap.first > value) continue
      const pieces: IpRange[] = []
      if (gap.first < value) pieces.push({ ...gap, last: value - 1n })
      if (value < gap.last) pieces.push({ ...gap, first: value + 1n })
      gaps.splice(lo, 1, ...pieces)
    }
  }

  /** Free addresses left in the pools, without enumerating them. */
  freeCount(): bigint {
    return this.#gaps.flat().reduce((sum, g) => sum + g.last - g.first + 1n, 0n)
  }
}

/** One pick with a fresh allocator; use AddressAllocator directly for retries or several picks. */
export function pickFreeAddress(
  pools: readonly AllocationPool[],
  used: Iterable<string>,
  options?: AllocatorOptions,
): string | undefined {
  return new AddressAllocator(pools, used, options).next()
}

/** Whether an address lies in one of the pools. Neutron lets a fixed IP outside the pools through. */
export function isInPools(ip: string, pools: readonly AllocationPool[]): boolean {
  const parsed = parseIp(ip)
  return !!parsed && poolsToRanges(pools).some((r) => rangeContains(r, parsed.version, parsed.value))
}

export function isInCidr(ip: string, cidr: string): boolean {
  const parsed = parseIp(ip)
  const net = parseCidr(cidr)
  return !!parsed && !!net && cidrContains(net, parsed)
}
