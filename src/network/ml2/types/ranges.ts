/** Segmentation id ranges from configuration (network_vlan_ranges, vni_ranges) and picking a free id in them. */
import { ConfigError } from '../../../common/errors.ts'
import type { SegmentAllocations } from './type-driver.ts'

export type IdRange = readonly [min: number, max: number]

export const VLAN_MIN = 1
export const VLAN_MAX = 4094
export const VNI_MIN = 1
export const VNI_MAX = 2 ** 24 - 1

function parseBound(text: string, entry: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ConfigError(`Invalid ${what} range '${entry}': '${text.trim()}' is not an integer`)
  return Number(text)
}

function checkRange(r: IdRange, min: number, max: number, entry: string, what: string): void {
  for (const id of r) {
    if (id < min || id > max) throw new ConfigError(`Invalid ${what} range '${entry}': ${id} is not a valid ${what} identifier (${min}-${max})`)
  }
  if (r[1] < r[0]) throw new ConfigError(`Invalid ${what} range '${entry}': end is less than start`)
}

/**
 * `physnet` (provider networks only) or `physnet:min:max` entries, as Neutron's network_vlan_ranges.
 * A physical network may appear several times; its ranges add up.
 */
export function parseVlanRanges(entries: readonly string[]): Map<string, IdRange[]> {
  const out = new Map<string, IdRange[]>()
  for (const raw of entries) {
    const entry = raw.trim()
    const parts = entry.split(':')
    if (parts.length !== 1 && parts.length !== 3) throw new ConfigError(`Invalid VLAN range '${entry}': need exactly two values for VLAN range`)
    const physnet = parts[0].trim()
    if (!physnet) throw new ConfigError(`Invalid VLAN range '${entry}': the physical network name is empty`)
    const ranges = out.get(physnet) ?? []
    out.set(physnet, ranges)
    if (parts.length === 3) {
      const r: IdRange = [parseBound(parts[1], entry, 'VLAN'), parseBound(parts[2], entry, 'VLAN')]
      checkRange(r, VLAN_MIN, VLAN_MAX, entry, 'VLAN')
      ranges.push(r)
    }
  }
  return out
}

/** `min:max` entries, as Neutron's vni_ranges. */
export function parseTunnelRanges(entries: readonly string[], min: number, max: number, what: string): IdRange[] {
  return entries.map((raw) => {
    const entry = raw.trim()
    const parts = entry.split(':')
    if (parts.length !== 2) throw new ConfigError(`Invalid ${what} range '${entry}': expected min:max`)
    const r: IdRange = [parseBound(parts[0], entry, what), parseBound(parts[1], entry, what)]
    checkRange(r, min, max, entry, what)
    return r
  })
}

/** How many free candidates to choose among, so that concurrent creators rarely pick the same id (Neutron does the same). */
const CANDIDATES = 64

/** A free id inside `ranges`, chosen at random among the first few free ones; undefined when all are taken. */
export function pickFreeId(ranges: readonly IdRange[], taken: ReadonlySet<number>, random: () => number = Math.random): number | undefined {
  const free: number[] = []
  for (const [lo, hi] of ranges) {
    for (let id = lo; id <= hi && free.length < CANDIDATES; id++) if (!taken.has(id)) free.push(id)
    if (free.length >= CANDIDATES) break
  }
  if (!free.length) return undefined
  return free[Math.floor(random() * free.length)]
}

/**
 * Claims a free id of `ranges` on `physicalNetwork` ('' for none); undefined when none is free. A
 * claim lost to a concurrent creator is retried with a fresh view a few times.
 */
export async function claimFreeId(
  store: SegmentAllocations, networkType: string, physicalNetwork: string, ranges: readonly IdRange[],
): Promise<number | undefined> {
  if (!ranges.length) return undefined
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = pickFreeId(ranges, await store.taken(networkType, physicalNetwork))
    if (id === undefined) return undefined
    if (await store.claim(networkType, physicalNetwork, id)) return id
  }
  return undefined
}
