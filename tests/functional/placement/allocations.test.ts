/** Placement: allocations per consumer, consumer generations and types, POST /allocations moves, usages, and races for capacity. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { consumer, placementError, provider, startPlacementCloud, versioned, type PlacementCloud } from './support.ts'

describe('placement allocations', () => {
  let pc: PlacementCloud
  before(async () => { pc = await startPlacementCloud() })
  after(async () => { await pc.stop() })

  const claim = (rp: string, resources: Record<string, number>, extra: Record<string, unknown> = {}) => ({
    allocations: { [rp]: { resources } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: null, consumer_type: 'INSTANCE', ...extra,
  })

  test('claim, read back, replace with the consumer generation, and free', async () => {
    const api = pc.at()
    const rp = await provider(api, 'alloc-1', { VCPU: { total: 4, allocation_ratio: 2 }, MEMORY_MB: { total: 1024, reserved: 24 } })
    const c = consumer()
    assert.equal((await api.put(`/allocations/${c}`, claim(rp, { VCPU: 6, MEMORY_MB: 1000 }))).status, 204)
    const got = await api.get(`/allocations/${c}`)
    assert.deepEqual(got.body, {
      allocations: { [rp]: { generation: 2, resources: { VCPU: 6, MEMORY_MB: 1000 } } },
      project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'INSTANCE',
    })
    assert.ok(got.headers.get('last-modified'))
    const v12 = (await versioned(pc.admin, 12).get(`/allocations/${c}`)).body
    assert.equal(v12.consumer_generation, undefined)
    assert.equal(v12.project_id, 'proj-a')

    const stale = await api.put(`/allocations/${c}`, claim(rp, { VCPU: 1 }))
    assert.equal(stale.status, 409)
    assert.equal(placementError(stale).code, 'placement.concurrent_update')
    assert.match(placementError(stale).detail, /consumer generation conflict - expected 1 but got None/)
    const newWithGen = await api.put(`/allocations/${consumer()}`, claim(rp, { VCPU: 1 }, { consumer_generation: 3 }))
    assert.match(placementError(newWithGen).detail, /consumer generation conflict - expected null but got 3/)

    assert.equal((await api.put(`/allocations/${c}`, claim(rp, { VCPU: 2 }, { consumer_generation: 1, consumer_type: 'MIGRATION' }))).status, 204)
    const after2 = (await api.get(`/allocations/${c}`)).body
    assert.deepEqual([after2.consumer_generation, after2.consumer_type, after2.allocations[rp].resources], [2, 'MIGRATION', { VCPU: 2 }])
    const byRp = await api.get(`/resource_providers/${rp}/allocations`)
    assert.deepEqual(byRp.body.allocations, { [c]: { resources: { VCPU: 2 }, consumer_generation: 2 } })

    // An empty allocation (1.28+) frees the consumer.
    assert.equal((await api.put(`/allocations/${c}`, claim(rp, {}, { allocations: {}, consumer_generation: 2 }))).status, 204)
    assert.deepEqual((await api.get(`/allocations/${c}`)).body, { allocations: {} })
    assert.equal((await api.delete(`/allocations/${c}`)).status, 404)
    assert.equal((await api.get(`/resource_providers/${rp}/usages`)).body.usages.VCPU, 0)
  })

  test('capacity and unit constraints are 409 without a code; unknown providers and classes 400', async () => {
    const api = pc.at()
    const rp = await provider(api, 'alloc-2', { DISK_GB: { total: 100, reserved: 10, min_unit: 5, max_unit: 50, step_size: 5 } })
    const over = await api.put(`/allocations/${consumer()}`, claim(rp, { DISK_GB: 95 }))
    assert.equal(over.status, 409)
    assert.match(placementError(over).detail, /would violate inventory constraints/)
    const c1 = consumer()
    assert.equal((await api.put(`/allocations/${c1}`, claim(rp, { DISK_GB: 50 }))).status, 204)
    assert.equal((await api.put(`/allocations/${consumer()}`, claim(rp, { DISK_GB: 40 }))).status, 204)
    const full = await api.put(`/allocations/${consumer()}`, claim(rp, { DISK_GB: 5 }))
    assert.equal(full.status, 409)
    assert.equal(placementError(full).code, 'placement.undefined_code')
    assert.match(placementError(full).detail, /The requested amount would exceed the capacity/)
    assert.equal((await api.put(`/allocations/${consumer()}`, claim(rp, { DISK_GB: 3 }))).status, 409)
    const noInv = await api.put(`/allocations/${consumer()}`, claim(rp, { VCPU: 1 }))
    assert.equal(noInv.status, 409)
    assert.match(placementError(noInv).detail, /Inventory for 'VCPU' on resource provider '.*' invalid/)
    const ghost = '00000000-0000-4000-8000-000000000001'
    const noRp = await api.put(`/allocations/${consumer()}`, claim(ghost, { VCPU: 1 }))
    assert.equal(noRp.status, 400)
    assert.match(placementError(noRp).detail, /Allocation for resource provider '00000000-0000-4000-8000-000000000001' that does not exist/)
    const noRc = await api.put(`/allocations/${consumer()}`, claim(rp, { CUSTOM_NOPE: 1 }))
    assert.equal(noRc.status, 400)
    const badBody = await api.put(`/allocations/${consumer()}`, { allocations: {} })
    assert.match(placementError(badBody).detail, /JSON does not validate: 'project_id' is a required property/)
    assert.equal((await api.put('/allocations/not-a-uuid', claim(rp, { DISK_GB: 5 }))).status, 400)
  })

  test('the list form before 1.12 and project/user defaults before 1.8', async () => {
    const api = pc.at()
    const rp = await provider(api, 'alloc-3', { VCPU: { total: 8 } })
    const c = consumer()
    const v7 = versioned(pc.admin, 7)
    assert.equal((await v7.put(`/allocations/${c}`, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1 } }] })).status, 204)
    const got = (await api.get(`/allocations/${c}`)).body
    assert.equal(got.project_id, '00000000-0000-0000-0000-000000000000')
    const v11 = versioned(pc.admin, 11)
    assert.equal((await v11.put(`/allocations/${c}`, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 2 } }], project_id: 'p', user_id: 'u' })).status, 204)
    assert.equal((await api.get(`/allocations/${c}`)).body.allocations[rp].resources.VCPU, 2)
    assert.equal((await api.delete(`/allocations/${c}`)).status, 204)
  })

  test('POST /allocations moves an instance to a migration and claims the target in one step', async () => {
    const api = pc.at()
    const src = await provider(api, 'move-src', { VCPU: { total: 4 } })
    const dst = await provider(api, 'move-dst', { VCPU: { total: 4 } })
    const [instance, migration] = [consumer(), consumer()]
    assert.equal((await api.put(`/allocations/${instance}`, claim(src, { VCPU: 3 }))).status, 204)
    const moved = await api.post('/allocations', {
      [migration]: { allocations: { [src]: { resources: { VCPU: 3 } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: null, consumer_type: 'MIGRATION' },
      [instance]: { allocations: { [dst]: { resources: { VCPU: 3 } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'INSTANCE' },
    })
    assert.equal(moved.status, 204, JSON.stringify(moved.body))
    assert.deepEqual(Object.keys((await api.get(`/allocations/${instance}`)).body.allocations), [dst])
    assert.deepEqual(Object.keys((await api.get(`/allocations/${migration}`)).body.allocations), [src])
    // All or nothing: one consumer over capacity leaves the other untouched.
    const failed = await api.post('/allocations', {
      [migration]: { allocations: {}, project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'MIGRATION' },
      [instance]: { allocations: { [dst]: { resources: { VCPU: 5 } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: 2, consumer_type: 'INSTANCE' },
    })
    assert.equal(failed.status, 409)
    assert.deepEqual(Object.keys((await api.get(`/allocations/${migration}`)).body.allocations), [src])
    assert.equal((await versioned(pc.admin, 12).post('/allocations', {})).status, 404)

    const usages = await api.get('/usages?project_id=proj-a&user_id=user-a')
    assert.equal(usages.body.usages.INSTANCE.VCPU >= 3, true)
    assert.equal(usages.body.usages.MIGRATION.VCPU, 3)
    assert.equal(usages.body.usages.MIGRATION.consumer_count, 1)
    const all = (await api.get('/usages?project_id=proj-a&consumer_type=all')).body.usages
    assert.deepEqual(Object.keys(all), ['all'])
    const flat = (await versioned(pc.admin, 37).get('/usages?project_id=proj-a')).body.usages
    assert.equal(typeof flat.VCPU, 'number')
    assert.equal(flat.VCPU, all.all.VCPU)
    assert.equal((await api.get('/usages')).status, 400)
  })

  test('racing claims never overcommit a provider', async () => {
    const api = pc.at()
    const rp = await provider(api, 'race', { VCPU: { total: 10 } })
    const results = await Promise.all(Array.from({ length: 25 }, () => api.put(`/allocations/${consumer()}`, claim(rp, { VCPU: 1 }))))
    const won = results.filter((r) => r.status === 204).length
    assert.ok(results.every((r) => r.status === 204 || r.status === 409), JSON.stringify(results.map((r) => r.status)))
    assert.equal(won, 10)
    assert.equal((await api.get(`/resource_providers/${rp}/usages`)).body.usages.VCPU, 10)
    assert.equal(Object.keys((await api.get(`/resource_providers/${rp}/allocations`)).body.allocations).length, 10)
  })
})
