/** Inclusive address ranges (netaddr's IPRange and the bits of IPSet that IPAM needs). */
import { formatIp, ipBits, type IpVersion } from './ip-address.ts'

export type IpRange = { readonly version: IpVersion; readonly first: bigint; readonly last: bigint }

/** netaddr str(IPRange): "first-last". */
export function formatRange(range: IpRange): string {
  const { version } = range
  return `${formatIp({ version, value: range.first })}-${formatIp({ version, value: range.last })}`
}

export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last
}

export function rangeContains(range: IpRange, version: IpVersion, value: bigint): boolean {
  return range.version === version && range.first <= value && value <= range.last
}

/** Sorted, with overlapping and adjacent ranges joined (IPSet.iter_ipranges). All of one version. */
export function mergeRanges(ranges: readonly IpRange[]): IpRange[] {
  const sorted = ranges.toSorted((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
  const merged: IpRange[] = []
  for (const r of sorted) {
    const prev = merged.at(-1)
    if (prev && r.first <= prev.last + 1n) {
      if (r.last > prev.last) merged[merged.length - 1] = { ...prev, last: r.last }
    } else {
      merged.push(r)
    }
  }
  return merged
}

/** Set difference base - removed, as merged ranges. */
export function subtractRanges(base: readonly IpRange[], removed: readonly IpRange[]): IpRange[] {
  const cuts = mergeRanges(removed)
  const out: IpRange[] = []
  for (const range of mergeRanges(base)) {
    let first = range.first
    for (const cut of cuts) {
      if (cut.last < first || cut.first > range.last) continue
      if (cut.first > first) out.push({ version: range.version, first, last: cut.first - 1n })
      first = cut.last + 1n
      if (first > range.last) break
    }
    if (first <= range.last) out.push({ version: range.version, first, last: range.last })
  }
  return out
}

/** The fewest aligned CIDR blocks covering a range, in address order: [network, prefixLength][]. */
export function rangeToBlocks(range: IpRange): Array<{ network: bigint; prefixLength: number }> {
  const bits = ipBits(range.version)
  const blocks: Array<{ network: bigint; prefixLength: number }> = []
  let start = range.first
  while (start <= range.last) {
    let hostBits = 0
    while (hostBits < bits) {
      const size = 1n << BigInt(hostBits + 1)
      if (start % size !== 0n || start + size - 1n > range.last) break
      hostBits++
    }
    blocks.push({ network: start, prefixLength: bits - hostBits })
    start += 1n << BigInt(hostBits)
  }
  return blocks
}
