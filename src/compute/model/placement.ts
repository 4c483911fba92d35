/**
 * @module What compute needs from the placement service, in compute's own terms; services.ts
 * adapts the placement client to it. Resource providers are compute nodes (same uuid).
 */
export type Resources = Record<string, number>

export type Candidate = {
  /** The compute node's resource provider. */
  provider: string
  /** The allocation to claim on this candidate: provider → resources. */
  allocation: Record<string, { resources: Resources }>
  /** Capacity and use per resource class of the provider, for weighing. */
  summary: Record<string, { capacity: number; used: number }>
}

export type ResourceClaims = {
  candidates(req: { resources: Resources; required?: string[]; forbidden?: string[]; memberOf?: string[][]; inTree?: string; limit?: number }): Promise<Candidate[]>
  /** Claims for a consumer; false when it lost a race for the capacity (try the next host). */
  claim(consumer: string, allocation: Candidate['allocation'], projectId: string, userId: string): Promise<boolean>
  release(consumer: string): Promise<void>
  /** Current allocation of a consumer (provider → resources). */
  allocationsOf(consumer: string): Promise<Candidate['allocation']>
  /**
   * Replaces several consumers' allocations in one atomic step (migrations: the instance's
   * allocation moves to the migration record, and the instance claims the destination).
   */
  move(changes: Array<{ consumer: string; allocation: Candidate['allocation']; projectId: string; userId: string }>): Promise<boolean>
  /** Creates or updates the provider of a compute node with its inventory. */
  ensureProvider(p: { uuid: string; name: string; inventories: Record<string, { total: number; reserved: number; allocation_ratio: number; max_unit: number }>; traits?: string[] }): Promise<void>
  /** The provider's placement aggregates; undefined when placement has no such provider. */
  aggregatesOf(provider: string): Promise<string[] | undefined>
  /**
   * Adds and removes placement aggregates of a provider and keeps its others, retrying when
   * another writer changed the provider meanwhile. 'missing' when placement has no such provider;
   * throws {@link ProviderUpdateConflict} when the writes kept conflicting, and on other failures.
   */
  changeAggregates(provider: string, change: { add?: string[]; remove?: string[] }): Promise<'changed' | 'unchanged' | 'missing'>
}

/** Placement refused a provider update again and again because others kept changing it (Nova's ResourceProviderUpdateConflict). */
export class ProviderUpdateConflict extends Error {
  override name = 'ProviderUpdateConflict'
  constructor(provider: string, options?: ErrorOptions) {
    super(`A conflict was encountered attempting to update resource provider ${provider}.`, options)
  }
}

/** The resources an instance of this flavor claims (DISK_GB only when its root disk is local). */
export function flavorResources(f: { vcpus: number; memory_mb: number; root_gb: number; ephemeral_gb: number; swap: number }, bootFromVolume: boolean): Resources {
  const disk = (bootFromVolume ? 0 : f.root_gb) + f.ephemeral_gb + Math.ceil(f.swap / 1024)
  const r: Resources = { VCPU: f.vcpus, MEMORY_MB: f.memory_mb }
  if (disk > 0) r.DISK_GB = disk
  return r
}
