import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BadRequest } from '../errors.ts'
import { validator } from './validation.ts'

const check = validator({
  type: 'object', required: ['user'], additionalProperties: false,
  properties: { user: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 5 } } } },
})

test('valid bodies pass; invalid ones say which field and why', () => {
  check({ user: { name: 'ok' } })
  assert.throws(() => check({}), (e: unknown) => e instanceof BadRequest && /'user' is a required property/.test(e.message))
  assert.throws(() => check({ user: { name: 7 } }), /Invalid input for field 'user.name': 7 is not of type 'string'/)
  assert.throws(() => check({ user: { name: 'toolong' } }), /too long/)
  assert.throws(() => check({ user: { name: 'a' }, extra: 1 }), /'extra' was unexpected/)
})
