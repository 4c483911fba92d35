/** The same identity flows on every database engine: SQLite, PostgreSQL and MariaDB. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { startTestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'
import { pgAdminUrl, scratchDatabase, type Engine } from '../../support/databases.ts'

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`identity on ${engine}`, () => {
    test('migrate, bootstrap, users, tokens and revocation', async (t) => {
      const scratch = await scratchDatabase(engine)
      if ('skip' in scratch) return t.skip(scratch.skip)
      const cloud = await startTestCloud({ databaseUrl: engine === 'sqlite' ? undefined : scratch.url })
      try {
        const admin = await cloud.admin()
        const created = await admin.post('/v3/users', { user: { name: 'alice', password: 'first-secret', domain_id: 'default' } })
        assert.equal(created.status, 201)
        assert.equal(created.body.user.enabled, true)
        const dup = await admin.post('/v3/users', { user: { name: 'alice', domain_id: 'default' } })
        assert.equal(dup.status, 409)
        assert.equal(dup.body.error.code, 409)

        const alice = await ApiClient.login(cloud.identityUrl, { user: 'alice', password: 'first-secret' })
        const check = () => admin.get('/v3/auth/tokens', { 'x-subject-token': alice.token! })
        assert.equal((await check()).status, 200)
        const changed = await alice.post(`/v3/users/${created.body.user.id}/password`, {
          user: { original_password: 'first-secret', password: 'second-secret' },
        })
        assert.equal(changed.status, 204)
        assert.equal((await check()).status, 404, 'a password change revokes earlier tokens')

        const disabled = await admin.patch(`/v3/users/${created.body.user.id}`, { user: { enabled: false } })
        assert.equal(disabled.body.user.enabled, false)
        const refused = await cloud.anonymous().post('/v3/auth/tokens', {
          auth: { identity: { methods: ['password'], password: { user: { id: created.body.user.id, password: 'second-secret' } } } },
        })
        assert.equal(refused.status, 401)
      } finally {
        await cloud.stop()
        await scratch.drop()
      }
    })
  })
}

test('a PostgreSQL server that ends an idle connection does not take the service down: the next request reconnects', async (t) => {
  const scratch = await scratchDatabase('postgres')
  if ('skip' in scratch) return t.skip(scratch.skip)
  const cloud = await startTestCloud({ databaseUrl: scratch.url })
  const dbName = new URL(scratch.url).pathname.slice(1)
  const killer = new pg.Client({ connectionString: pgAdminUrl })
  try {
    const admin = await cloud.admin()
    assert.equal((await admin.get('/v3/users')).status, 200)
    await killer.connect()
    const killed = await killer.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName])
    assert.ok(killed.rowCount! > 0, 'the service held idle connections to end')
    await new Promise((r) => setTimeout(r, 200))
    assert.equal((await admin.get('/v3/users')).status, 200, 'the service is still up and reads again')
  } finally {
    await killer.end()
    await cloud.stop()
    await scratch.drop()
  }
})
