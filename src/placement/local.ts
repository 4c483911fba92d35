/**
 * @module Placement offered in-process to the services that run beside it (`nubis up`): the
 * allocation-candidates query, answered from the same code and the same in-memory provider index
 * as GET /allocation_candidates, at the microversion compute asks for, but without the HTTP round
 * trip and the JSON of a thousand candidates each way. Writes (claims, moves, providers) still go
 * through the API. Errors are the HTTP client's, with the same status and message.
 */
import { CloudError } from '../common/errors.ts'
import type { PlacementDeps } from './api/context.ts'
import { allocationCandidatesFor } from './api/handlers/allocation-candidates.ts'
import { candidateSearchParams, PLACEMENT_VERSION, withRoots, type AllocationCandidates, type CandidateQuery } from './candidate-query.ts'
import { PlacementRequestError } from './client.ts'
import { placementErrorBody } from './errors.ts'

/** The name placement offers itself under in {@link LocalServices}. */
export const LOCAL_PLACEMENT = 'placement'

export type LocalPlacement = {
  /** As the client's allocationCandidates, answered in this process. */
  allocationCandidates(query: CandidateQuery): Promise<AllocationCandidates>
}

const MINOR = Number(PLACEMENT_VERSION.split('.')[1])

export function createLocalPlacement(deps: PlacementDeps): LocalPlacement {
  return {
    async allocationCandidates(query) {
      const q = candidateSearchParams(query)
      try {
        // At compute's microversion every field of the client's types is present.
        return withRoots(await allocationCandidatesFor(deps, { query: q, ctx: { minor: MINOR } }) as Parameters<typeof withRoots>[0])
      } catch (err) {
        if (err instanceof CloudError) throw new PlacementRequestError('GET', `/allocation_candidates?${q}`, err.status, placementErrorBody(err))
        throw err
      }
    },
  }
}
