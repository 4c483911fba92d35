/**
 * The `flat` type: untagged traffic on a physical network, so at most one flat network per physical
 * network (the allocation row with id 0 says which). Flat networks are created by admins only.
 */
import { flatNetworkInUse, invalidInput } from '../errors.ts'
import type { Segment, SegmentAllocations, SegmentRequest, TypeDriver } from '../type-driver.ts'

export type FlatTypeConfig = {
  /** Physical networks flat networks may use; ['*'] allows any, [] disables flat networks. */
  flatNetworks: readonly string[]
  physnetMtu: number
}

export class FlatTypeDriver implements TypeDriver {
  readonly networkType = 'flat'
  readonly #allowed: ReadonlySet<string> | 'any'
  readonly #mtu: number

  constructor(config: FlatTypeConfig) {
    this.#allowed = config.flatNetworks.includes('*') ? 'any' : new Set(config.flatNetworks)
    this.#mtu = config.physnetMtu
  }

  validateProviderSegment(segment: SegmentRequest): void {
    const physnet = segment.physicalNetwork
    if (!physnet) throw invalidInput('physical_network required for flat provider network')
    if (this.#allowed !== 'any' && this.#allowed.size === 0) throw invalidInput('Flat provider networks are disabled')
    if (this.#allowed !== 'any' && !this.#allowed.has(physnet)) throw invalidInput(`physical_network '${physnet}' unknown for flat provider network`)
    if (segment.segmentationId) throw invalidInput('segmentation_id prohibited for flat provider network')
  }

  isPartialSegment(): boolean {
    return false
  }

  async reserveProviderSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<Segment> {
    const physnet = segment.physicalNetwork!
    if (!(await store.claim('flat', physnet, 0))) throw flatNetworkInUse(physnet)
    return { networkType: 'flat', physicalNetwork: physnet, segmentationId: null, mtu: this.#mtu }
  }

  /** Project networks are never flat. */
  async allocateTenantSegment(): Promise<undefined> {
    return undefined
  }

  async releaseSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<void> {
    if (segment.physicalNetwork) await store.release('flat', segment.physicalNetwork, 0)
  }

  mtu(): number {
    return this.#mtu
  }
}
