/** Placement on every database engine: SQLite, PostgreSQL and MariaDB, one flow through the queries each handler runs, and racing claims. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { scratchDatabase, type Engine } from '../../support/databases.ts'
import { consumer, placementError, provider, startPlacementCloud } from './support.ts'

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`placement on ${engine}`, () => {
    test('providers, inventories, traits, aggregates, candidates, allocations, moves, usages, races', async (t) => {
      const scratch = await scratchDatabase(engine)
      if ('skip' in scratch) return t.skip(scratch.skip)
      const pc = await startPlacementCloud({ databaseUrl: engine === 'sqlite' ? undefined : scratch.url })
      try {
        const api = pc.at()
        const agg = randomUUID()
        await api.put('/traits/CUSTOM_ENGINE')
        assert.equal((await api.post('/resource_classes', { name: 'CUSTOM_WIDGET' })).status, 201)
        assert.equal((await api.put('/resource_classes/CUSTOM_GADGET')).status, 201)
        const h1 = await provider(api, 'eng-h1', { VCPU: { total: 4 }, MEMORY_MB: { total: 1024 }, CUSTOM_WIDGET: { total: 3 } }, { traits: ['CUSTOM_ENGINE'], aggregates: [agg] })
        const h2 = await provider(api, 'eng-h2', { VCPU: { total: 4, allocation_ratio: 1.5 }, MEMORY_MB: { total: 1024 } })
        const vf = await provider(api, 'eng-h2-pf', { SRIOV_NET_VF: { total: 4 } }, { parent: h2 })
        const dupe = await api.post('/resource_providers', { name: 'eng-h1' })
        assert.equal(placementError(dupe).code, 'placement.duplicate_name')
        assert.match(placementError(dupe).detail, /name: eng-h1/)

        const list = async (q: string) => (await api.get(`/resource_providers?${q}`)).body.resource_providers.map((p: any) => p.name).sort()
        assert.deepEqual(await list(`member_of=${agg}`), ['eng-h1'])
        assert.deepEqual(await list('required=CUSTOM_ENGINE'), ['eng-h1'])
        assert.deepEqual(await list(`in_tree=${vf}`), ['eng-h2', 'eng-h2-pf'])
        assert.deepEqual(await list('resources=VCPU:5'), ['eng-h2'])
        assert.deepEqual((await api.get('/traits?name=startswith:CUSTOM_ENG&associated=true')).body.traits, ['CUSTOM_ENGINE'])

        const cands = (await api.get('/allocation_candidates?resources=VCPU:1,SRIOV_NET_VF:1')).body
        assert.equal(cands.allocation_requests.length, 1)
        assert.deepEqual(Object.keys(cands.allocation_requests[0].allocations).sort(), [h2, vf].sort())
        assert.equal(cands.provider_summaries[h2].resources.VCPU.capacity, 6)
        const both = (await api.get(`/allocation_candidates?resources=VCPU:1&member_of=!${agg}`)).body
        assert.deepEqual(both.allocation_requests.map((r: any) => Object.keys(r.allocations)[0]), [h2])

        const [vm, mig] = [consumer(), consumer()]
        const body = (rp: string, gen: number | null, type = 'INSTANCE') => ({
          allocations: { [rp]: { resources: { VCPU: 2, MEMORY_MB: 512 } } }, project_id: 'p1', user_id: 'u1', consumer_generation: gen, consumer_type: type,
        })
        assert.equal((await api.put(`/allocations/${vm}`, body(h1, null))).status, 204)
        assert.equal((await api.put(`/allocations/${vm}`, body(h1, 0))).status, 409)
        assert.equal((await api.post('/allocations', { [mig]: body(h1, null, 'MIGRATION'), [vm]: body(h2, 1) })).status, 204)
        const usages = (await api.get('/usages?project_id=p1')).body.usages
        assert.deepEqual(usages, { INSTANCE: { VCPU: 2, MEMORY_MB: 512, consumer_count: 1 }, MIGRATION: { VCPU: 2, MEMORY_MB: 512, consumer_count: 1 } })
        assert.equal((await api.delete(`/allocations/${mig}`)).status, 204)
        assert.deepEqual((await api.get(`/resource_providers/${h1}/usages`)).body.usages, { VCPU: 0, MEMORY_MB: 0, CUSTOM_WIDGET: 0 })

        // Racing writers: 12 claims of one widget each on three widgets, and inventory changes in between.
        const claims = await Promise.all(Array.from({ length: 12 }, () => api.put(`/allocations/${consumer()}`, {
          allocations: { [h1]: { resources: { CUSTOM_WIDGET: 1 } } }, project_id: 'p2', user_id: 'u2', consumer_generation: null, consumer_type: 'INSTANCE',
        })))
        assert.ok(claims.every((r) => r.status === 204 || r.status === 409), JSON.stringify(claims.map((r) => [r.status, r.body])))
        assert.equal(claims.filter((r) => r.status === 204).length, 3)
        assert.equal((await api.get('/usages?project_id=p2')).body.usages.INSTANCE.CUSTOM_WIDGET, 3)
        const inUse = await api.delete('/resource_classes/CUSTOM_WIDGET')
        assert.equal(inUse.status, 409)
        assert.equal((await api.delete(`/resource_providers/${vf}`)).status, 204)
        assert.equal((await api.delete(`/resource_providers/${h2}`)).status, 409)
        assert.equal((await api.delete(`/allocations/${vm}`)).status, 204)
        assert.equal((await api.delete(`/resource_providers/${h2}`)).status, 204)
      } finally {
        await pc.stop()
        await scratch.drop()
      }
    })
  })
}
