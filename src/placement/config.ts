import type { JsonSchema } from '../common/config/load-config.ts'

/** The `placement:` section of the configuration file (Placement's [placement] and [api] options). */
export type PlacementConfig = {
  port: number
  maxRequestBodyBytes: number
  /** Times an allocation write is retried after another writer bumped a provider's generation. */
  allocationConflictRetryCount: number
  /** Shuffle allocation candidates (and sample when a limit is given) instead of returning them in provider order. */
  randomizeAllocationCandidates: boolean
  /** Most candidates generated for one request before the limit is applied; -1 is unlimited. */
  maxAllocationCandidates: number
  /** Which tree's candidates come first when several trees qualify: one tree at a time, or round-robin. */
  allocationCandidatesGenerationStrategy: 'depth-first' | 'breadth-first'
  /** Project and user recorded for allocations written before microversion 1.8, which carry none. */
  incompleteConsumerProjectId: string
  incompleteConsumerUserId: string
}

const int = (d: number, description: string, minimum = 0): JsonSchema => ({ type: 'integer', default: d, minimum, description })
const incomplete = '00000000-0000-0000-0000-000000000000'

export const placementConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: int(8778, 'Port of the Placement API (OpenStack uses 8778).'),
    maxRequestBodyBytes: int(1048576, 'Largest JSON request body accepted (a reshaper or bulk allocation body can be large).', 1024),
    allocationConflictRetryCount: int(10, 'Retries of an allocation write that lost a provider generation race.', 1),
    randomizeAllocationCandidates: {
      type: 'boolean', default: false,
      description: 'Shuffle allocation candidates (and sample randomly under a limit) so schedulers spread load.',
    },
    maxAllocationCandidates: int(-1, 'Most allocation candidates generated per request, before the limit; -1 is unlimited.', -1),
    allocationCandidatesGenerationStrategy: {
      enum: ['depth-first', 'breadth-first'], default: 'depth-first',
      description: 'Candidate order across provider trees: all of one tree first, or one from each tree in turn.',
    },
    incompleteConsumerProjectId: { type: 'string', default: incomplete, description: 'Project of allocations written before microversion 1.8.' },
    incompleteConsumerUserId: { type: 'string', default: incomplete, description: 'User of allocations written before microversion 1.8.' },
  },
}
