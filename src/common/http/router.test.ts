import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router } from './router.ts'
import { route } from './types.ts'

const ok = () => ({ status: 200 })
const router = new Router([
  route('GET', '/v3/users', ok),
  route('GET', '/v3/users/:user_id', ok),
  route('POST', '/v3/users/:user_id/password', ok),
  route('GET', '/v3/users/:user_id/groups', ok),
  route('GET', '/v3/auth/tokens', ok),
])

test('literal segments win over parameters, parameters are decoded', () => {
  const m = router.match('GET', '/v3/users/a%20b/groups')
  assert.equal(m.kind, 'found')
  assert.deepEqual(m.kind === 'found' && m.params, { user_id: 'a b' })
  assert.equal(router.match('GET', '/v3/auth/tokens').kind, 'found')
})

test('trailing slashes are ignored; unknown paths are not found', () => {
  assert.equal(router.match('GET', '/v3/users/').kind, 'found')
  assert.equal(router.match('GET', '/v3/nothing').kind, 'not-found')
  assert.equal(router.match('GET', '/v3/users/x/unknown').kind, 'not-found')
})

test('a known path with another method is 405 material; HEAD falls back to GET', () => {
  const m = router.match('DELETE', '/v3/users')
  assert.deepEqual(m, { kind: 'method-not-allowed', allowed: ['GET'] })
  assert.equal(router.match('HEAD', '/v3/users/u1').kind, 'found')
})

test('conflicting parameter names and duplicate routes are refused at start-up', () => {
  assert.throws(() => new Router([route('GET', '/a/:x', ok), route('GET', '/a/:y/b', ok)]), /conflicts/)
  assert.throws(() => new Router([route('GET', '/a', ok), route('GET', '/a', ok)]), /duplicate/)
})
