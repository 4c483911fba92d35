import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decode, encode } from '@msgpack/msgpack'
import { packPayload, unpackPayload, type TokenPayload } from './payload.ts'

const USER = '0123456789abcdef0123456789abcdef'
const PROJECT = 'fedcba9876543210fedcba9876543210'
const AUDIT = ['AAECAwQFBgcICQoLDA0ODw', 'ZmVybmV0LWF1ZGl0LWlkMQ']
const EXPIRES = new Date('2030-01-02T03:04:05.678Z')

function base(scope: TokenPayload['scope']): TokenPayload {
  return { userId: USER, methods: ['token', 'password'], scope, expiresAt: EXPIRES, auditIds: AUDIT }
}

const KINDS: Record<string, TokenPayload> = {
  unscoped: base({ kind: 'unscoped' }),
  'domain (uuid)': base({ kind: 'domain', domainId: PROJECT }),
  'domain (default)': base({ kind: 'domain', domainId: 'default' }),
  'project (uuid)': base({ kind: 'project', projectId: PROJECT }),
  'project (non-uuid), federated-style user': { ...base({ kind: 'project', projectId: 'my-project' }), userId: 'alice@idp' },
  system: base({ kind: 'system' }),
  'application credential': { ...base({ kind: 'project', projectId: PROJECT }), appCredId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', methods: ['application_credential'] },
  'no methods, one audit id': { ...base({ kind: 'unscoped' }), methods: [], auditIds: [AUDIT[0]] },
}

for (const [name, payload] of Object.entries(KINDS)) {
  test(`round trip: ${name}`, () => {
    assert.deepEqual(unpackPayload(packPayload(payload)), payload)
  })
}

test('versions and field layout match Keystone', () => {
  const layout = (p: TokenPayload) => decode(packPayload(p)) as unknown[]
  assert.equal(layout(KINDS.unscoped)[0], 0)
  assert.equal(layout(KINDS['domain (uuid)'])[0], 1)
  assert.equal(layout(KINDS['project (uuid)'])[0], 2)
  assert.equal(layout(KINDS.system)[0], 8)
  assert.deepEqual(layout(KINDS.system)[3], 'all')
  const app = layout(KINDS['application credential'])
  assert.equal(app[0], 9)
  assert.equal(app.length, 7)
  assert.equal(app[2], 32)
  // Domain ids are stored bare: raw uuid bytes or the plain string.
  assert.deepEqual(layout(KINDS['domain (uuid)'])[3], Buffer.from(PROJECT, 'hex'))
  assert.equal(layout(KINDS['domain (default)'])[3], 'default')
})

test('uuid hex ids pack as (true, 16 bytes), others as (false, str)', () => {
  const fields = decode(packPayload(KINDS['project (non-uuid), federated-style user'])) as unknown[]
  assert.deepEqual(fields[1], [false, 'alice@idp'])
  assert.deepEqual(fields[3], [false, 'my-project'])
  const uuid = decode(packPayload(KINDS['project (uuid)'])) as unknown[]
  assert.deepEqual(uuid[1], [true, Buffer.from(USER, 'hex')])
  // Uppercase or dashed forms are not canonical uuid.hex: kept as strings so they round trip exactly.
  for (const id of [USER.toUpperCase(), '01234567-89ab-cdef-0123-456789abcdef']) {
    const p = { ...KINDS.unscoped, userId: id }
    assert.deepEqual((decode(packPayload(p)) as unknown[])[1], [false, id])
    assert.equal(unpackPayload(packPayload(p)).userId, id)
  }
})

test('bytes match what Python msgpack packs for Keystone', () => {
  const p: TokenPayload = { ...KINDS.unscoped, methods: ['password'], expiresAt: new Date('2030-01-01T00:00:00Z'), auditIds: [AUDIT[0]] }
  const float = Buffer.alloc(8)
  float.writeDoubleBE(Date.parse('2030-01-01T00:00:00Z') / 1000)
  const expected = Buffer.concat([
    Buffer.from([0x95, 0x00, 0x92, 0xc3, 0xc4, 0x10]), Buffer.from(USER, 'hex'),
    Buffer.from([0x02, 0xcb]), float, // a whole number of seconds is still a float64, as Python's float
    Buffer.from([0x91, 0xc4, 0x10]), Buffer.from(AUDIT[0], 'base64url'),
  ])
  assert.deepEqual(packPayload(p), expected)
})

test('methods bitmask uses the default Keystone order and decodes highest bit first', () => {
  const all = ['external', 'password', 'token', 'oauth1', 'mapped', 'application_credential']
  const fields = decode(packPayload({ ...KINDS.unscoped, methods: all })) as unknown[]
  assert.equal(fields[2], 63)
  assert.deepEqual(unpackPayload(packPayload({ ...KINDS.unscoped, methods: all })).methods, [...all].reverse())
  assert.deepEqual(unpackPayload(packPayload({ ...KINDS.unscoped, methods: ['password', 'password'] })).methods, ['password'])
})

test('expires_at keeps millisecond precision and accepts Keystone microsecond floats', () => {
  for (const iso of ['2030-01-01T00:00:00.001Z', '2025-06-30T23:59:59.999Z', '1970-01-01T00:00:00.000Z']) {
    const p = { ...KINDS.unscoped, expiresAt: new Date(iso) }
    assert.equal(unpackPayload(packPayload(p)).expiresAt.toISOString(), iso)
  }
  const keystone = encode([0, [true, Buffer.from(USER, 'hex')], 2, 1893456000.123456, []])
  assert.equal(unpackPayload(Buffer.from(keystone)).expiresAt.toISOString(), '2030-01-01T00:00:00.123Z')
})

test('unpack rejects malformed payloads with an Error', () => {
  const good = decode(packPayload(KINDS['project (uuid)'])) as unknown[]
  const variants: unknown[] = [
    [], 'nope', 42, [99, ...good.slice(1)], [3, ...good.slice(1)], good.slice(0, 4), [...good, 1],
    [2, [true, Buffer.alloc(15)], ...good.slice(2)],
    [2, [false, ''], ...good.slice(2)],
    [2, ['yes', 'x'], ...good.slice(2)],
    [2, good[1], 64, ...good.slice(3)],
    [2, good[1], -1, ...good.slice(3)],
    [2, good[1], 1.5, ...good.slice(3)],
    [2, ...good.slice(1, 4), 'soon', good[5]],
    [2, ...good.slice(1, 5), ['not bytes']],
    [2, ...good.slice(1, 5), 'not a list'],
    [8, good[1], good[2], 'domain', ...good.slice(4)],
  ]
  for (const v of variants) {
    assert.throws(() => unpackPayload(Buffer.from(encode(v))), Error, JSON.stringify(v))
  }
  assert.throws(() => unpackPayload(Buffer.from([0xc1])), /not msgpack/)
  assert.throws(() => unpackPayload(Buffer.alloc(0)), Error)
})

test('pack rejects values Keystone cannot represent', () => {
  const bad: TokenPayload[] = [
    { ...KINDS.unscoped, methods: ['totp'] },
    { ...KINDS.unscoped, userId: '' },
    { ...KINDS.unscoped, auditIds: ['not base64!'] },
    { ...KINDS.unscoped, auditIds: [''] },
    { ...KINDS.unscoped, expiresAt: new Date(NaN) },
    { ...KINDS['domain (default)'], appCredId: 'x' },
  ]
  for (const p of bad) assert.throws(() => packPayload(p), Error)
})
