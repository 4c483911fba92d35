/** The placement client compute uses (src/placement/client.ts) against the running service. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createPlacementClient, type PlacementClient } from '../../../src/placement/client.ts'
import { startPlacementCloud, type PlacementCloud } from './support.ts'

describe('placement client', () => {
  let pc: PlacementCloud
  let client: PlacementClient
  before(async () => {
    pc = await startPlacementCloud()
    const token = (await pc.cloud.admin()).token!
    client = createPlacementClient({ url: pc.cloud.urls.placement, token: async () => token })
  })
  after(async () => { await pc.stop() })

  const host = (name: string, vcpus = 4) => ({
    uuid: randomUUID(), name,
    inventories: { VCPU: { total: vcpus, allocation_ratio: 1 }, MEMORY_MB: { total: 4096, reserved: 512 }, DISK_GB: { total: 40 } },
    traits: ['COMPUTE_STATUS_DISABLED', 'CUSTOM_HOST_TAG'].slice(1), aggregates: [] as string[],
  })

  test('ensureProvider creates, then converges name, inventories, traits and aggregates idempotently', async () => {
    const spec = host('client-h1')
    await client.ensureProvider(spec)
    await client.ensureProvider(spec)
    const [rp] = await client.listProviders({ name: 'client-h1' })
    assert.equal(rp.uuid, spec.uuid)
    const gen = rp.generation
    await client.ensureProvider(spec)
    assert.equal((await client.listProviders({ name: 'client-h1' }))[0].generation, gen, 'no change, no generation bump')
    const agg = randomUUID()
    await client.ensureProvider({ ...spec, name: 'client-h1b', inventories: { ...spec.inventories, VCPU: { total: 8 } }, traits: ['CUSTOM_OTHER'], aggregates: [agg] })
    const [renamed] = await client.listProviders({ name: 'client-h1b' })
    assert.equal(renamed.uuid, spec.uuid)
    const api = pc.at()
    assert.equal((await api.get(`/resource_providers/${spec.uuid}/inventories`)).body.inventories.VCPU.total, 8)
    assert.deepEqual((await api.get(`/resource_providers/${spec.uuid}/traits`)).body.traits, ['CUSTOM_OTHER'])
    assert.deepEqual((await api.get(`/resource_providers/${spec.uuid}/aggregates`)).body.aggregates, [agg])
    const child = { uuid: randomUUID(), name: 'client-h1-child', inventories: { SRIOV_NET_VF: { total: 4 } }, parentProviderUuid: spec.uuid }
    await client.ensureProvider(child)
    assert.deepEqual((await client.listProviders({ inTree: spec.uuid })).map((p) => p.name).sort(), ['client-h1-child', 'client-h1b'])
    await client.deleteProvider(child.uuid)
    await client.deleteProvider(child.uuid)
  })

  test('candidates, claim, lost race, move and free; usages by project', async () => {
    const h2 = host('client-h2', 2)
    const h3 = host('client-h3', 2)
    await client.ensureProvider(h2)
    await client.ensureProvider(h3)
    const cands = await client.allocationCandidates({ resources: { VCPU: 2, MEMORY_MB: 1024 }, required: ['CUSTOM_HOST_TAG'], forbidden: ['COMPUTE_STATUS_DISABLED'], limit: 10 })
    assert.ok(cands.providers.includes(h2.uuid) && cands.providers.includes(h3.uuid))
    const req = cands.allocation_requests[cands.providers.indexOf(h2.uuid)]
    const [vm1, vm2, migration] = [randomUUID(), randomUUID(), randomUUID()]
    const project = randomUUID()
    assert.equal(await client.claim(vm1, { allocations: req.allocations, projectId: project, userId: 'u1' }), true)
    assert.equal(await client.claim(vm2, { allocations: req.allocations, projectId: project, userId: 'u1' }), false, 'h2 is full')
    const held = await client.getAllocations(vm1)
    assert.equal(held.consumer_generation, 1)
    assert.deepEqual(held.allocations[h2.uuid].resources, { VCPU: 2, MEMORY_MB: 1024 })
    assert.deepEqual(await client.usages(project), { VCPU: 2, MEMORY_MB: 1024 })
    const after = await client.allocationCandidates({ resources: { VCPU: 2 } })
    assert.ok(!after.providers.includes(h2.uuid))

    const moved = await client.moveAllocations({
      [migration]: { allocations: held.allocations as any, project_id: project, user_id: 'u1', consumer_type: 'MIGRATION' },
      [vm1]: { allocations: { [h3.uuid]: { resources: { VCPU: 2, MEMORY_MB: 1024 } } }, project_id: project, user_id: 'u1' },
    })
    assert.equal(moved, true)
    assert.deepEqual(Object.keys((await client.getAllocations(vm1)).allocations), [h3.uuid])
    assert.deepEqual(Object.keys((await client.getAllocations(migration)).allocations), [h2.uuid])
    assert.equal(await client.moveAllocations({ [vm2]: { allocations: { [h3.uuid]: { resources: { VCPU: 1 } } }, project_id: project, user_id: 'u1' } }), false)
    await client.deleteAllocations(migration)
    await client.deleteAllocations(migration)
    await client.deleteAllocations(vm1)
    assert.deepEqual(await client.usages(project), {})
    await assert.rejects(client.deleteProvider(randomUUID()).then(() => { throw new Error('ok') }), /ok/)
  })

  test('deleteProvider refuses while allocations exist', async () => {
    const h = host('client-h4')
    await client.ensureProvider(h)
    const vm = randomUUID()
    assert.equal(await client.claim(vm, { allocations: { [h.uuid]: { resources: { VCPU: 1 } } }, projectId: 'p', userId: 'u' }), true)
    await assert.rejects(client.deleteProvider(h.uuid), /409/)
    await assert.rejects(client.ensureProvider({ ...h, inventories: { MEMORY_MB: { total: 1 } } }), /inuse|in use/)
    await client.deleteAllocations(vm)
    await client.deleteProvider(h.uuid)
    assert.deepEqual(await client.listProviders({ name: 'client-h4' }), [])
  })

  test('changeProviderAggregates adds and removes while keeping the others, and retries a generation conflict', async () => {
    const h = host('client-h5')
    const [keep, gone, added, raced] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()]
    await client.ensureProvider({ ...h, aggregates: [keep, gone] })
    assert.deepEqual((await client.changeProviderAggregates(h.uuid, { add: [added], remove: [gone] }))?.aggregates.sort(), [keep, added].sort())
    const again = await client.changeProviderAggregates(h.uuid, { add: [added] })
    assert.equal(again?.changed, false, 'nothing to change, nothing written')
    assert.deepEqual(again?.aggregates.sort(), [keep, added].sort())
    assert.equal(await client.changeProviderAggregates(randomUUID(), { add: [added] }), undefined, 'no such provider')
    assert.equal(await client.providerAggregates(randomUUID()), undefined)

    // Another writer changes the provider between our read and our write (just before our PUT asks for its token).
    const token = (await pc.cloud.admin()).token!
    const api = pc.at(19)
    let calls = 0
    const racing = createPlacementClient({
      url: pc.cloud.urls.placement,
      token: async () => {
        if (++calls === 2) {
          const cur = (await api.get(`/resource_providers/${h.uuid}/aggregates`)).body
          assert.equal((await api.put(`/resource_providers/${h.uuid}/aggregates`, { aggregates: [...cur.aggregates, raced], resource_provider_generation: cur.resource_provider_generation })).status, 200)
        }
        return token
      },
    })
    const res = await racing.changeProviderAggregates(h.uuid, { remove: [keep] })
    assert.deepEqual(res?.aggregates.sort(), [added, raced].sort(), 'the other writer\'s aggregate survives the retry')
    assert.ok(calls >= 4, 'read and wrote again')
    assert.deepEqual((await client.providerAggregates(h.uuid))?.sort(), [added, raced].sort())
    await client.deleteProvider(h.uuid)
  })
})
