/**
 * Placement in the scheduler's process (`nubis up`): the allocation-candidates query answered
 * directly must be the answer GET /allocation_candidates gives over HTTP, for every kind of query
 * the scheduler asks, errors included, and must see each write the moment it is answered.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPlacementClient, PlacementRequestError, type CandidateQuery, type PlacementClient } from '../../../src/placement/client.ts'
import { LOCAL_PLACEMENT, type LocalPlacement } from '../../../src/placement/local.ts'
import { consumer, provider, startPlacementCloud, type PlacementCloud } from './support.ts'

describe('placement offered in-process', () => {
  let pc: PlacementCloud
  let http: PlacementClient
  let local: LocalPlacement
  const hosts: Record<string, string> = {}
  const AGG = 'a8b7c6d5-0000-4000-8000-00000000aa01'
  before(async () => {
    pc = await startPlacementCloud()
    const token = (await pc.cloud.admin()).token!
    http = createPlacementClient({ url: pc.cloud.urls.placement, token: async () => token })
    local = pc.cloud.local.find<LocalPlacement>(LOCAL_PLACEMENT)!
    const api = pc.at()
    const inv = { VCPU: { total: 8 }, MEMORY_MB: { total: 4096 }, DISK_GB: { total: 100 } }
    hosts.plain = await provider(api, 'ip-plain', inv)
    hosts.fast = await provider(api, 'ip-fast', inv, { traits: ['CUSTOM_FAST', 'HW_CPU_X86_AVX2'] })
    hosts.grouped = await provider(api, 'ip-grouped', inv, { aggregates: [AGG] })
    hosts.full = await provider(api, 'ip-full', { VCPU: { total: 1, reserved: 1 }, MEMORY_MB: { total: 4096 } })
    // A nested tree: VCPU and memory on the root, disk on a child.
    hosts.root = await provider(api, 'ip-root', { VCPU: { total: 4 }, MEMORY_MB: { total: 2048 } })
    hosts.child = await provider(api, 'ip-child', { DISK_GB: { total: 50 } }, { parent: hosts.root })
  })
  after(async () => { await pc.stop() })

  test('placement offers itself to the services of its process', () => {
    assert.ok(local, 'the placement service offered an in-process interface')
  })

  const queries: Array<[string, CandidateQuery]> = [
    ['plain', { resources: { VCPU: 1, MEMORY_MB: 128 } }],
    ['with disk (the nested tree spreads over root and child)', { resources: { VCPU: 1, MEMORY_MB: 128, DISK_GB: 10 } }],
    ['required traits', { resources: { VCPU: 1 }, required: ['CUSTOM_FAST'] }],
    ['any-of traits', { resources: { VCPU: 1 }, required: [['CUSTOM_FAST', 'HW_CPU_X86_SSE']] }],
    ['forbidden trait', { resources: { VCPU: 1 }, forbidden: ['CUSTOM_FAST'] }],
    ['member of an aggregate', { resources: { VCPU: 1 }, memberOf: [[AGG]] }],
    ['limit', { resources: { VCPU: 1 }, limit: 2 }],
    ['nothing fits', { resources: { VCPU: 100 } }],
  ]
  for (const [what, query] of queries) {
    test(`the same answer as over HTTP: ${what}`, async () => {
      const [direct, viaHttp] = [await local.allocationCandidates(query), await http.allocationCandidates(query)]
      assert.deepEqual(direct, viaHttp)
      if (what === 'nothing fits') assert.equal(direct.allocation_requests.length, 0)
      else assert.ok(direct.allocation_requests.length > 0, 'some candidates, so the comparison means something')
    })
  }

  test('in_tree gives only the tree of that provider', async () => {
    const q: CandidateQuery = { resources: { VCPU: 1, DISK_GB: 1 }, inTree: hosts.child }
    const direct = await local.allocationCandidates(q)
    assert.deepEqual(direct, await http.allocationCandidates(q))
    assert.deepEqual(direct.providers, [hosts.root])
  })

  test('a bad query fails as it fails over HTTP: same error, same status and message', async () => {
    const q: CandidateQuery = { resources: { CUSTOM_NO_SUCH_CLASS: 1 } }
    const errorOf = async (p: Promise<unknown>) => {
      try {
        await p
      } catch (err) {
        return err
      }
      assert.fail('expected the query to fail')
    }
    const [direct, viaHttp] = [await errorOf(local.allocationCandidates(q)), await errorOf(http.allocationCandidates(q))]
    assert.ok(direct instanceof PlacementRequestError && viaHttp instanceof PlacementRequestError)
    assert.equal(direct.status, 400)
    assert.equal(direct.status, viaHttp.status)
    assert.equal(direct.message, viaHttp.message)
    assert.match(direct.message, /CUSTOM_NO_SUCH_CLASS/)
  })

  test('a claim over HTTP shows in the next direct answer, and so does its release', async () => {
    const q: CandidateQuery = { resources: { VCPU: 1, MEMORY_MB: 128 } }
    const usedVcpu = async () => (await local.allocationCandidates(q)).provider_summaries[hosts.plain].resources.VCPU.used
    const before = await usedVcpu()
    const c = consumer()
    assert.equal(await http.claim(c, { allocations: { [hosts.plain]: { resources: { VCPU: 3, MEMORY_MB: 128 } } }, projectId: 'p', userId: 'u' }), true)
    assert.equal(await usedVcpu(), before + 3)
    await http.deleteAllocations(c)
    assert.equal(await usedVcpu(), before)
  })
})
