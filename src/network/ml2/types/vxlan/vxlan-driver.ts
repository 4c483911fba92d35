/**
 * The `vxlan` type: an overlay with 24-bit ids (VNIs) from vni_ranges for project networks. Its MTU
 * is the physical MTU less 50 bytes of encapsulation (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14).
 */
import { invalidInput, noNetworkAvailable, tunnelIdInUse } from '../errors.ts'
import { claimFreeId, VNI_MAX, VNI_MIN, type IdRange } from '../ranges.ts'
import type { Segment, SegmentAllocations, SegmentRequest, TypeDriver } from '../type-driver.ts'

export const VXLAN_OVERHEAD = 50

export type VxlanTypeConfig = {
  ranges: readonly IdRange[]
  physnetMtu: number
}

export class VxlanTypeDriver implements TypeDriver {
  readonly networkType = 'vxlan'
  readonly #ranges: readonly IdRange[]
  readonly #mtu: number

  constructor(config: VxlanTypeConfig) {
    this.#ranges = config.ranges
    this.#mtu = config.physnetMtu > 0 ? config.physnetMtu - VXLAN_OVERHEAD : 0
  }

  validateProviderSegment(segment: SegmentRequest): void {
    if (segment.physicalNetwork) throw invalidInput('provider:physical_network specified for vxlan network')
    const id = segment.segmentationId
    // Neutron leaves the range unchecked; an id outside 24 bits could never be put on the wire.
    if (id !== null && (id < VNI_MIN || id > VNI_MAX)) throw invalidInput(`segmentation_id out of range (${VNI_MIN} through ${VNI_MAX})`)
  }

  isPartialSegment(segment: SegmentRequest): boolean {
    return segment.segmentationId === null
  }

  async reserveProviderSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<Segment> {
    const id = segment.segmentationId
    if (id === null) {
      const found = await this.allocateTenantSegment(store)
      if (!found) throw noNetworkAvailable()
      return found
    }
    if (!(await store.claim('vxlan', '', id))) throw tunnelIdInUse(id)
    return this.#segment(id)
  }

  async allocateTenantSegment(store: SegmentAllocations): Promise<Segment | undefined> {
    const id = await claimFreeId(store, 'vxlan', '', this.#ranges)
    return id === undefined ? undefined : this.#segment(id)
  }

  async releaseSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<void> {
    if (segment.segmentationId !== null) await store.release('vxlan', '', segment.segmentationId)
  }

  mtu(): number {
    return this.#mtu
  }

  #segment(id: number): Segment {
    return { networkType: 'vxlan', physicalNetwork: null, segmentationId: id, mtu: this.#mtu }
  }
}
