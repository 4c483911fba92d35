import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decodeFernetKey, fernetEncrypt, generateFernetKey } from './fernet.ts'
import { KeyRepository, rotateKeys } from './key-repository.ts'
import { packPayload, type TokenPayload } from './payload.ts'
import { FernetTokenProvider, newAuditId } from './token-provider.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nubis-tokens-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0

function provider(): { dir: string; repo: KeyRepository; tokens: FernetTokenProvider } {
  const dir = path.join(root, `keys-${n++}`)
  const repo = new KeyRepository(dir)
  repo.setup()
  return { dir, repo, tokens: new FernetTokenProvider(repo) }
}

const payload: TokenPayload = {
  userId: '0123456789abcdef0123456789abcdef',
  methods: ['password'],
  scope: { kind: 'project', projectId: 'fedcba9876543210fedcba9876543210' },
  expiresAt: new Date(Date.now() + 3600_000),
  auditIds: [newAuditId()],
}

test('newAuditId is 22 urlsafe chars from 16 random bytes', () => {
  const id = newAuditId()
  assert.match(id, /^[A-Za-z0-9_-]{22}$/)
  assert.equal(Buffer.from(id, 'base64url').length, 16)
  assert.notEqual(newAuditId(), id)
})

test('issue/validate round trip, Keystone-sized token, issue time exposed', () => {
  const { tokens } = provider()
  const token = tokens.issue(payload)
  assert.match(token, /^gAAAAA[A-Za-z0-9_-]+$/)
  assert.ok(token.length < 255, `token length ${token.length}`)
  assert.deepEqual(tokens.validate(token), payload)
  const decoded = tokens.decode(token)
  assert.ok(decoded && Math.abs(decoded.issuedAt.getTime() - Date.now()) < 5000)
})

test('expired tokens still validate: expiry is the caller\'s job', () => {
  const { tokens } = provider()
  const expired = { ...payload, expiresAt: new Date('2001-01-01T00:00:00Z') }
  assert.deepEqual(tokens.validate(tokens.issue(expired)), expired)
})

test('a token survives rotations while its key is in the repository', () => {
  const { dir, repo, tokens } = provider()
  const token = tokens.issue(payload) // encrypted with key 1
  rotateKeys(dir, 3) // another process: keys 0,1,2
  assert.deepEqual(tokens.validate(token), payload)
  repo.rotate(3) // keys 0,2,3: key 1 purged
  assert.equal(tokens.validate(token), null)
})

test('with max 4 the old key lasts one more rotation; new tokens use the new primary', () => {
  const { repo, tokens } = provider()
  const token = tokens.issue(payload)
  repo.rotate(4)
  repo.rotate(4) // keys 0,1,2,3
  assert.deepEqual(tokens.validate(token), payload)
  const newer = tokens.issue(payload)
  const primaryOnly = new FernetTokenProvider(new KeyRepository(repo.dir))
  assert.deepEqual(primaryOnly.validate(newer), payload)
  repo.rotate(4) // keys 0,2,3,4
  assert.equal(tokens.validate(token), null)
  assert.deepEqual(tokens.validate(newer), payload)
})

test('a token issued with the staged key validates before it is promoted', () => {
  const { dir, tokens } = provider()
  const staged = decodeFernetKey(fs.readFileSync(path.join(dir, '0'), 'utf8'))
  const token = fernetEncrypt(staged, packPayload(payload))
  assert.deepEqual(tokens.validate(token), payload)
})

test('tampered, foreign, garbage and non-payload tokens give null', () => {
  const { tokens } = provider()
  const token = tokens.issue(payload)
  const i = 40
  const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
  assert.equal(tokens.validate(flipped), null)
  assert.equal(tokens.validate(token.slice(0, -4)), null)
  assert.equal(tokens.validate(provider().tokens.issue(payload)), null)
  for (const junk of ['', 'garbage', 'gAAAAA', 'x'.repeat(10_000)]) assert.equal(tokens.validate(junk), null)
  assert.equal(tokens.validate(123 as unknown as string), null)
})

test('an authentic token whose plaintext is not a payload gives null', () => {
  const { repo, tokens } = provider()
  assert.equal(tokens.validate(fernetEncrypt(repo.keys.primary, Buffer.from('not msgpack'))), null)
  const stranger = decodeFernetKey(generateFernetKey())
  assert.equal(tokens.validate(fernetEncrypt(stranger, Buffer.from([0x90]))), null)
})

test('issue throws for an unpackable payload', () => {
  const { tokens } = provider()
  assert.throws(() => tokens.issue({ ...payload, methods: ['kerberos'] }), /unknown auth method/)
})
