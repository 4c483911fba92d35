import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

describe('identity groups and the service catalog', () => {
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
  const mkUser = async (name: string) => created('/v3/users', 'user', { name, password: `pw-${name}` })

  test('group CRUD, filters, duplicates and bad input', async () => {
    const g = await created('/v3/groups', 'group', { name: ' ops ', description: 'operators', pager: 'yes' })
    assert.deepEqual([g.name, g.domain_id, g.description, g.pager], ['ops', 'default', 'operators', 'yes'])
    assert.equal(g.links.self, `${cloud.identityUrl}/v3/groups/${g.id}`)
    assert.deepEqual((await admin.get(`/v3/groups/${g.id}`)).body.group, g)
    assert.deepEqual(ids((await admin.get('/v3/groups?name=ops&domain_id=default')).body.groups), [g.id])

    const dup = await admin.post('/v3/groups', { group: { name: 'ops' } })
    assert.equal(dup.status, 409)
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store group - Duplicate entry found with name ops at domain ID default.')
    for (const body of [{ group: { name: 'x' }, more: 1 }, { group: { description: 'no name' } }, { group: { name: '' } }]) {
      assert.equal((await admin.post('/v3/groups', body)).status, 400)
    }
    assert.equal((await admin.post('/v3/groups', { group: { name: 'x', domain_id: 'nowhere' } })).status, 404)
    assert.equal((await admin.get('/v3/groups?name=x')).body.groups.length, 0)

    const other = await created('/v3/groups', 'group', { name: 'devs' })
    assert.equal((await admin.patch(`/v3/groups/${other.id}`, { group: { name: 'ops' } })).status, 409)
    assert.equal((await admin.patch(`/v3/groups/${other.id}`, { group: { domain_id: 'elsewhere' } })).status, 400)
    assert.deepEqual((await admin.get(`/v3/groups/${other.id}`)).body.group, other)
    const upd = await admin.patch(`/v3/groups/${other.id}`, { group: { description: 'developers' } })
    assert.deepEqual([upd.status, upd.body.group.description, upd.body.group.name], [200, 'developers', 'devs'])

    assert.equal((await admin.delete(`/v3/groups/${other.id}`)).status, 204)
    assert.equal((await admin.get(`/v3/groups/${other.id}`)).status, 404)
    assert.equal((await admin.delete(`/v3/groups/${other.id}`)).status, 404)
  })

  test('membership: add, check, list and remove; removal revokes the user\'s tokens', async () => {
    const g = await created('/v3/groups', 'group', { name: 'members' })
    const u = await mkUser('grouped')
    const base = `/v3/groups/${g.id}/users`
    assert.equal((await admin.head(`${base}/${u.id}`)).status, 404)
    assert.equal((await admin.put(`${base}/${u.id}`)).status, 204)
    assert.equal((await admin.put(`${base}/${u.id}`)).status, 204)
    assert.equal((await admin.head(`${base}/${u.id}`)).status, 204)
    assert.equal((await admin.get(`${base}/${u.id}`)).status, 204)
    assert.deepEqual(ids((await admin.get(base)).body.users), [u.id])
    assert.deepEqual(ids((await admin.get(`/v3/users/${u.id}/groups`)).body.groups), [g.id])
    assert.equal((await admin.put(`${base}/nobody`)).status, 404)
    assert.equal((await admin.put(`/v3/groups/nogroup/users/${u.id}`)).status, 404)

    const session = await ApiClient.login(cloud.identityUrl, { user: 'grouped', password: 'pw-grouped' })
    const check = () => admin.get('/v3/auth/tokens', { 'x-subject-token': session.token! })
    assert.equal((await check()).status, 200)
    assert.equal((await admin.delete(`${base}/${u.id}`)).status, 204)
    assert.equal((await check()).status, 404)
    const again = await admin.delete(`${base}/${u.id}`)
    assert.equal(again.status, 404)
    assert.equal(again.body.error.message, `User '${u.id}' not found in group '${g.id}'`)
    assert.deepEqual((await admin.get(base)).body.users, [])
  })

  test('deleting a group with roles revokes its members\' tokens', async () => {
    const g = await created('/v3/groups', 'group', { name: 'readers' })
    const u = await mkUser('reader-member')
    await admin.put(`/v3/groups/${g.id}/users/${u.id}`)
    const reader = (await admin.get('/v3/roles?name=reader')).body.roles[0]
    assert.equal((await admin.put(`/v3/domains/default/groups/${g.id}/roles/${reader.id}`)).status, 204)
    const session = await ApiClient.login(cloud.identityUrl, { user: 'reader-member', password: 'pw-reader-member' })
    assert.equal((await admin.delete(`/v3/groups/${g.id}`)).status, 204)
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': session.token! })).status, 404)
    assert.deepEqual((await admin.get(`/v3/users/${u.id}/groups`)).body.groups, [])
  })

  test('a member cannot manage groups', async () => {
    const g = await created('/v3/groups', 'group', { name: 'locked' })
    const demoId = demo.tokenBody.token.user.id
    const attempts = await Promise.all([
      demo.post('/v3/groups', { group: { name: 'by-demo' } }),
      demo.get('/v3/groups'),
      demo.patch(`/v3/groups/${g.id}`, { group: { name: 'mine' } }),
      demo.delete(`/v3/groups/${g.id}`),
      demo.put(`/v3/groups/${g.id}/users/${demoId}`),
      demo.get(`/v3/groups/${g.id}/users`),
    ])
    for (const res of attempts) assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.deepEqual((await admin.get(`/v3/groups/${g.id}`)).body.group, g)
    assert.deepEqual((await admin.get(`/v3/groups/${g.id}/users`)).body.users, [])
  })

  test('regions: generated and chosen ids, parents, cycles and deletion', async () => {
    const auto = await created('/v3/regions', 'region', { description: 'auto' })
    assert.match(auto.id, /^[0-9a-f]{32}$/)
    assert.deepEqual([auto.description, auto.parent_region_id], ['auto', null])
    const put = await admin.put('/v3/regions/north', { region: { description: 'n' } })
    assert.equal(put.status, 201)
    assert.equal(put.body.region.id, 'north')
    assert.equal((await admin.put('/v3/regions/north', { region: {} })).status, 409)
    assert.equal((await admin.put('/v3/regions/east', { region: { id: 'west' } })).status, 400)
    const orphan = await admin.post('/v3/regions', { region: { id: 'orphan', parent_region_id: 'nowhere' } })
    assert.equal(orphan.status, 404)
    assert.equal(orphan.body.error.message, 'Could not find region: nowhere.')
    assert.equal((await admin.get('/v3/regions/orphan')).status, 404)

    const child = await created('/v3/regions', 'region', { id: 'north-1', parent_region_id: 'north' })
    await created('/v3/regions', 'region', { id: 'north-1a', parent_region_id: 'north-1' })
    assert.deepEqual(ids((await admin.get('/v3/regions?parent_region_id=north')).body.regions), [child.id])
    const cycle = await admin.patch('/v3/regions/north', { region: { parent_region_id: 'north-1a' } })
    assert.equal(cycle.status, 400)
    assert.match(cycle.body.error.message, /circular region hierarchy/)
    assert.equal((await admin.get('/v3/regions/north')).body.region.parent_region_id, null)
    const upd = await admin.patch('/v3/regions/north-1a', { region: { parent_region_id: null, description: 'moved' } })
    assert.deepEqual([upd.body.region.parent_region_id, upd.body.region.description], [null, 'moved'])
    assert.equal((await admin.patch('/v3/regions/north', { region: { parent_region_id: 'nowhere' } })).status, 404)

    // Any token may read regions; only admins write them.
    assert.equal((await demo.get('/v3/regions/north')).status, 200)
    assert.equal((await demo.post('/v3/regions', { region: { id: 'by-demo' } })).status, 403)
    assert.equal((await demo.delete('/v3/regions/north')).status, 403)

    assert.equal((await admin.delete('/v3/regions/north')).status, 204)
    assert.equal((await admin.get('/v3/regions/north-1')).status, 404)
    assert.equal((await admin.get('/v3/regions/north-1a')).status, 200)
  })

  test('services and endpoints: CRUD, filters, validation, and the catalog follows', async () => {
    await created('/v3/regions', 'region', { id: 'south' })
    const svc = await created('/v3/services', 'service', { type: 'thing', name: 'things', description: 'All the things' })
    assert.deepEqual([svc.type, svc.name, svc.enabled, svc.description], ['thing', 'things', true, 'All the things'])
    assert.deepEqual(ids((await admin.get('/v3/services?type=thing')).body.services), [svc.id])

    const ep = await created('/v3/endpoints', 'endpoint', {
      service_id: svc.id, interface: 'public', url: 'http://things.example/v1/$(project_id)s', region_id: 'south',
    })
    assert.deepEqual([ep.region_id, ep.region, ep.enabled], ['south', 'south', true])
    assert.deepEqual(ids((await admin.get(`/v3/endpoints?service_id=${svc.id}&interface=public`)).body.endpoints), [ep.id])
    assert.deepEqual((await admin.get(`/v3/endpoints?service_id=${svc.id}&interface=admin`)).body.endpoints, [])
    assert.equal((await admin.get('/v3/endpoints?interface=sideways')).status, 400)

    const projectId = admin.tokenBody.token.project.id
    const catalogUrls = async () => {
      const entry = (await admin.get('/v3/auth/catalog')).body.catalog.find((s: { id: string }) => s.id === svc.id)
      return entry?.endpoints.map((e: { url: string }) => e.url)
    }
    assert.deepEqual(await catalogUrls(), [`http://things.example/v1/${projectId}`])

    const invalid: Array<[Record<string, unknown>, RegExp]> = [
      [{ service_id: svc.id, interface: 'sideways', url: 'http://x' }, /interface/],
      [{ service_id: svc.id, interface: 'public' }, /url/],
      [{ service_id: svc.id, interface: 'public', url: 'not a url' }, /url/],
      [{ service_id: svc.id, interface: 'public', url: 'http://x/$(secret)s' }, /invalid URL/],
      [{ service_id: svc.id, interface: 'public', url: 'http://x', region_id: 'nowhere' }, /region_id in region table/],
      [{ service_id: 'nope', interface: 'public', url: 'http://x' }, /service_id in service table/],
    ]
    for (const [endpoint, message] of invalid) {
      const res = await admin.post('/v3/endpoints', { endpoint })
      assert.equal(res.status, 400, JSON.stringify(endpoint))
      assert.match(res.body.error.message, message)
    }
    assert.equal((await admin.post('/v3/endpoints', { endpoint: { service_id: svc.id, interface: 'admin', url: 'http://x' }, junk: 1 })).status, 400)
    assert.deepEqual(ids((await admin.get(`/v3/endpoints?service_id=${svc.id}`)).body.endpoints), [ep.id])
    assert.equal((await admin.patch(`/v3/endpoints/${ep.id}`, { endpoint: { interface: 'nope' } })).status, 400)
    assert.equal((await admin.patch(`/v3/endpoints/${ep.id}`, { endpoint: { region_id: 'nowhere' } })).status, 400)
    assert.deepEqual((await admin.get(`/v3/endpoints/${ep.id}`)).body.endpoint, ep)

    const moved = await admin.patch(`/v3/endpoints/${ep.id}`, { endpoint: { url: 'http://things.example/v2' } })
    assert.equal(moved.body.endpoint.url, 'http://things.example/v2')
    assert.deepEqual(await catalogUrls(), ['http://things.example/v2'])
    const region = await admin.delete('/v3/regions/south')
    assert.equal(region.status, 403)
    assert.match(region.body.error.message, /associated endpoints/)

    await admin.patch(`/v3/services/${svc.id}`, { service: { enabled: false } })
    assert.equal(await catalogUrls(), undefined)
    assert.equal((await admin.patch(`/v3/services/${svc.id}`, { service: { id: 'other' } })).status, 400)
    assert.equal((await admin.delete(`/v3/services/${svc.id}`)).status, 204)
    assert.equal((await admin.get(`/v3/endpoints/${ep.id}`)).status, 404)
    assert.equal((await admin.get(`/v3/services/${svc.id}`)).status, 404)
    assert.equal((await admin.delete('/v3/regions/south')).status, 204)
  })

  test('the legacy endpoint `region` creates its region; members cannot touch the catalog', async () => {
    const svc = await created('/v3/services', 'service', { type: 'legacy' })
    assert.equal(svc.name, '')
    const ep = await created('/v3/endpoints', 'endpoint', { service_id: svc.id, interface: 'internal', url: 'http://l', region: 'old-style' })
    assert.deepEqual([ep.region_id, ep.region], ['old-style', 'old-style'])
    assert.equal((await admin.get('/v3/regions/old-style')).status, 200)
    const attempts = await Promise.all([
      demo.get('/v3/services'),
      demo.post('/v3/services', { service: { type: 'by-demo' } }),
      demo.delete(`/v3/services/${svc.id}`),
      demo.get('/v3/endpoints'),
      demo.patch(`/v3/endpoints/${ep.id}`, { endpoint: { url: 'http://evil' } }),
    ])
    for (const res of attempts) assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.deepEqual((await admin.get(`/v3/endpoints/${ep.id}`)).body.endpoint, ep)
    assert.equal((await admin.get('/v3/services?type=by-demo')).body.services.length, 0)
  })
})
