import assert from 'node:assert/strict'
import { test } from 'node:test'
import { extractPassword, passwordMetadata } from './server-password.ts'

test('a password is stored in four chunks of 255 characters and read back whole', () => {
  const password = 'a'.repeat(255) + 'b'.repeat(255) + 'c'.repeat(10)
  const meta = passwordMetadata(password)
  assert.deepEqual(Object.keys(meta), ['password_0', 'password_1', 'password_2', 'password_3'])
  assert.equal(meta.password_1, 'b'.repeat(255))
  assert.equal(meta.password_3, '')
  assert.equal(extractPassword({ image_os: 'linux', ...meta }), password)
})

test('clearing stores empty chunks, and no chunks read as no password', () => {
  assert.deepEqual(passwordMetadata(null), { password_0: '', password_1: '', password_2: '', password_3: '' })
  assert.equal(extractPassword({ ...passwordMetadata(null) }), '')
  assert.equal(extractPassword({}), '')
})
