import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

describe('identity tokens', () => {
  let cloud: TestCloud
  before(async () => { cloud = await startTestCloud() })
  after(() => cloud.stop())

  test('version discovery answers 300 at / and 200 at /v3', async () => {
    const anon = cloud.anonymous()
    const root = await anon.get('/')
    assert.equal(root.status, 300)
    assert.equal(root.body.versions.values[0].id, 'v3.14')
    const v3 = await anon.get('/v3')
    assert.equal(v3.status, 200)
    assert.equal(v3.body.version['media-types'][0].type, 'application/vnd.openstack.identity-v3+json')
    assert.match(v3.headers.get('x-openstack-request-id')!, /^req-[0-9a-f-]{36}$/)
  })

  test('a project-scoped token carries roles (with implied ones) and the catalog', async () => {
    const admin = await cloud.admin()
    const t = admin.tokenBody.token
    assert.deepEqual(t.methods, ['password'])
    assert.equal(t.project.name, 'admin')
    assert.deepEqual(t.roles.map((r: { name: string }) => r.name).sort(), ['admin', 'manager', 'member', 'reader'])
    assert.ok(Array.isArray(t.catalog))
    assert.ok(Date.parse(t.expires_at) > Date.parse(t.issued_at))
  })

  test('validation returns the same body as issue; after DELETE it is 404', async () => {
    const demo = await cloud.demo()
    const got = await demo.get('/v3/auth/tokens', { 'x-subject-token': demo.token! })
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, demo.tokenBody)
    assert.equal((await demo.head('/v3/auth/tokens', { 'x-subject-token': demo.token! })).status, 200)
    const admin = await cloud.admin()
    assert.equal((await admin.delete('/v3/auth/tokens', { 'x-subject-token': demo.token! })).status, 204)
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': demo.token! })).status, 404)
    assert.equal((await demo.get('/v3/auth/catalog')).status, 401)
  })

  test('a wrong password and an unknown user get the same 401', async () => {
    const anon = cloud.anonymous()
    const attempt = (name: string, password: string) => anon.post('/v3/auth/tokens', {
      auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } } },
    })
    const wrong = await attempt('demo', 'nope')
    const unknown = await attempt('nobody', 'nope')
    assert.equal(wrong.status, 401)
    assert.equal(unknown.status, 401)
    assert.deepEqual(wrong.body, unknown.body)
    assert.deepEqual(Object.keys(wrong.body.error).sort(), ['code', 'message', 'title'])
  })

  test('malformed and invalid bodies get 400 with Keystone error shape', async () => {
    const anon = cloud.anonymous()
    const bad = await anon.post('/v3/auth/tokens', '{not json')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 400)
    const missing = await anon.post('/v3/auth/tokens', { auth: {} })
    assert.equal(missing.status, 400)
    assert.match(missing.body.error.message, /identity/)
  })

  test('token method rescopes; a system-scoped token for the admin', async () => {
    const unscoped = await ApiClient.login(cloud.identityUrl, { user: 'admin', password: cloud.adminPassword })
    assert.equal(unscoped.tokenBody.token.roles, undefined)
    const res = await cloud.anonymous().post('/v3/auth/tokens', {
      auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } },
    })
    // admin holds no role on demo
    assert.equal(res.status, 401)
    const sys = await ApiClient.login(cloud.identityUrl, { user: 'admin', password: cloud.adminPassword, system: true })
    assert.deepEqual(sys.tokenBody.token.system, { all: true })
  })

  test('the token method with a revoked or bogus token is 404, as in Keystone', async () => {
    const demo = await cloud.demo()
    const admin = await cloud.admin()
    assert.equal((await admin.delete('/v3/auth/tokens', { 'x-subject-token': demo.token! })).status, 204)
    const withToken = (id: string) => cloud.anonymous().post('/v3/auth/tokens', {
      auth: { identity: { methods: ['token'], token: { id } } },
    })
    assert.equal((await withToken(demo.token!)).status, 404)
    assert.equal((await withToken('not-a-token')).status, 404)
  })

  test('creating a user in an unknown domain is 404', async () => {
    const admin = await cloud.admin()
    const res = await admin.post('/v3/users', { user: { name: 'nobody-home', domain_id: 'no-such-domain' } })
    assert.equal(res.status, 404)
  })

  test('an oversized body gets 413 and an unknown path 404', async () => {
    const anon = cloud.anonymous()
    const huge = await anon.post('/v3/auth/tokens', { pad: 'x'.repeat(200_000) })
    assert.equal(huge.status, 413)
    assert.equal((await anon.get('/v3/nowhere')).status, 404)
  })
  test('the projects of a token and of a user carry their tags', async () => {
    const admin = await cloud.admin()
    const project = admin.tokenBody.token.project.id
    assert.equal((await admin.put(`/v3/projects/${project}/tags`, { tags: ['blue', 'prod'] })).status, 200)
    const mine = (await admin.get('/v3/auth/projects')).body.projects.find((p: { id: string }) => p.id === project)
    assert.deepEqual(mine.tags, ['blue', 'prod'])
    const theirs = (await admin.get(`/v3/users/${admin.tokenBody.token.user.id}/projects`)).body.projects
    assert.deepEqual(theirs.find((p: { id: string }) => p.id === project).tags, ['blue', 'prod'])
  })
})
