import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setQuotaLimits } from '../../db/quotas.ts'
import { assertTempestSchema, PROJECTS, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { keypairsRoutes } from './keypairs.ts'

let api: TestApi
before(async () => {
  api = await startTestApi((deps) => keypairsRoutes(deps))
})
after(() => api?.stop())

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILV8akGwEau6/lcwUdBAj9mCwP1zCIxZxJERsxABNq/d root@vm'
const ED25519_FP = '6a:7a:b3:77:64:8d:8b:c7:53:7e:3c:cc:02:16:41:6e'

describe('create', () => {
  test('an imported key gets Nova\'s MD5 fingerprint; 2.1 answers 200 without type, 2.2 201 with it', async () => {
    const r = await api.as('demo')('POST', '/v2.1/os-keypairs', { keypair: { name: 'imported', public_key: ED25519 } })
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.keypairs', 'create_keypair')
    assert.deepEqual(r.body.keypair, { name: 'imported', public_key: ED25519, fingerprint: ED25519_FP, user_id: 'u-demo' })
    const r22 = await api.as('demo', '2.2')('POST', '/v2.1/os-keypairs', { keypair: { name: 'imported-22', public_key: ED25519 } })
    assert.equal(r22.status, 201)
    assertTempestSchema(r22, 'v2_2.keypairs', 'create_keypair')
    assert.equal(r22.body.keypair.type, 'ssh')
  })

  test('a generated key returns its private key once (before 2.92), and is an OpenSSH RSA key', async () => {
    const r = await api.as('demo', '2.91')('POST', '/v2.1/os-keypairs', { keypair: { name: 'generated' } })
    assert.equal(r.status, 201)
    assertTempestSchema(r, 'v2_2.keypairs', 'create_keypair')
    assert.match(r.body.keypair.private_key, /^-----BEGIN RSA PRIVATE KEY-----/)
    assert.match(r.body.keypair.public_key, /^ssh-rsa AAAAB3NzaC1yc2E\S+ Generated-by-Nova$/)
    assert.match(r.body.keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/)
    const shown = await api.as('demo', '2.2')('GET', '/v2.1/os-keypairs/generated')
    assert.equal(shown.body.keypair.private_key, undefined)
    assert.equal(shown.body.keypair.public_key, r.body.keypair.public_key)
    assertTempestSchema(shown, 'v2_2.keypairs', 'get_keypair')
    const r292 = await api.as('demo', '2.92')('POST', '/v2.1/os-keypairs', { keypair: { name: 'nokey' } })
    assert.equal(r292.status, 400)
  })

  test('x509 key pairs from 2.2', async () => {
    const r = await api.as('demo', '2.2')('POST', '/v2.1/os-keypairs', { keypair: { name: 'cert', type: 'x509' } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.match(r.body.keypair.public_key, /^-----BEGIN CERTIFICATE-----/)
    assert.match(r.body.keypair.fingerprint, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/)
    const imported = await api.as('demo', '2.2')('POST', '/v2.1/os-keypairs', { keypair: { name: 'cert2', type: 'x509', public_key: r.body.keypair.public_key } })
    assert.equal(imported.body.keypair.fingerprint, r.body.keypair.fingerprint)
    assert.equal((await api.as('demo')('POST', '/v2.1/os-keypairs', { keypair: { name: 'c3', type: 'x509', public_key: 'x' } })).status, 400)
  })

  test('bad names, bad keys and fields of later microversions are 400; a duplicate name is 409', async () => {
    const bad: unknown[] = [
      { name: '' }, { name: 'a'.repeat(256) }, { name: ' lead' }, { name: 'bad/char' }, { name: 'at@sign', public_key: ED25519 },
      { name: 'k', public_key: 'ssh-rsa AAAA' }, { name: 'k', public_key: '' }, { name: 'k', public_key: 'ssh-rsa' },
      { name: 'k', type: 'ssh', public_key: ED25519 }, { name: 'k', user_id: 'x', public_key: ED25519 }, { name: 'k', bogus: 1 },
    ]
    for (const keypair of bad) {
      const r = await api.as('demo')('POST', '/v2.1/os-keypairs', { keypair })
      assert.equal(r.status, 400, JSON.stringify(keypair))
    }
    const bad292 = await api.as('demo', '2.92')('POST', '/v2.1/os-keypairs', { keypair: { name: 'user@host.example', public_key: ED25519 } })
    assert.equal(bad292.status, 201)
    const dup = await api.as('demo')('POST', '/v2.1/os-keypairs', { keypair: { name: 'imported', public_key: ED25519 } })
    assert.equal(dup.status, 409)
    assert.equal(dup.body.conflictingRequest.message, "Key pair 'imported' already exists.")
  })

  test('each user holds at most the key_pairs quota', async () => {
    await setQuotaLimits(api.db, PROJECTS.alt, undefined, { key_pairs: 1 })
    assert.equal((await api.as('alt')('POST', '/v2.1/os-keypairs', { keypair: { name: 'one', public_key: ED25519 } })).status, 200)
    const over = await api.as('alt')('POST', '/v2.1/os-keypairs', { keypair: { name: 'two', public_key: ED25519 } })
    assert.equal(over.status, 403)
    assert.equal(over.body.forbidden.message, 'Quota exceeded, too many key pairs.')
    await api.as('alt')('DELETE', '/v2.1/os-keypairs/one')
  })
})

describe('list, show, delete', () => {
  test('a user sees only their own key pairs; show has Nova\'s fields', async () => {
    const mine = await api.as('demo')('GET', '/v2.1/os-keypairs')
    assertTempestSchema(mine, 'v2_1.keypairs', 'list_keypairs')
    assert.ok(mine.body.keypairs.some((k: any) => k.keypair.name === 'imported'))
    assert.deepEqual((await api.as('demo2')('GET', '/v2.1/os-keypairs')).body.keypairs, [])
    assert.equal((await api.as('demo2')('GET', '/v2.1/os-keypairs/imported')).status, 404)
    assert.equal((await api.as('alt')('DELETE', '/v2.1/os-keypairs/imported')).status, 404)
    const shown = await api.as('demo')('GET', '/v2.1/os-keypairs/imported')
    assertTempestSchema(shown, 'v2_1.keypairs', 'get_keypair')
    assert.equal(shown.body.keypair.deleted, false)
    assert.match(shown.body.keypair.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/)
    const list22 = await api.as('demo', '2.2')('GET', '/v2.1/os-keypairs')
    assertTempestSchema(list22, 'v2_2.keypairs', 'list_keypairs')
  })

  test('from 2.10 admins name the user; members may not', async () => {
    const r = await api.as('admin', '2.10')('POST', '/v2.1/os-keypairs', { keypair: { name: 'for-alt', user_id: 'u-alt', public_key: ED25519 } })
    assert.equal(r.status, 201)
    assert.equal(r.body.keypair.user_id, 'u-alt')
    assert.ok((await api.as('alt')('GET', '/v2.1/os-keypairs')).body.keypairs.some((k: any) => k.keypair.name === 'for-alt'))
    assert.equal((await api.as('admin', '2.10')('GET', '/v2.1/os-keypairs/for-alt?user_id=u-alt')).status, 200)
    assert.equal((await api.as('admin', '2.10')('GET', '/v2.1/os-keypairs?user_id=u-alt')).body.keypairs.length, 1)
    const denied = await api.as('demo', '2.10')('GET', '/v2.1/os-keypairs?user_id=u-alt')
    assert.equal(denied.status, 403)
    assert.equal((await api.as('demo', '2.10')('POST', '/v2.1/os-keypairs', { keypair: { name: 'x', user_id: 'u-alt', public_key: ED25519 } })).status, 403)
    assert.equal((await api.as('admin', '2.10')('DELETE', '/v2.1/os-keypairs/for-alt?user_id=u-alt')).status, 204)
  })

  test('from 2.35 lists page by name with limit and marker', async () => {
    for (const n of ['p-a', 'p-b', 'p-c']) await api.as('demo2')('POST', '/v2.1/os-keypairs', { keypair: { name: n, public_key: ED25519 } })
    const page = await api.as('demo2', '2.35')('GET', '/v2.1/os-keypairs?limit=2')
    assert.deepEqual(page.body.keypairs.map((k: any) => k.keypair.name), ['p-a', 'p-b'])
    assert.match(page.body.keypairs_links[0].href, /os-keypairs\?limit=2&marker=p-b$/)
    const next = await api.as('demo2', '2.35')('GET', '/v2.1/os-keypairs?limit=2&marker=p-b')
    assert.deepEqual(next.body.keypairs.map((k: any) => k.keypair.name), ['p-c'])
    assert.equal(next.body.keypairs_links, undefined)
    assert.equal((await api.as('demo2', '2.35')('GET', '/v2.1/os-keypairs?marker=zzz')).status, 400)
    assert.equal((await api.as('demo2', '2.34')('GET', '/v2.1/os-keypairs?limit=1')).body.keypairs.length, 3)
  })

  test('delete answers 202 at 2.1 and 204 from 2.2; then the key pair is gone', async () => {
    assert.equal((await api.as('demo')('DELETE', '/v2.1/os-keypairs/imported')).status, 202)
    assert.equal((await api.as('demo', '2.2')('DELETE', '/v2.1/os-keypairs/imported-22')).status, 204)
    const gone = await api.as('demo')('GET', '/v2.1/os-keypairs/imported')
    assert.equal(gone.body.itemNotFound.message, 'Keypair imported not found for user u-demo')
  })
})
