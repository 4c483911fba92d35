import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'

describe('identity policies, endpoint groups and OAuth1 consumers', () => {
  let cloud: TestCloud
  let admin: ApiClient
  let demo: ApiClient
  before(async () => {
    cloud = await startTestCloud()
    admin = await cloud.admin()
    demo = await cloud.demo()
  })
  after(() => cloud.stop())

  const created = async (path: string, key: string, value: Record<string, unknown>) => {
    const res = await admin.post(path, { [key]: value })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body[key]
  }
  const ids = (list: Array<{ id: string }>) => list.map((x) => x.id).sort()
  const statuses = async (calls: Array<Promise<{ status: number }>>) => (await Promise.all(calls)).map((r) => r.status)

  test('policies: CRUD, type filter, extra attributes and bad input', async () => {
    const p = await created('/v3/policies', 'policy', { blob: '{"a": 1}', type: 'application/json', owner: 'ops' })
    assert.deepEqual([p.blob, p.type, p.owner], ['{"a": 1}', 'application/json', 'ops'])
    assert.equal(p.links.self, `${cloud.identityUrl}/v3/policies/${p.id}`)
    assert.deepEqual((await admin.get(`/v3/policies/${p.id}`)).body.policy, p)
    const other = await created('/v3/policies', 'policy', { blob: 'x', type: 'text/plain' })
    assert.deepEqual(ids((await admin.get('/v3/policies?type=text/plain')).body.policies), [other.id])
    assert.deepEqual(ids((await admin.get('/v3/policies')).body.policies), [p.id, other.id].sort())

    for (const body of [{ policy: { type: 'no-blob' } }, { policy: { blob: 'no type' } }, { policy: { blob: 1, type: 't' } }, {}]) {
      assert.equal((await admin.post('/v3/policies', body)).status, 400, JSON.stringify(body))
    }
    assert.equal((await admin.patch(`/v3/policies/${p.id}`, { policy: { id: 'other', type: 'changed' } })).status, 400)
    assert.equal((await admin.patch(`/v3/policies/${p.id}`, { policy: {} })).status, 400)
    assert.deepEqual((await admin.get(`/v3/policies/${p.id}`)).body.policy, p)
    assert.equal((await admin.get('/v3/policies')).body.policies.length, 2)

    const upd = await admin.patch(`/v3/policies/${p.id}`, { policy: { type: 'text/yaml', owner: 'dev' } })
    assert.deepEqual([upd.status, upd.body.policy.type, upd.body.policy.blob, upd.body.policy.owner], [200, 'text/yaml', '{"a": 1}', 'dev'])
    assert.deepEqual(await statuses([admin.get('/v3/policies/nope'), admin.patch('/v3/policies/nope', { policy: { type: 'x' } }),
      admin.delete('/v3/policies/nope')]), [404, 404, 404])
    assert.equal((await admin.get('/v3/policies/nope')).body.error.message, 'Could not find policy: nope.')

    assert.deepEqual(await statuses([demo.post('/v3/policies', { policy: { blob: 'b', type: 'by-demo' } }),
      demo.patch(`/v3/policies/${p.id}`, { policy: { blob: 'evil' } }), demo.delete(`/v3/policies/${p.id}`)]), [403, 403, 403])
    assert.equal((await admin.get(`/v3/policies/${p.id}`)).body.policy.blob, '{"a": 1}')
    assert.equal((await admin.get('/v3/policies?type=by-demo')).body.policies.length, 0)

    assert.equal((await admin.delete(`/v3/policies/${p.id}`)).status, 204)
    assert.equal((await admin.get(`/v3/policies/${p.id}`)).status, 404)
  })

  test('endpoint groups: CRUD, filter validation and the endpoints they match', async () => {
    const svc = await created('/v3/services', 'service', { type: 'grouped', name: 'grouped' })
    const other = await created('/v3/services', 'service', { type: 'ungrouped' })
    const pub = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'public', url: 'http://g/pub' })
    const int = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'internal', url: 'http://g/int' })
    await created('/v3/endpoints', 'endpoint', { service_id: other.id, interface: 'public', url: 'http://u/pub' })
    const base = '/v3/OS-EP-FILTER/endpoint_groups'

    const g = await created(base, 'endpoint_group', { name: 'grouped', filters: { service_id: svc.id } })
    assert.deepEqual([g.name, g.description, g.filters], ['grouped', null, { service_id: svc.id }])
    assert.equal(g.links.self, `${cloud.identityUrl}${base}/${g.id}`)
    assert.deepEqual((await admin.get(`${base}/${g.id}`)).body.endpoint_group, g)
    assert.equal((await admin.head(`${base}/${g.id}`)).status, 200)
    assert.deepEqual(ids((await admin.get(`${base}/${g.id}/endpoints`)).body.endpoints), [pub.id, int.id].sort())

    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'x', filters: { enabled: true } }, /service_id or region_id or interface in endpoint_group/],
      [{ name: 'x', filters: { url: 'http://g' } }, /service_id or region_id or interface/],
      [{ name: 'x', filters: {} }, /filters field is required and cannot be empty/],
      [{ name: 'x', filters: { interface: 'sideways' } }, /interface/],
      [{ name: 'x' }, /filters/],
      [{ name: 'x', filters: { interface: 'public' }, color: 'red' }, /color/],
    ]
    for (const [endpoint_group, message] of bad) {
      const res = await admin.post(base, { endpoint_group })
      assert.equal(res.status, 400, JSON.stringify(endpoint_group))
      assert.match(res.body.error.message, message)
    }
    assert.deepEqual(ids((await admin.get(base)).body.endpoint_groups), [g.id])
    assert.equal((await admin.patch(`${base}/${g.id}`, { endpoint_group: { filters: { enabled: false } } })).status, 400)
    assert.deepEqual((await admin.get(`${base}/${g.id}`)).body.endpoint_group, g)

    const upd = await admin.patch(`${base}/${g.id}`, {
      endpoint_group: { description: 'public ones', filters: { service_id: svc.id, interface: 'public' } },
    })
    assert.equal(upd.status, 200)
    assert.deepEqual([upd.body.endpoint_group.name, upd.body.endpoint_group.description], ['grouped', 'public ones'])
    assert.deepEqual(ids((await admin.get(`${base}/${g.id}/endpoints`)).body.endpoints), [pub.id])
    assert.deepEqual(ids((await admin.get(`${base}?name=grouped`)).body.endpoint_groups), [g.id])
    assert.deepEqual((await admin.get(`${base}?name=nothing`)).body.endpoint_groups, [])

    assert.deepEqual(await statuses([admin.get(`${base}/nope`), admin.head(`${base}/nope`), admin.get(`${base}/nope/endpoints`),
      admin.patch(`${base}/nope`, { endpoint_group: { name: 'n' } }), admin.delete(`${base}/nope`)]), [404, 404, 404, 404, 404])
    assert.equal((await admin.get(`${base}/nope`)).body.error.message, 'Could not find Endpoint Group: nope.')
  })

  test('endpoint groups and endpoints associated with projects', async () => {
    const projectId = admin.tokenBody.token.project.id
    const svc = await created('/v3/services', 'service', { type: 'assoc' })
    const ep = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'admin', url: 'http://a/admin' })
    const ep2 = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'public', url: 'http://a/pub' })
    const g = await created('/v3/OS-EP-FILTER/endpoint_groups', 'endpoint_group', { name: 'assoc', filters: { interface: 'public', service_id: svc.id } })
    const assoc = `/v3/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`
    const direct = `/v3/OS-EP-FILTER/projects/${projectId}/endpoints/${ep.id}`

    assert.equal((await admin.get(assoc)).status, 404)
    assert.equal((await admin.put(assoc)).status, 204)
    assert.equal((await admin.put(assoc)).status, 409)
    const ref = await admin.get(assoc)
    assert.deepEqual(ref.body.project_endpoint_group, { endpoint_group_id: g.id, project_id: projectId, links: { self: `${cloud.identityUrl}${assoc}` } })
    assert.deepEqual(ids((await admin.get(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}/projects`)).body.projects), [projectId])
    assert.deepEqual(ids((await admin.get(`/v3/OS-EP-FILTER/projects/${projectId}/endpoint_groups`)).body.endpoint_groups), [g.id])

    assert.equal((await admin.get(direct)).status, 404)
    assert.equal((await admin.put(direct)).status, 204)
    assert.equal((await admin.put(direct)).status, 409)
    assert.deepEqual(await statuses([admin.get(direct), admin.head(direct)]), [204, 204])
    assert.deepEqual(ids((await admin.get(`/v3/OS-EP-FILTER/endpoints/${ep.id}/projects`)).body.projects), [projectId])
    assert.deepEqual(ids((await admin.get(`/v3/OS-EP-FILTER/projects/${projectId}/endpoints`)).body.endpoints), [ep.id, ep2.id].sort())

    // The catalog in tokens is not filtered: a service no group or association names is still there.
    const outside = await created('/v3/services', 'service', { type: 'outside' })
    await created('/v3/endpoints', 'endpoint', { service_id: outside.id, interface: 'public', url: 'http://outside' })
    const catalog = (await admin.get('/v3/auth/catalog')).body.catalog as Array<{ id: string }>
    assert.ok(catalog.some((s) => s.id === outside.id))

    assert.deepEqual(await statuses([
      admin.put(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}/projects/nope`), admin.put(`/v3/OS-EP-FILTER/endpoint_groups/nope/projects/${projectId}`),
      admin.put(`/v3/OS-EP-FILTER/projects/nope/endpoints/${ep.id}`), admin.put(`/v3/OS-EP-FILTER/projects/${projectId}/endpoints/nope`),
      admin.get('/v3/OS-EP-FILTER/projects/nope/endpoints'), admin.get('/v3/OS-EP-FILTER/projects/nope/endpoint_groups'),
      admin.get('/v3/OS-EP-FILTER/endpoints/nope/projects'), admin.get('/v3/OS-EP-FILTER/endpoint_groups/nope/projects'),
    ]), [404, 404, 404, 404, 404, 404, 404, 404])

    assert.equal((await admin.delete(direct)).status, 204)
    const again = await admin.delete(direct)
    assert.equal(again.status, 404)
    assert.equal(again.body.error.message, `Endpoint ${ep.id} not found in project ${projectId}`)
    assert.deepEqual(ids((await admin.get(`/v3/OS-EP-FILTER/projects/${projectId}/endpoints`)).body.endpoints), [ep2.id])

    assert.equal((await admin.delete(assoc)).status, 204)
    assert.equal((await admin.delete(assoc)).status, 404)
    assert.equal((await admin.put(assoc)).status, 204)
    assert.equal((await admin.delete(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}`)).status, 204)
    assert.deepEqual((await admin.get(`/v3/OS-EP-FILTER/projects/${projectId}/endpoint_groups`)).body.endpoint_groups, [])
    assert.deepEqual((await admin.get(`/v3/OS-EP-FILTER/projects/${projectId}/endpoints`)).body.endpoints, [])
  })

  test('a member cannot manage endpoint groups or project endpoints', async () => {
    const demoProject = demo.tokenBody.token.project.id
    const svc = await created('/v3/services', 'service', { type: 'guarded' })
    const ep = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'public', url: 'http://guarded' })
    const g = await created('/v3/OS-EP-FILTER/endpoint_groups', 'endpoint_group', { name: 'guarded', filters: { service_id: svc.id } })
    const base = '/v3/OS-EP-FILTER'
    assert.deepEqual(await statuses([
      demo.post(`${base}/endpoint_groups`, { endpoint_group: { name: 'by-demo', filters: { interface: 'public' } } }),
      demo.patch(`${base}/endpoint_groups/${g.id}`, { endpoint_group: { name: 'mine' } }),
      demo.delete(`${base}/endpoint_groups/${g.id}`),
      demo.put(`${base}/endpoint_groups/${g.id}/projects/${demoProject}`),
      demo.put(`${base}/projects/${demoProject}/endpoints/${ep.id}`),
      demo.get(`${base}/endpoint_groups`),
    ]), [403, 403, 403, 403, 403, 403])
    assert.deepEqual((await admin.get(`${base}/endpoint_groups/${g.id}`)).body.endpoint_group, g)
    assert.deepEqual((await admin.get(`${base}/projects/${demoProject}/endpoint_groups`)).body.endpoint_groups, [])
    assert.deepEqual((await admin.get(`${base}/projects/${demoProject}/endpoints`)).body.endpoints, [])
    assert.equal((await admin.get(`${base}/endpoint_groups?name=by-demo`)).body.endpoint_groups.length, 0)
  })

  test('OAuth1 consumers: the secret is shown once; it cannot be changed', async () => {
    const base = '/v3/OS-OAUTH1/consumers'
    const c = await created(base, 'consumer', { description: 'a client', team: 'ops' })
    assert.match(c.secret, /^[0-9a-f]{32}$/)
    assert.deepEqual([c.description, c.team, c.links.self], ['a client', 'ops', `${cloud.identityUrl}${base}/${c.id}`])
    const { secret, ...shown } = c
    assert.ok(secret)
    assert.deepEqual((await admin.get(`${base}/${c.id}`)).body.consumer, shown)
    const list = (await admin.get(base)).body.consumers
    assert.deepEqual(list, [shown])

    const bare = await admin.post(base)
    assert.equal(bare.status, 201)
    assert.equal(bare.body.consumer.description, null)

    for (const consumer of [{ secret: 'mine' }, { description: 'x', secret: 'mine' }, {}, { description: 7 }]) {
      assert.equal((await admin.patch(`${base}/${c.id}`, { consumer })).status, 400, JSON.stringify(consumer))
    }
    assert.equal((await admin.patch(`${base}/${c.id}`, { consumer: { id: 'other' } })).status, 400)
    assert.deepEqual((await admin.get(`${base}/${c.id}`)).body.consumer, shown)
    const upd = await admin.patch(`${base}/${c.id}`, { consumer: { description: 'renamed' } })
    assert.deepEqual([upd.status, upd.body.consumer.description, upd.body.consumer.secret], [200, 'renamed', undefined])

    assert.deepEqual(await statuses([demo.post(base, { consumer: { description: 'by-demo' } }),
      demo.patch(`${base}/${c.id}`, { consumer: { description: 'evil' } }), demo.delete(`${base}/${c.id}`), demo.get(base)]),
    [403, 403, 403, 403])
    assert.equal((await admin.get(`${base}/${c.id}`)).body.consumer.description, 'renamed')
    assert.equal((await admin.get(base)).body.consumers.length, 2)

    assert.deepEqual(await statuses([admin.get(`${base}/nope`), admin.patch(`${base}/nope`, { consumer: { description: 'x' } }),
      admin.delete(`${base}/nope`)]), [404, 404, 404])
    assert.equal((await admin.delete(`${base}/${c.id}`)).status, 204)
    assert.equal((await admin.get(`${base}/${c.id}`)).status, 404)
  })
})
