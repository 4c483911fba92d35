/** Keystone's security compliance options: lockout, password history, minimum age, expiry. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'

describe('security compliance', () => {
  let cloud: TestCloud
  let admin: ApiClient
  before(async () => {
    cloud = await startTestCloud({
      config: {
        identity: {
          securityCompliance: {
            lockoutFailureAttempts: 2, lockoutDurationSec: 2, uniqueLastPasswordCount: 2,
          },
        },
      },
    })
    admin = await cloud.admin()
  })
  after(() => cloud.stop())

  const login = (id: string, password: string) => cloud.anonymous().post('/v3/auth/tokens', {
    auth: { identity: { methods: ['password'], password: { user: { id, password } } } },
  })
  const newUser = async (name: string, password: string): Promise<string> => {
    const res = await admin.post('/v3/users', { user: { name, password, domain_id: 'default' } })
    assert.equal(res.status, 201)
    return res.body.user.id
  }

  test('after two wrong passwords the right one is refused until the lockout ends', async () => {
    const id = await newUser('lock-me', 'right-password')
    assert.equal((await login(id, 'wrong-1')).status, 401)
    assert.equal((await login(id, 'wrong-2')).status, 401)
    assert.equal((await login(id, 'right-password')).status, 401, 'locked out')
    await new Promise((r) => setTimeout(r, 2100))
    assert.equal((await login(id, 'right-password')).status, 201, 'lockout over')
  })

  test('a new password may not repeat the last two; an older one is fine', async () => {
    const id = await newUser('history', 'pass-one')
    const change = (from: string, to: string) => cloud.anonymous().post(`/v3/users/${id}/password`, {
      user: { original_password: from, password: to },
    })
    assert.equal((await change('pass-one', 'pass-two')).status, 204)
    const repeat = await change('pass-two', 'pass-one')
    assert.equal(repeat.status, 400)
    assert.match(repeat.body.error.message, /identical to a previous password/)
    assert.equal((await login(id, 'pass-two')).status, 201, 'the refused change changed nothing')
    assert.equal((await change('pass-two', 'pass-three')).status, 204)
    assert.equal((await change('pass-three', 'pass-one')).status, 204, 'pass-one is now 3 passwords back')
  })

  test('a wrong original password is refused with 401 and changes nothing', async () => {
    const id = await newUser('keeps-password', 'mine')
    const res = await cloud.anonymous().post(`/v3/users/${id}/password`, { user: { original_password: 'not-mine', password: 'new' } })
    assert.equal(res.status, 401)
    assert.equal((await login(id, 'mine')).status, 201)
  })
})

describe('password expiry and minimum age', () => {
  let cloud: TestCloud
  before(async () => {
    cloud = await startTestCloud({
      config: { identity: { securityCompliance: { minimumPasswordAgeDays: 1, changePasswordUponFirstUse: true } } },
    })
  })
  after(() => cloud.stop())

  test('a user that must change its password first cannot log in until it does; then the minimum age applies', async () => {
    const admin = await cloud.admin()
    const created = await admin.post('/v3/users', { user: { name: 'first-use', password: 'initial', domain_id: 'default' } })
    const id = created.body.user.id
    assert.ok(created.body.user.password_expires_at, 'the initial password is already expired')
    const attempt = await cloud.anonymous().post('/v3/auth/tokens', {
      auth: { identity: { methods: ['password'], password: { user: { id, password: 'initial' } } } },
    })
    assert.equal(attempt.status, 401)
    assert.match(attempt.body.error.message, /expired/)
    const changed = await cloud.anonymous().post(`/v3/users/${id}/password`, { user: { original_password: 'initial', password: 'chosen' } })
    assert.equal(changed.status, 204)
    const again = await cloud.anonymous().post(`/v3/users/${id}/password`, { user: { original_password: 'chosen', password: 'other' } })
    assert.equal(again.status, 400)
    assert.match(again.body.error.message, /minimum password age/)
  })
})
