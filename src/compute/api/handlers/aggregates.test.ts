import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { ProviderUpdateConflict, type ResourceClaims } from '../../model/placement.ts'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { aggregateZonesByHost } from '../service-state.ts'
import { aggregatesRoutes } from './aggregates.ts'

/** Placement's provider aggregates in memory; `failWith` makes the next changes throw (or find no provider). */
function memoryAggregates() {
  const byProvider = new Map<string, string[]>()
  const self = {
    byProvider, failWith: undefined as Error | 'missing' | undefined, calls: 0,
    async aggregatesOf(rp: string) { return byProvider.get(rp) },
    async changeAggregates(rp: string, change: { add?: string[]; remove?: string[] }) {
      self.calls++
      if (self.failWith === 'missing') return 'missing' as const
      if (self.failWith) throw self.failWith
      const had = byProvider.get(rp) ?? []
      const now = [...new Set([...had.filter((a) => !change.remove?.includes(a)), ...(change.add ?? [])])]
      byProvider.set(rp, now)
      return now.length === had.length && now.every((a) => had.includes(a)) ? 'unchanged' as const : 'changed' as const
    },
  }
  return self
}

let api: TestApi
let placement: ReturnType<typeof memoryAggregates>
const nodes: Record<string, string> = {}
const warnings: string[] = []
before(async () => {
  api = await startTestApi((deps) => aggregatesRoutes(deps))
  placement = memoryAggregates()
  api.deps.claims = placement as unknown as ResourceClaims
  api.deps.log = { ...api.deps.log, warn: (m: string) => void warnings.push(m) }
  for (const host of ['host-a', 'host-b', 'host-c']) {
    const now = new Date().toISOString()
    await api.db.insertInto('compute_services').values({
      uuid: randomUUID(), host, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: 0, disabled_reason: null,
      forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: now,
    }).execute()
    if (host === 'host-c') continue
    nodes[host] = randomUUID()
    await api.db.insertInto('compute_nodes').values({
      uuid: nodes[host], host, hypervisor_hostname: host, hypervisor_type: 'fake', hypervisor_version: 1, host_ip: '127.0.0.1', cpu_info: '{}',
      vcpus: 16, memory_mb: 8192, local_gb: 100, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
      cpu_allocation_ratio: 16, ram_allocation_ratio: 1, disk_allocation_ratio: 1, created_at: now, updated_at: now,
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

test('add_host and remove_host mirror the aggregate on the host\'s node provider', async () => {
  const admin = api.as('admin', '2.41')
  const a = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'mirrored' } })).body.aggregate
  const b = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'mirrored-2' } })).body.aggregate
  await admin('POST', `/v2.1/os-aggregates/${a.id}/action`, { add_host: { host: 'host-b' } })
  await admin('POST', `/v2.1/os-aggregates/${b.id}/action`, { add_host: { host: 'host-b' } })
  assert.deepEqual(placement.byProvider.get(nodes['host-b']), [a.uuid, b.uuid])
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${a.id}/action`, { remove_host: { host: 'host-b' } })).status, 200)
  assert.deepEqual(placement.byProvider.get(nodes['host-b']), [b.uuid])
  const calls = placement.calls
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${a.id}/action`, { remove_host: { host: 'host-b' } })).status, 404)
  assert.equal(placement.calls, calls, 'a host that is not a member leaves placement alone')
  await admin('POST', `/v2.1/os-aggregates/${b.id}/action`, { remove_host: { host: 'host-b' } })
  assert.deepEqual(placement.byProvider.get(nodes['host-b']), [])
})

test('placement failures: add_host still succeeds and warns; remove_host answers 409 on a lasting conflict and keeps the host', async () => {
  const admin = api.as('admin')
  const id = (await admin('POST', '/v2.1/os-aggregates', { aggregate: { name: 'flaky' } })).body.aggregate.id
  warnings.length = 0
  placement.failWith = new Error('placement GET /resource_providers answered 503')
  const add = await admin('POST', `/v2.1/os-aggregates/${id}/action`, { add_host: { host: 'host-a' } })
  assert.equal(add.status, 200)
  assert.deepEqual(add.body.aggregate.hosts, ['host-a'])
  assert.match(warnings.join('\n'), /Failed to associate host-a with a placement aggregate: .*503.*sync-aggregates/)
  const noNode = await admin('POST', `/v2.1/os-aggregates/${id}/action`, { add_host: { host: 'host-c' } })
  assert.equal(noNode.status, 200, 'a host without a compute node yet is still added')
  assert.match(warnings.at(-1)!, /host-c has no compute node/)

  placement.failWith = new ProviderUpdateConflict(nodes['host-a'])
  const rm = await admin('POST', `/v2.1/os-aggregates/${id}/action`, { remove_host: { host: 'host-a' } })
  assert.equal(rm.status, 409)
  assert.match(rm.body.conflictingRequest.message, /A conflict was encountered attempting to update resource provider/)
  assert.deepEqual((await admin('GET', `/v2.1/os-aggregates/${id}`)).body.aggregate.hosts, ['host-a', 'host-c'], 'nothing changed')

  placement.failWith = 'missing'
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${id}/action`, { remove_host: { host: 'host-a' } })).status, 200, 'a missing provider is in no aggregate')
  assert.match(warnings.at(-1)!, /Failed to remove association of host-a/)
  placement.failWith = undefined
  assert.equal((await admin('POST', `/v2.1/os-aggregates/${id}/action`, { remove_host: { host: 'host-c' } })).status, 200)
})
