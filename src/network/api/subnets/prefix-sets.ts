/** Set operations on lists of CIDRs that subnet-pool updates need (netaddr IPSet issubset, isdisjoint, difference). */
import { cidrRange, formatCidr, mergeRanges, parseCidr, rangeToBlocks, subtractRanges, type Cidr, type IpRange } from '../../ipam/index.ts'

const rangesOf = (cidrs: readonly string[]): IpRange[] => cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => !!c).map(cidrRange)

/** True when every address of `inner` lies in `outer`. */
export function prefixesCover(outer: readonly string[], inner: readonly string[]): boolean {
  return subtractRanges(rangesOf(inner), rangesOf(outer)).length === 0
}

/** True when the two lists share no address. */
export function prefixesDisjoint(a: readonly string[], b: readonly string[]): boolean {
  const rb = rangesOf(b)
  return rangesOf(a).every((x) => !rb.some((y) => x.version === y.version && x.first <= y.last && y.first <= x.last))
}

/** `prefixes` minus `removed`, as the fewest CIDRs in address order. */
export function removePrefixes(prefixes: readonly string[], removed: readonly string[]): string[] {
  const version = parseCidr(prefixes[0] ?? '')?.version
  if (!version) return []
  return mergeRanges(subtractRanges(rangesOf(prefixes), rangesOf(removed)))
    .flatMap((r) => rangeToBlocks(r).map((b) => formatCidr({ version, ip: b.network, prefixLength: b.prefixLength })))
}
