/** Placement: GET /allocation_candidates over flat and nested providers, with traits, aggregates, trees, groups and limits. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { consumer, placementError, provider, startPlacementCloud, versioned, type PlacementCloud } from './support.ts'

describe('placement allocation candidates', () => {
  let pc: PlacementCloud
  let hosts: Record<string, string>
  const agg = randomUUID()
  before(async () => {
    pc = await startPlacementCloud()
    const api = pc.at()
    const compute = { VCPU: { total: 4 }, MEMORY_MB: { total: 2048 }, DISK_GB: { total: 100 } }
    hosts = {
      a: await provider(api, 'cand-a', compute, { traits: ['HW_CPU_X86_AVX2'], aggregates: [agg] }),
      b: await provider(api, 'cand-b', compute, { traits: ['CUSTOM_SLOW'] }),
      c: await provider(api, 'cand-c', { ...compute, VCPU: { total: 1 } }),
    }
  })
  after(async () => { await pc.stop() })

  const roots = (body: any) => body.allocation_requests.map((r: any) => Object.keys(r.allocations)[0])
  const names = (body: any) => roots(body).map((u: string) => Object.entries(hosts).find(([, v]) => v === u)?.[0] ?? u).sort()

  test('hosts with room, with summaries of capacity and use', async () => {
    const api = pc.at()
    const res = await api.get('/allocation_candidates?resources=VCPU:2,MEMORY_MB:512')
    assert.equal(res.status, 200)
    assert.deepEqual(names(res.body), ['a', 'b'])
    const req = res.body.allocation_requests.find((r: any) => r.allocations[hosts.a])
    assert.deepEqual(req, { allocations: { [hosts.a]: { resources: { VCPU: 2, MEMORY_MB: 512 } } }, mappings: { '': [hosts.a] } })
    const sum = res.body.provider_summaries[hosts.a]
    assert.deepEqual(sum.resources.VCPU, { capacity: 4, used: 0 })
    assert.deepEqual(sum.resources.DISK_GB, { capacity: 100, used: 0 })
    assert.deepEqual(sum.traits, ['HW_CPU_X86_AVX2'])
    assert.equal(sum.root_provider_uuid, hosts.a)
    // Use counts: fill b, and it drops out.
    const c = consumer()
    assert.equal((await api.put(`/allocations/${c}`, {
      allocations: { [hosts.b]: { resources: { VCPU: 3 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE',
    })).status, 204)
    const after = await api.get('/allocation_candidates?resources=VCPU:2')
    assert.deepEqual(names(after.body), ['a'])
    assert.equal((await api.delete(`/allocations/${c}`)).status, 204)
  })

  test('older shapes: a list of allocations at 1.10, no traits before 1.17, only requested classes before 1.27', async () => {
    const old = await versioned(pc.admin, 10).get('/allocation_candidates?resources=VCPU:1')
    const first = old.body.allocation_requests[0]
    assert.ok(Array.isArray(first.allocations))
    assert.deepEqual(Object.keys(first.allocations[0]).sort(), ['resource_provider', 'resources'])
    const sum: any = Object.values(old.body.provider_summaries)[0]
    assert.deepEqual(Object.keys(sum), ['resources'])
    assert.deepEqual(Object.keys(sum.resources), ['VCPU'])
    assert.equal((await versioned(pc.admin, 9).get('/allocation_candidates?resources=VCPU:1')).status, 404)
    assert.equal((await versioned(pc.admin, 15).get('/allocation_candidates?resources=VCPU:1&limit=1')).status, 400)
  })

  test('required, forbidden and any-of traits; member_of; limit', async () => {
    const api = pc.at()
    const q = async (s: string) => names((await api.get(`/allocation_candidates?resources=VCPU:1&${s}`)).body)
    assert.deepEqual(await q('required=HW_CPU_X86_AVX2'), ['a'])
    assert.deepEqual(await q('required=!CUSTOM_SLOW'), ['a', 'c'])
    assert.deepEqual(await q('required=in:HW_CPU_X86_AVX2,CUSTOM_SLOW'), ['a', 'b'])
    assert.deepEqual(await q('required=in:HW_CPU_X86_AVX2,CUSTOM_SLOW&required=!HW_CPU_X86_AVX2'), ['b'])
    assert.deepEqual(await q(`member_of=${agg}`), ['a'])
    assert.deepEqual(await q(`member_of=!${agg}`), ['b', 'c'])
    assert.deepEqual(await q(`member_of=in:${agg},${randomUUID()}`), ['a'])
    assert.equal((await api.get('/allocation_candidates?resources=VCPU:1&limit=2')).body.allocation_requests.length, 2)
    const limited = (await api.get('/allocation_candidates?resources=VCPU:1&limit=1')).body
    assert.equal(Object.keys(limited.provider_summaries).length, 1)
    const conflict = await api.get('/allocation_candidates?resources=VCPU:1&required=HW_CPU_X86_AVX2,!HW_CPU_X86_AVX2')
    assert.equal(conflict.status, 400)
    assert.match(placementError(conflict).detail, /Conflicting required and forbidden traits/)
    const unknown = await api.get('/allocation_candidates?resources=VCPU:1&required=CUSTOM_UNKNOWN')
    assert.equal(unknown.status, 400)
    assert.match(placementError(unknown).detail, /No such trait\(s\): CUSTOM_UNKNOWN/)
    const noRes = await api.get('/allocation_candidates?required=HW_CPU_X86_AVX2')
    assert.equal(noRes.status, 400)
    assert.equal((await api.get('/allocation_candidates?resources=VCPU:0')).status, 400)
    assert.equal((await api.get('/allocation_candidates?resources=BOGUS:1')).status, 400)
  })

  test('nested trees: resources spread over a tree, granular groups, group_policy, in_tree, root_required', async () => {
    const api = pc.at()
    await api.put('/traits/CUSTOM_PHYSNET_A')
    await api.put('/traits/CUSTOM_NESTED_HOST')
    const root = await provider(api, 'nest-root', { VCPU: { total: 8 }, MEMORY_MB: { total: 8192 } }, { traits: ['CUSTOM_NESTED_HOST'] })
    const pf1 = await provider(api, 'nest-pf1', { SRIOV_NET_VF: { total: 2 } }, { parent: root, traits: ['CUSTOM_PHYSNET_A'] })
    const pf2 = await provider(api, 'nest-pf2', { SRIOV_NET_VF: { total: 2 } }, { parent: root, traits: ['CUSTOM_PHYSNET_A'] })

    const spread = (await api.get('/allocation_candidates?resources=VCPU:1,SRIOV_NET_VF:1')).body
    assert.equal(spread.allocation_requests.length, 2)
    for (const r of spread.allocation_requests) {
      assert.deepEqual(r.allocations[root], { resources: { VCPU: 1 } })
      assert.ok(r.allocations[pf1] || r.allocations[pf2])
    }
    assert.deepEqual(Object.keys(spread.provider_summaries).sort(), [root, pf1, pf2].sort())
    assert.equal(spread.provider_summaries[pf1].parent_provider_uuid, root)
    assert.equal(spread.provider_summaries[pf1].root_provider_uuid, root)
    // Before 1.29 placement ignored trees of several providers.
    assert.equal((await versioned(pc.admin, 28).get('/allocation_candidates?resources=VCPU:1,SRIOV_NET_VF:1')).body.allocation_requests.length, 0)

    const twoVfs = 'resources=VCPU:1&resources1=SRIOV_NET_VF:1&required1=CUSTOM_PHYSNET_A&resources2=SRIOV_NET_VF:1&required2=CUSTOM_PHYSNET_A'
    const missingPolicy = await api.get(`/allocation_candidates?${twoVfs}`)
    assert.equal(missingPolicy.status, 400)
    assert.match(placementError(missingPolicy).detail, /"group_policy" parameter is required/)
    const isolate = (await api.get(`/allocation_candidates?${twoVfs}&group_policy=isolate`)).body
    assert.equal(isolate.allocation_requests.length, 2)
    for (const r of isolate.allocation_requests) {
      assert.notDeepEqual(r.mappings['1'], r.mappings['2'])
      assert.deepEqual(r.mappings[''], [root])
    }
    const none = (await api.get(`/allocation_candidates?${twoVfs}&group_policy=none`)).body
    assert.equal(none.allocation_requests.length, 4)
    const same = none.allocation_requests.find((r: any) => r.mappings['1'][0] === r.mappings['2'][0])
    assert.equal(same.allocations[same.mappings['1'][0]].resources.SRIOV_NET_VF, 2)
    // Three VFs from two-VF providers only fit when spread.
    const three = (await api.get('/allocation_candidates?resources1=SRIOV_NET_VF:2&resources2=SRIOV_NET_VF:1&group_policy=none')).body
    assert.ok(three.allocation_requests.every((r: any) => r.mappings['1'][0] !== r.mappings['2'][0]))
    assert.equal(three.allocation_requests.length, 2)

    assert.deepEqual(names((await api.get(`/allocation_candidates?resources=VCPU:1&in_tree=${pf2}`)).body), [root])
    assert.equal((await api.get(`/allocation_candidates?resources=VCPU:1&in_tree=${randomUUID()}`)).body.allocation_requests.length, 0)
    const granularTree = (await api.get(`/allocation_candidates?resources1=SRIOV_NET_VF:1&in_tree1=${pf1}`)).body
    assert.equal(granularTree.allocation_requests.length, 2)
    assert.deepEqual(names((await api.get('/allocation_candidates?resources=VCPU:1&root_required=CUSTOM_NESTED_HOST')).body), [root])
    assert.ok(!names((await api.get('/allocation_candidates?resources=VCPU:1&root_required=!CUSTOM_NESTED_HOST')).body).includes(root))
    // A trait of the unnamed group is judged on the providers it uses.
    const viaChild = (await api.get('/allocation_candidates?resources=VCPU:1,SRIOV_NET_VF:1&required=CUSTOM_PHYSNET_A')).body
    assert.equal(viaChild.allocation_requests.length, 2)
    assert.equal((await api.get('/allocation_candidates?resources=VCPU:1&required=CUSTOM_PHYSNET_A')).body.allocation_requests.length, 0)
  })

  test('summaries follow every write: use, traits and inventory; each microversion keeps its own shape', async () => {
    const api = pc.at()
    const summary = async (minor: number | 'latest' = 'latest') =>
      (await versioned(pc.admin, minor).get('/allocation_candidates?resources=VCPU:1')).body.provider_summaries[hosts.a]
    assert.deepEqual((await summary()).resources.VCPU, { capacity: 4, used: 0 })
    const c = consumer()
    assert.equal((await api.put(`/allocations/${c}`, {
      allocations: { [hosts.a]: { resources: { VCPU: 1, MEMORY_MB: 256 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE',
    })).status, 204)
    assert.deepEqual((await summary()).resources, { VCPU: { capacity: 4, used: 1 }, MEMORY_MB: { capacity: 2048, used: 256 }, DISK_GB: { capacity: 100, used: 0 } })
    assert.deepEqual(await summary(26), { resources: { VCPU: { capacity: 4, used: 1 } }, traits: ['HW_CPU_X86_AVX2'] }, 'before 1.27 only the requested class')
    assert.deepEqual(await summary(16), { resources: { VCPU: { capacity: 4, used: 1 } } }, 'before 1.17 no traits')

    assert.equal((await api.put('/traits/CUSTOM_FAST')).status, 201)
    const rp = (await api.get(`/resource_providers/${hosts.a}`)).body
    assert.equal((await api.put(`/resource_providers/${hosts.a}/traits`, { resource_provider_generation: rp.generation, traits: ['HW_CPU_X86_AVX2', 'CUSTOM_FAST'] })).status, 200)
    assert.deepEqual((await summary()).traits, ['CUSTOM_FAST', 'HW_CPU_X86_AVX2'])
    const gen = (await api.get(`/resource_providers/${hosts.a}`)).body.generation
    assert.equal((await api.put(`/resource_providers/${hosts.a}/inventories/VCPU`, { resource_provider_generation: gen, total: 8, allocation_ratio: 2 })).status, 200)
    assert.deepEqual((await summary()).resources.VCPU, { capacity: 16, used: 1 })

    assert.equal((await api.delete(`/allocations/${c}`)).status, 204)
    assert.deepEqual((await summary()).resources.VCPU, { capacity: 16, used: 0 })
    assert.deepEqual(await summary(26), { resources: { VCPU: { capacity: 16, used: 0 } }, traits: ['CUSTOM_FAST', 'HW_CPU_X86_AVX2'] })
    const g2 = (await api.get(`/resource_providers/${hosts.a}`)).body.generation
    assert.equal((await api.put(`/resource_providers/${hosts.a}/traits`, { resource_provider_generation: g2, traits: ['HW_CPU_X86_AVX2'] })).status, 200)
    const g3 = (await api.get(`/resource_providers/${hosts.a}`)).body.generation
    assert.equal((await api.put(`/resource_providers/${hosts.a}/inventories/VCPU`, { resource_provider_generation: g3, total: 4, allocation_ratio: 1 })).status, 200)
  })
})
