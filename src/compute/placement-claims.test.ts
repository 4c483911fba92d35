import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AllocationCandidates, CandidateQuery } from '../placement/client.ts'
import type { LocalPlacement } from '../placement/local.ts'
import { placementClaims } from './placement-claims.ts'

const answer: AllocationCandidates = {
  providers: ['rp-1'],
  allocation_requests: [{ allocations: { 'rp-1': { resources: { VCPU: 1, MEMORY_MB: 64 } } } }],
  provider_summaries: {
    'rp-1': { resources: { VCPU: { capacity: 8, used: 2 }, MEMORY_MB: { capacity: 1024, used: 0 } }, traits: [], parent_provider_uuid: null, root_provider_uuid: 'rp-1' },
  },
}

test('candidates come from placement in this process when it offers itself, and over HTTP when it does not', async () => {
  const asked: CandidateQuery[] = []
  let offered: LocalPlacement | undefined = { async allocationCandidates(q) { asked.push(q); return answer } }
  // Nothing listens at this URL: a query that went over HTTP fails.
  const claims = placementClaims('http://127.0.0.1:9', async () => 'token', () => offered)
  const got = await claims.candidates({ resources: { VCPU: 1, MEMORY_MB: 64 }, required: ['CUSTOM_A'], limit: 5 })
  assert.deepEqual(asked, [{ resources: { VCPU: 1, MEMORY_MB: 64 }, required: ['CUSTOM_A'], forbidden: undefined, memberOf: undefined, limit: 5 }])
  assert.deepEqual(got, [{ provider: 'rp-1', allocation: answer.allocation_requests[0].allocations, summary: { VCPU: { capacity: 8, used: 2 }, MEMORY_MB: { capacity: 1024, used: 0 } } }])
  offered = undefined
  await assert.rejects(claims.candidates({ resources: { VCPU: 1 } }), /ECONNREFUSED/)
})
