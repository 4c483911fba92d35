/**
 * The `vlan` type: 802.1Q tags on a physical network. Physical networks and their tenant ranges come
 * from network_vlan_ranges; an admin may use any tag 1-4094 on a known physical network.
 */
import { invalidInput, noNetworkAvailable, vlanIdInUse } from '../errors.ts'
import { claimFreeId, VLAN_MAX, VLAN_MIN, type IdRange } from '../ranges.ts'
import type { Segment, SegmentAllocations, SegmentRequest, TypeDriver } from '../type-driver.ts'

export type VlanTypeConfig = {
  /** Physical network → tenant ranges (empty: provider networks only), from parseVlanRanges(). */
  ranges: ReadonlyMap<string, readonly IdRange[]>
  physnetMtu: number
}

export class VlanTypeDriver implements TypeDriver {
  readonly networkType = 'vlan'
  readonly #ranges: ReadonlyMap<string, readonly IdRange[]>
  readonly #mtu: number

  constructor(config: VlanTypeConfig) {
    this.#ranges = config.ranges
    this.#mtu = config.physnetMtu
  }

  validateProviderSegment(segment: SegmentRequest): void {
    const { physicalNetwork: physnet, segmentationId: id } = segment
    if (physnet) {
      if (!this.#ranges.has(physnet)) throw invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`)
      if (id !== null && (id < VLAN_MIN || id > VLAN_MAX)) {
        throw invalidInput(`segmentation_id out of range (${VLAN_MIN} through ${VLAN_MAX})`)
      }
    } else if (id !== null) {
      throw invalidInput('segmentation_id requires physical_network for VLAN provider network')
    }
  }

  isPartialSegment(segment: SegmentRequest): boolean {
    return segment.segmentationId === null
  }

  async reserveProviderSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<Segment> {
    const { physicalNetwork: physnet, segmentationId: id } = segment
    if (physnet && id !== null) {
      if (!(await store.claim('vlan', physnet, id))) throw vlanIdInUse(id, physnet)
      return this.#segment(physnet, id)
    }
    const found = physnet ? await this.#allocateOn(store, physnet) : await this.allocateTenantSegment(store)
    if (!found) throw noNetworkAvailable()
    return found
  }

  async allocateTenantSegment(store: SegmentAllocations): Promise<Segment | undefined> {
    for (const physnet of this.#ranges.keys()) {
      const found = await this.#allocateOn(store, physnet)
      if (found) return found
    }
    return undefined
  }

  async releaseSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<void> {
    if (segment.physicalNetwork && segment.segmentationId !== null) {
      await store.release('vlan', segment.physicalNetwork, segment.segmentationId)
    }
  }

  mtu(): number {
    return this.#mtu
  }

  async #allocateOn(store: SegmentAllocations, physnet: string): Promise<Segment | undefined> {
    const id = await claimFreeId(store, 'vlan', physnet, this.#ranges.get(physnet) ?? [])
    return id === undefined ? undefined : this.#segment(physnet, id)
  }

  #segment(physnet: string, id: number): Segment {
    return { networkType: 'vlan', physicalNetwork: physnet, segmentationId: id, mtu: this.#mtu }
  }
}
