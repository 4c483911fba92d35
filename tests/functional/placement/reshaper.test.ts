/** Placement: POST /reshaper (1.30) moves inventory and allocations to child providers in one step; only the service role may call it. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readServiceCredentialsFile } from '../../../src/identity/service-credentials.ts'
import { ApiClient } from '../../support/client.ts'
import { consumer, placementError, provider, startPlacementCloud, versioned, type PlacementCloud, type Versioned } from './support.ts'

describe('placement reshaper', () => {
  let pc: PlacementCloud
  let svc: Versioned
  before(async () => {
    pc = await startPlacementCloud()
    const creds = readServiceCredentialsFile(pc.cloud.config.dataDir)!
    const login = await ApiClient.login(pc.cloud.identityUrl, { user: creds.user, password: creds.password, project: creds.project })
    svc = versioned(pc.cloud.service('placement', login))
  })
  after(async () => { await pc.stop() })

  test('VGPUs move from the root to a child with their allocation; stale generations and lingering use are refused', async () => {
    const api = pc.at()
    const root = await provider(api, 'rs-root', { VCPU: { total: 8 }, VGPU: { total: 4 } })
    const gpu = await provider(api, 'rs-gpu', {}, { parent: root })
    const vm = consumer()
    assert.equal((await api.put(`/allocations/${vm}`, {
      allocations: { [root]: { resources: { VCPU: 2, VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE',
    })).status, 204)
    const gen = async (rp: string) => (await api.get(`/resource_providers/${rp}`)).body.generation
    const body = async (allocs: Record<string, unknown>, rootGen?: number) => ({
      inventories: {
        [root]: { resource_provider_generation: rootGen ?? await gen(root), inventories: { VCPU: { total: 8 } } },
        [gpu]: { resource_provider_generation: await gen(gpu), inventories: { VGPU: { total: 4 } } },
      },
      allocations: allocs,
    })
    const moved = { [vm]: { allocations: { [root]: { resources: { VCPU: 2 } }, [gpu]: { resources: { VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: 1, consumer_type: 'INSTANCE' } }

    const adminOnly = await api.post('/reshaper', await body(moved))
    assert.equal(adminOnly.status, 403)
    assert.equal((await versioned(pc.admin, 29).post('/reshaper', await body(moved))).status, 404)
    const stale = await svc.post('/reshaper', await body(moved, 0))
    assert.equal(stale.status, 409)
    assert.equal(placementError(stale).code, 'placement.concurrent_update')
    // Leaving the VGPU allocation on the root while removing its VGPU inventory is refused, and nothing changes.
    const lingering = await svc.post('/reshaper', await body({}))
    assert.equal(lingering.status, 409)
    assert.equal(placementError(lingering).code, 'placement.inventory.inuse')
    assert.deepEqual(Object.keys((await api.get(`/resource_providers/${root}/inventories`)).body.inventories).sort(), ['VCPU', 'VGPU'])

    const ok = await svc.post('/reshaper', await body(moved))
    assert.equal(ok.status, 204, JSON.stringify(ok.body))
    assert.deepEqual(Object.keys((await api.get(`/resource_providers/${root}/inventories`)).body.inventories), ['VCPU'])
    assert.deepEqual((await api.get(`/resource_providers/${gpu}/usages`)).body.usages, { VGPU: 1 })
    const held = (await api.get(`/allocations/${vm}`)).body
    assert.deepEqual(held.allocations[gpu].resources, { VGPU: 1 })
    assert.deepEqual(held.allocations[root].resources, { VCPU: 2 })
    assert.equal(held.consumer_generation, 2)
  })
})
