/** The `local` type: a segment that connects ports on one host only; it holds no ids and sets no MTU. */
import { invalidInput } from '../errors.ts'
import type { Segment, SegmentAllocations, SegmentRequest, TypeDriver } from '../type-driver.ts'

const LOCAL: Segment = { networkType: 'local', physicalNetwork: null, segmentationId: null, mtu: 0 }

export class LocalTypeDriver implements TypeDriver {
  readonly networkType = 'local'

  validateProviderSegment(segment: SegmentRequest): void {
    if (segment.physicalNetwork) throw invalidInput('physical_network prohibited for local provider network')
    if (segment.segmentationId) throw invalidInput('segmentation_id prohibited for local provider network')
  }

  isPartialSegment(): boolean {
    return false
  }

  async reserveProviderSegment(_store: SegmentAllocations, _segment: SegmentRequest): Promise<Segment> {
    return { ...LOCAL }
  }

  async allocateTenantSegment(_store: SegmentAllocations): Promise<Segment> {
    return { ...LOCAL }
  }

  async releaseSegment(): Promise<void> {
    // Nothing was held.
  }

  mtu(): number {
    return 0
  }
}
