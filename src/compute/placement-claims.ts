/**
 * @module Compute's {@link ResourceClaims} over the placement service's client: allocation
 * candidates for the scheduler, claims and moves of allocations for the conductor, and the
 * resource provider of each compute node for the agents. All with compute's service token.
 */
import { createPlacementClient, PlacementRequestError } from '../placement/client.ts'
import type { LocalPlacement } from '../placement/local.ts'
import { ProviderUpdateConflict, type Candidate, type ResourceClaims } from './model/placement.ts'

/**
 * `local`, when given, is asked on each candidates query for placement running in this process;
 * when it answers one, the query is put to it directly instead of over HTTP.
 */
export function placementClaims(url: string, token: () => Promise<string>, local?: () => LocalPlacement | undefined): ResourceClaims {
  const placement = createPlacementClient({ url, token })
  return {
    async candidates({ resources, required, forbidden, memberOf, limit }) {
      const res = await (local?.() ?? placement).allocationCandidates({ resources, required, forbidden, memberOf, limit })
      const out: Candidate[] = []
      // A plain loop: under Nova's default this runs for 1,000 candidates per scheduling request.
      for (const req of res.allocation_requests) {
        let provider: string | undefined
        for (const p in req.allocations) {
          provider ??= p
          // One compute node per candidate (no nested providers yet): the node is the provider holding VCPU.
          if ('VCPU' in req.allocations[p].resources) {
            provider = p
            break
          }
        }
        if (provider === undefined) continue
        const summary: Candidate['summary'] = {}
        const resources = (res.provider_summaries[provider]?.resources ?? {}) as Record<string, { capacity: unknown; used: unknown }>
        for (const rc in resources) summary[rc] = { capacity: Number(resources[rc].capacity), used: Number(resources[rc].used) }
        out.push({ provider, allocation: req.allocations, summary })
      }
      return out
    },
    claim: (consumer, allocation, projectId, userId) => placement.claim(consumer, { allocations: allocation, projectId, userId }),
    release: (consumer) => placement.deleteAllocations(consumer),
    async allocationsOf(consumer) {
      return (await placement.getAllocations(consumer)).allocations
    },
    move: (changes) => placement.moveAllocations(Object.fromEntries(changes.map((c) => [c.consumer, {
      allocations: c.allocation, project_id: c.projectId, user_id: c.userId,
    }]))),
    ensureProvider: (p) => placement.ensureProvider(p),
    aggregatesOf: (provider) => placement.providerAggregates(provider),
    async changeAggregates(provider, change) {
      try {
        const res = await placement.changeProviderAggregates(provider, change)
        return !res ? 'missing' : res.changed ? 'changed' : 'unchanged'
      } catch (err) {
        if (err instanceof PlacementRequestError && err.status === 409) throw new ProviderUpdateConflict(provider, { cause: err })
        throw err
      }
    },
  }
}
