/**
 * @module The type driver contract (Neutron's ML2 TypeDriver): what a network type (local, flat,
 * vlan, vxlan) decides about segments. Drivers never touch the database: they read and claim
 * segmentation ids through a {@link SegmentAllocations} store that the caller binds to its
 * transaction, so an allocation commits or rolls back with the network that holds it.
 */

/** A segment as asked for: by an admin (provider attributes) or as a driver's answer. */
export type SegmentRequest = {
  networkType: string
  /** null for types that have none (local, vxlan) or when the caller leaves the choice to the driver. */
  physicalNetwork: string | null
  /** null when the type has none (local, flat) or the caller leaves the choice to the driver. */
  segmentationId: number | null
}

/** A reserved segment: fully specified, with the largest MTU it allows (0: the type sets no limit). */
export type Segment = {
  networkType: string
  physicalNetwork: string | null
  segmentationId: number | null
  mtu: number
}

/**
 * Which segmentation ids are held, keyed by (network type, physical network, id). Presence means
 * taken; '' stands for "no physical network" (vxlan). Implementations: the database (one row per id,
 * the primary key settles races) and an in-memory map for tests.
 */
export interface SegmentAllocations {
  /** Ids of this type on this physical network that are held now. */
  taken(networkType: string, physicalNetwork: string): Promise<Set<number>>
  /** Takes the id; false when it is already held. May throw when a concurrent claim won a race the store cannot settle itself. */
  claim(networkType: string, physicalNetwork: string, segmentationId: number): Promise<boolean>
  /** Frees the id; succeeds when it was not held. */
  release(networkType: string, physicalNetwork: string, segmentationId: number): Promise<void>
}

export interface TypeDriver {
  readonly networkType: string
  /** Throws Neutron's 400 InvalidInput, in its words, when an admin's provider segment is unacceptable. Changes nothing. */
  validateProviderSegment(segment: SegmentRequest): void
  /** True when the request leaves the segmentation id (or physical network) to the driver. */
  isPartialSegment(segment: SegmentRequest): boolean
  /**
   * Reserves a validated provider segment: exactly the one asked for, or a free id when partial.
   * Throws 409 (VlanIdInUse, TunnelIdInUse, FlatNetworkInUse) when it is held, 503 NoNetworkAvailable
   * when a partial request finds nothing free.
   */
  reserveProviderSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<Segment>
  /** A segment for a project network from the configured ranges; undefined when this type has none free or offers none. */
  allocateTenantSegment(store: SegmentAllocations): Promise<Segment | undefined>
  /** Frees what the segment holds; succeeds when it holds nothing. */
  releaseSegment(store: SegmentAllocations, segment: SegmentRequest): Promise<void>
  /** Largest MTU a segment of this type on this physical network allows; 0 when the type sets no limit. */
  mtu(physicalNetwork: string | null): number
}
