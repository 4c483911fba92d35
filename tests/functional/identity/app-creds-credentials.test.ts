import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

describe('identity application credentials and credentials', () => {
  let cloud: TestCloud
  let admin: ApiClient
  let demo: ApiClient
  let demoId: string
  let demoProject: string
  before(async () => {
    cloud = await startTestCloud()
    admin = await cloud.admin()
    demo = await cloud.demo()
    demoId = demo.tokenBody.token.user.id
    demoProject = demo.tokenBody.token.project.id
  })
  after(() => cloud.stop())

  const appCreds = (userId: string) => `/v3/users/${userId}/application_credentials`
  const authWith = (application_credential: Record<string, unknown>) => cloud.anonymous().post('/v3/auth/tokens', {
    auth: { identity: { methods: ['application_credential'], application_credential } },
  })

  test('create, authenticate, and get a token scoped to the creator’s project', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1456')
    const res = await demo.post(appCreds(demoId), {
      application_credential: { name: 'ci', description: 'for CI', expires_at: expires, roles: [{ name: 'reader' }] },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const ac = res.body.application_credential
    assert.equal(ac.expires_at, expires)
    assert.equal(ac.project_id, demoProject)
    assert.equal(ac.unrestricted, false)
    assert.deepEqual(ac.access_rules, [])
    assert.deepEqual(ac.roles.map((r: any) => r.name), ['reader'])
    assert.match(ac.secret, /^[A-Za-z0-9_-]{64,}$/)

    const auth = await authWith({ id: ac.id, secret: ac.secret })
    assert.equal(auth.status, 201, JSON.stringify(auth.body))
    const t = auth.body.token
    assert.deepEqual(t.methods, ['application_credential'])
    assert.equal(t.project.id, demoProject)
    assert.deepEqual(t.roles.map((r: any) => r.name), ['reader'])
    assert.deepEqual(t.application_credential, { id: ac.id, name: 'ci', restricted: true })
    const byName = await authWith({ name: 'ci', user: { id: demoId }, secret: ac.secret })
    assert.equal(byName.status, 201)
    assert.equal((await authWith({ id: ac.id, secret: 'wrong' })).status, 401)

    // The secret is shown once; list and show never return it.
    const shown = await demo.get(`${appCreds(demoId)}/${ac.id}`)
    assert.equal(shown.status, 200)
    assert.equal(shown.body.application_credential.secret, undefined)
    assert.equal(shown.body.application_credential.expires_at, expires)
    const listed = await demo.get(`${appCreds(demoId)}?name=ci`)
    assert.deepEqual(listed.body.application_credentials.map((c: any) => [c.id, c.secret]), [[ac.id, undefined]])
    assert.equal((await demo.get(`${appCreds(demoId)}?name=other`)).body.application_credentials.length, 0)

    // A restricted credential's token may not make or remove credentials.
    const restricted = demo.withToken(auth.headers.get('x-subject-token')!)
    assert.equal((await restricted.post(appCreds(demoId), { application_credential: { name: 'more' } })).status, 403)
    assert.equal((await restricted.delete(`${appCreds(demoId)}/${ac.id}`)).status, 403)

    // Deleting it revokes its tokens at once.
    assert.equal((await demo.delete(`${appCreds(demoId)}/${ac.id}`)).status, 204)
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': restricted.token! })).status, 404)
    assert.equal((await authWith({ id: ac.id, secret: ac.secret })).status, 401)
    assert.equal((await demo.get(`${appCreds(demoId)}/${ac.id}`)).status, 404)
  })

  test('an unrestricted credential may create another', async () => {
    const res = await demo.post(appCreds(demoId), { application_credential: { name: 'boss', unrestricted: true, secret: 'my-secret' } })
    assert.equal(res.status, 201)
    assert.equal(res.body.application_credential.secret, 'my-secret')
    assert.deepEqual(res.body.application_credential.roles.map((r: any) => r.name).sort(), ['member', 'reader'])
    const auth = await authWith({ id: res.body.application_credential.id, secret: 'my-secret' })
    const client = demo.withToken(auth.headers.get('x-subject-token')!)
    const child = await client.post(appCreds(demoId), { application_credential: { name: 'child' } })
    assert.equal(child.status, 201)
  })

  test('bad requests get 400/403/409 and create nothing', async () => {
    const before = (await demo.get(appCreds(demoId))).body.application_credentials.length
    const create = (body: Record<string, unknown>, client = demo, user = demoId) =>
      client.post(appCreds(user), { application_credential: { name: 'bad', ...body } })
    assert.equal((await create({ roles: [{ name: 'admin' }] })).status, 400)
    assert.equal((await create({ expires_at: '2001-01-01T00:00:00' })).status, 400)
    assert.equal((await create({ expires_at: 'soon' })).status, 400)
    assert.equal((await create({ access_rules: [{ service: 'compute', method: 'GET', path: '/servers' }] })).status, 400)
    assert.equal((await create({ roles: [{ id: 'x', name: 'y' }] })).status, 400)
    assert.equal((await create({ colour: 'blue' })).status, 400)
    assert.equal((await create({ name: '' })).status, 400)
    assert.equal((await create({}, demo, admin.tokenBody.token.user.id)).status, 403)
    assert.equal((await demo.get(appCreds(demoId))).body.application_credentials.length, before)

    assert.equal((await create({ name: 'twice' })).status, 201)
    assert.equal((await create({ name: 'twice' })).status, 409)
  })

  test('only the owner (or an admin) sees an application credential', async () => {
    const adminId = admin.tokenBody.token.user.id
    const mine = (await admin.post(appCreds(adminId), { application_credential: { name: 'admin-ac' } })).body.application_credential
    assert.equal((await demo.get(`${appCreds(adminId)}/${mine.id}`)).status, 403)
    assert.equal((await demo.get(appCreds(adminId))).status, 403)
    // Naming one's own user in the path does not reach another user's credential.
    assert.equal((await demo.get(`${appCreds(demoId)}/${mine.id}`)).status, 403)
    assert.equal((await demo.delete(`${appCreds(adminId)}/${mine.id}`)).status, 403)
    const demoAc = (await demo.get(appCreds(demoId))).body.application_credentials[0]
    assert.equal((await admin.get(`${appCreds(demoId)}/${demoAc.id}`)).status, 200)
  })

  test('credentials: EC2 ids, encryption round trip, ownership and filters', async () => {
    const blob = JSON.stringify({ access: 'AKIA-demo', secret: 's3cr3t' })
    const res = await demo.post('/v3/credentials', { credential: { type: 'ec2', user_id: demoId, project_id: demoProject, blob } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const c = res.body.credential
    assert.equal(c.id, createHash('sha256').update('AKIA-demo').digest('hex'))
    assert.equal(c.blob, blob)
    assert.equal(c.links.self, `${cloud.identityUrl}/v3/credentials/${c.id}`)
    assert.equal((await demo.post('/v3/credentials', { credential: { type: 'ec2', user_id: demoId, project_id: demoProject, blob } })).status, 409)

    const cert = await admin.post('/v3/credentials', { credential: { type: 'cert', user_id: admin.tokenBody.token.user.id, blob: 'PEM' } })
    assert.equal(cert.status, 201)
    assert.equal(cert.body.credential.project_id, null)

    const demoList = (await demo.get('/v3/credentials')).body.credentials
    assert.deepEqual(demoList.map((x: any) => x.id), [c.id])
    const adminList = (await admin.get('/v3/credentials?type=cert')).body.credentials
    assert.deepEqual(adminList.map((x: any) => x.blob), ['PEM'])
    assert.equal((await demo.get(`/v3/credentials/${cert.body.credential.id}`)).status, 403)
    assert.equal((await demo.get(`/v3/credentials/${c.id}`)).body.credential.blob, blob)

    const newBlob = JSON.stringify({ access: 'AKIA-demo', secret: 'rotated' })
    const patched = await demo.patch(`/v3/credentials/${c.id}`, { credential: { blob: newBlob } })
    assert.equal(patched.status, 200)
    assert.equal(patched.body.credential.blob, newBlob)
    const adminId = admin.tokenBody.token.user.id
    assert.equal((await demo.patch(`/v3/credentials/${c.id}`, { credential: { user_id: adminId } })).status, 403)
    assert.equal((await demo.get(`/v3/credentials/${c.id}`)).body.credential.user_id, demoId)
    assert.equal((await demo.delete(`/v3/credentials/${c.id}`)).status, 204)
    // Keystone enforces before looking: a member gets 403 for a missing credential, an admin 404.
    assert.equal((await demo.get(`/v3/credentials/${c.id}`)).status, 403)
    assert.equal((await admin.get(`/v3/credentials/${c.id}`)).status, 404)
  })

  test('credentials: bad input is 400, other users’ credentials 403, and nothing is stored', async () => {
    const adminId = admin.tokenBody.token.user.id
    const post = (credential: Record<string, unknown>) => demo.post('/v3/credentials', { credential })
    assert.equal((await post({ type: 'ec2', user_id: demoId, blob: '{"access":"a"}' })).status, 400)
    assert.equal((await post({ type: 'ec2', user_id: demoId, project_id: demoProject, blob: 'not json' })).status, 400)
    assert.equal((await post({ type: 'ec2', user_id: demoId, project_id: demoProject, blob: '{"secret":"x"}' })).status, 400)
    assert.equal((await post({ type: 'cert', user_id: demoId })).status, 400)
    assert.equal((await post({ type: 'cert', user_id: adminId, blob: 'x' })).status, 403)
    assert.deepEqual((await demo.get('/v3/credentials')).body.credentials, [])
  })
})
