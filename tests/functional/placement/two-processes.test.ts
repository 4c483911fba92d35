/**
 * Placement as two processes on one database (two API workers, as a deployment behind a load
 * balancer runs it). Each keeps the providers in memory for allocation candidates, so each must
 * see at once what the other wrote: inventories, traits, allocations and deleted providers.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiClient } from '../../support/client.ts'
import { scratchDatabase, type ScratchDb } from '../../support/databases.ts'
import { consumer, provider, startPlacementCloud, versioned, type PlacementCloud, type Versioned } from './support.ts'

const hostsOf = (body: any): string[] => body.allocation_requests.map((r: any) => Object.keys(r.allocations)[0]).sort()

describe('placement: two processes on one database', () => {
  let pc: PlacementCloud
  let scratch: ScratchDb | { skip: string }
  let a: Versioned
  let b: Versioned
  before(async () => {
    // PostgreSQL when the host has it (two connections of two processes); else a shared SQLite file.
    scratch = await scratchDatabase('postgres')
    pc = await startPlacementCloud('skip' in scratch ? {} : { databaseUrl: scratch.url })
    a = pc.at()
    const second = await pc.cloud.startService('placement', { placement: { ...pc.cloud.config.placement, port: 0 } })
    b = versioned(new ApiClient(second.url!, pc.admin.token))
  })
  after(async () => {
    await pc.stop()
    if (!('skip' in scratch)) await scratch.drop()
  })

  test('each answers candidates from what the other wrote', async () => {
    const h1 = await provider(a, 'two-h1', { VCPU: { total: 2 } })
    // Both have read every provider; from now on each only learns of the other's writes through the database.
    assert.deepEqual(hostsOf((await a.get('/allocation_candidates?resources=VCPU:1')).body), [h1])
    assert.deepEqual(hostsOf((await b.get('/allocation_candidates?resources=VCPU:1')).body), [h1])

    const h2 = await provider(b, 'two-h2', { VCPU: { total: 2 } }, { traits: ['HW_CPU_X86_AVX2'] })
    assert.deepEqual(hostsOf((await a.get('/allocation_candidates?resources=VCPU:1')).body), [h1, h2].sort(), 'a provider made by the other process')
    assert.deepEqual(hostsOf((await a.get('/allocation_candidates?resources=VCPU:1&required=HW_CPU_X86_AVX2')).body), [h2], 'with its traits')

    // An allocation through a fills h1; the other process must not offer it any more.
    const c = consumer()
    const put = await a.put(`/allocations/${c}`, {
      allocations: { [h1]: { resources: { VCPU: 2 } } }, project_id: consumer(), user_id: consumer(), consumer_generation: null, consumer_type: 'INSTANCE',
    })
    assert.equal(put.status, 204, JSON.stringify(put.body))
    const seen = (await b.get('/allocation_candidates?resources=VCPU:1')).body
    assert.deepEqual(hostsOf(seen), [h2])
    assert.equal(seen.provider_summaries[h2].resources.VCPU.used, 0)

    // Freed through b, offered again by a, with its usage back to none.
    assert.equal((await b.delete(`/allocations/${c}`)).status, 204)
    const back = (await a.get('/allocation_candidates?resources=VCPU:1')).body
    assert.deepEqual(hostsOf(back), [h1, h2].sort())
    assert.equal(back.provider_summaries[h1].resources.VCPU.used, 0)

    // Inventory grown through b, provider deleted through a.
    const gen = (await b.get(`/resource_providers/${h2}`)).body.generation
    assert.equal((await b.put(`/resource_providers/${h2}/inventories/VCPU`, { resource_provider_generation: gen, total: 16 })).status, 200)
    assert.deepEqual(hostsOf((await a.get('/allocation_candidates?resources=VCPU:8')).body), [h2])
    assert.equal((await a.delete(`/resource_providers/${h1}`)).status, 204)
    assert.deepEqual(hostsOf((await b.get('/allocation_candidates?resources=VCPU:1')).body), [h2])
  })

  test('a process sees its own writes at once, a refused write changes nothing', async () => {
    const h = await provider(a, 'two-own', { MEMORY_MB: { total: 1024 } })
    const ask = '/allocation_candidates?resources=MEMORY_MB:1024'
    assert.deepEqual(hostsOf((await a.get(ask)).body), [h])
    const c = consumer()
    const body = { allocations: { [h]: { resources: { MEMORY_MB: 1024 } } }, project_id: consumer(), user_id: consumer(), consumer_generation: null, consumer_type: 'INSTANCE' }
    assert.equal((await a.put(`/allocations/${c}`, body)).status, 204)
    assert.deepEqual(hostsOf((await a.get(ask)).body), [], 'the host is full')
    const refused = await b.put(`/allocations/${consumer()}`, body)
    assert.equal(refused.status, 409)
    assert.deepEqual(hostsOf((await b.get('/allocation_candidates?resources=MEMORY_MB:1')).body), [], 'still full, seen from the other process')
  })
})
