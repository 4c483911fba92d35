import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setQuotaLimits } from '../../db/quotas.ts'
import { assertTempestSchema, PROJECTS, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { serverGroupsRoutes } from './server-groups.ts'

let api: TestApi
before(async () => {
  api = await startTestApi((deps) => serverGroupsRoutes(deps))
})
after(() => api?.stop())

test('create with policies before 2.64, show, list and delete', async () => {
  const r = await api.as('demo')('POST', '/v2.1/os-server-groups', { server_group: { name: 'g1', policies: ['anti-affinity'] } })
  assert.equal(r.status, 200)
  assertTempestSchema(r, 'v2_1.server_groups', 'create_show_server_group')
  assert.deepEqual(r.body.server_group.policies, ['anti-affinity'])
  const id = r.body.server_group.id
  const s = await api.as('demo', '2.13')('GET', `/v2.1/os-server-groups/${id}`)
  assertTempestSchema(s, 'v2_13.server_groups', 'create_show_server_group')
  assert.equal(s.body.server_group.project_id, PROJECTS.demo)
  assert.equal((await api.as('alt')('GET', `/v2.1/os-server-groups/${id}`)).status, 403)
  assert.equal((await api.as('alt')('GET', '/v2.1/os-server-groups')).body.server_groups.length, 0)
  const l = await api.as('demo')('GET', '/v2.1/os-server-groups')
  assertTempestSchema(l, 'v2_1.server_groups', 'list_server_groups')
  assert.equal(l.body.server_groups.length, 1)
  assert.equal((await api.as('admin')('GET', '/v2.1/os-server-groups')).body.server_groups.length, 0)
  assert.equal((await api.as('admin')('GET', '/v2.1/os-server-groups?all_projects=True')).body.server_groups.length, 1)
  assert.equal((await api.as('alt')('GET', '/v2.1/os-server-groups?all_projects=True')).body.server_groups.length, 0)
  assert.equal((await api.as('alt')('DELETE', `/v2.1/os-server-groups/${id}`)).status, 403)
  const d = await api.as('demo')('DELETE', `/v2.1/os-server-groups/${id}`)
  assertTempestSchema(d, 'v2_1.server_groups', 'delete_server_group')
  assert.equal((await api.as('demo')('GET', `/v2.1/os-server-groups/${id}`)).status, 404)
})

test('soft policies from 2.15; policy and rules from 2.64; their checks', async () => {
  const post = (v: string, server_group: unknown) => api.as('demo', v)('POST', '/v2.1/os-server-groups', { server_group })
  assert.equal((await post('2.1', { name: 'x', policies: ['soft-affinity'] })).status, 400)
  assert.equal((await post('2.15', { name: 'x', policies: ['soft-affinity'] })).status, 200)
  assert.equal((await post('2.1', { name: 'x', policies: ['affinity', 'anti-affinity'] })).status, 400)
  assert.equal((await post('2.64', { name: 'x', policies: ['affinity'] })).status, 400)
  const r = await post('2.64', { name: 'y', policy: 'anti-affinity', rules: { max_server_per_host: 2 } })
  assert.equal(r.status, 200)
  assertTempestSchema(r, 'v2_64.server_groups', 'create_show_server_group')
  assert.deepEqual(r.body.server_group.rules, { max_server_per_host: 2 })
  assert.equal((await post('2.64', { name: 'z', policy: 'affinity', rules: { max_server_per_host: 2 } })).status, 400)
  assert.equal((await post('2.64', { name: 'z', policy: 'anti-affinity', rules: { max_server_per_host: 0 } })).status, 400)
  assert.equal((await post('2.64', { name: 'z', policy: 'anti-affinity', rules: { other: 1 } })).status, 400)
  const l = await api.as('demo', '2.64')('GET', '/v2.1/os-server-groups?limit=1&offset=1')
  assertTempestSchema(l, 'v2_64.server_groups', 'list_server_groups')
  assert.deepEqual(l.body.server_groups.map((g: any) => g.name), ['y'])
})

test('the server_groups quota', async () => {
  await setQuotaLimits(api.db, PROJECTS.alt, undefined, { server_groups: 1 })
  assert.equal((await api.as('alt')('POST', '/v2.1/os-server-groups', { server_group: { name: 'a', policies: ['affinity'] } })).status, 200)
  const over = await api.as('alt')('POST', '/v2.1/os-server-groups', { server_group: { name: 'b', policies: ['affinity'] } })
  assert.equal(over.status, 403)
  assert.equal(over.body.forbidden.message, 'Quota exceeded, too many server groups.')
})
