import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { aggregateZonesByHost } from '../service-state.ts'
import { aggregatesRoutes } from './aggregates.ts'

let api: TestApi
before(async () => {
  api = await startTestApi((deps) => aggregatesRoutes(deps))
  for (const host of ['host-a', 'host-b']) {
    const now = new Date().toISOString()
    await api.db.insertInto('compute_services').values({
      uuid: randomUUID(), host, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: 0, disabled_reason: null,
      forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: now,
    }).execute()
  }
})
after(() => api?.stop())

test('create, list, show, update, delete; names are unique', async () => {
  const admin = api.as('admin')
  const c = await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'rack1', availability_zone: 'zone-1' } })
  assert.equal(c.status, 200)
  assertTempestSchema(c, 'v2_1.aggregates', 'create_aggregate')
  assert.equal(c.body.aggregate.availability_zone, 'zone-1')
  const id = c.body.aggregate.id
  assert.equal((await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'rack1' } })).status, 409)
  assert.equal((await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'x', availability_zone: 'internal' } })).status, 400)
  assert.equal((await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: '' } })).status, 400)
  const l = await admin('GET', '/v2.1/os-aggregates')
  assertTempestSchema(l, 'v2_1.aggregates', 'list_aggregates')
  const s = await api.as('admin', '2.41')('GET', `/v2.1/os-aggregates/${id}`)
  assertTempestSchema(s, 'v2_41.aggregates', 'get_aggregate')
  assert.deepEqual(s.body.aggregate.metadata, { availability_zone: 'zone-1' })
  const u = await admin('PUT', `/v2.1/os-aggregates/${id}`, { aggregate: { name: 'rack-1' } })
  assertTempestSchema(u, 'v2_1.aggregates', 'update_aggregate')
  assert.equal(u.body.aggregate.name, 'rack-1')
  assert.equal((await admin('GET', '/v2.1/os-aggregates/999')).status, 404)
  assert.equal((await admin('DELETE', '/v2.1/os-aggregates/-1')).status, 404)
  assert.equal((await admin('GET', '/v2.1/os-aggregates/abc')).status, 400)
  assert.equal((await api.as('demo')('GET', '/v2.1/os-aggregates')).status, 403)
  const d = await admin('DELETE', `/v2.1/os-aggregates/${id}`)
  assertTempestSchema(d, 'v2_1.aggregates', 'delete_aggregate')
  assert.equal((await admin('GET', `/v2.1/os-aggregates/${id}`)).status, 404)
})

test('hosts and metadata; a host is in one zone only; a non-empty aggregate is not deleted', async () => {
  const admin = api.as('admin')
  const z1 = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'z1', availability_zone: 'az1' } })).body.aggregate.id
  const z2 = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'z2', availability_zone: 'az2' } })).body.aggregate.id
  const plain = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'ssd' } })).body.aggregate.id
  const add = await admin('POST', `/v2.1/os-aggregates/${z1}/action`, { add_host: { host: 'host-a' } })
  assert.equal(add.status, 200)
  assertTempestSchema(add, 'v2_1.aggregates', 'aggregate_add_remove_host')
  assert.deepEqual(add.body.aggregate.hosts, ['host-a'])
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${z1}/action`, { add_host: { host: 'host-a' } })).status, 409)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${z2}/action`, { add_host: { host: 'host-a' } })).status, 409)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${z1}/action`, { add_host: { host: 'nowhere' } })).status, 404)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${plain}/action`, { add_host: { host: 'host-a' } })).status, 200)
  assert.deepEqual((await aggregateZonesByHost(api.db)).get('host-a'), ['az1'])
  const meta = await admin('POST', `/v2.1/os-aggregates/${plain}/action`, { set_metadata: { metadata: { ssd: 'true', gone: null } } })
  assertTempestSchema(meta, 'v2_1.aggregates', 'aggregate_set_metadata')
  assert.deepEqual(meta.body.aggregate.metadata, { ssd: 'true' })
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${plain}/action`, { set_metadata: { metadata: { availability_zone: 'az2' } } })).status, 400)
  assert.equal((await admin('PUT', `/v2.1/os-aggregates/${z1}`, { aggregate: { availability_zone: 'az9' } })).status, 200)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${plain}/action`, { set_metadata: { metadata: { availability_zone: 'az9' } } })).status, 200)
  assert.equal((await admin('DELETE', `/v2.1/os-aggregates/${z1}`)).status, 400)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${z1}/action`, { remove_host: { host: 'host-b' } })).status, 404)
  const rm = await admin('POST', `/v2.1/os-aggregates/${z1}/action`, { remove_host: { host: 'host-a' } })
  assert.deepEqual(rm.body.aggregate.hosts, [])
  assert.equal((await admin('DELETE', `/v2.1/os-aggregates/${z1}`)).status, 200)
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${z2}/action`, { bogus: {} })).status, 400)
})

test('image pre-caching from 2.81', async () => {
  const id = (await api.as('admin')('POST', '/v2.1/os-aggregates', { aggregate: { name: 'cache' } })).body.aggregate.id
  const img = randomUUID()
  assert.equal((await api.as('admin', '2.80')('POST', `/v2.1/os-aggregates/${id}/images`, { cache: [{ id: img }] })).status, 404)
  assert.equal((await api.as('admin', '2.81')('POST', `/v2.1/os-aggregates/${id}/images`, { cache: [{ id: img }] })).status, 202)
  assert.equal((await api.as('admin', '2.81')('POST', `/v2.1/os-aggregates/${id}/images`, { cache: [{ id: img }, { id: img }] })).status, 400)
  assert.equal((await api.as('admin', '2.81')('POST', '/v2.1/os-aggregates/999/images', { cache: [{ id: img }] })).status, 404)
})
