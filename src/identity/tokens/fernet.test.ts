import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFernetKey, fernetDecrypt, fernetEncrypt, generateFernetKey } from './fernet.ts'

// Vectors from github.com/fernet/spec generate.json / verify.json / invalid.json.
const SECRET = decodeFernetKey('cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=')
const SPEC_TOKEN = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=='
const NOW = Date.parse('1985-10-26T01:20:00-07:00') / 1000
const IV = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])

const INVALID: Record<string, string> = {
  'incorrect mac': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==',
  'too short': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==',
  'invalid base64': '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==',
  'payload size not multiple of block size': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm',
  'payload padding error': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==',
  'incorrect IV (causes padding error)': 'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==',
}

test('generate vector: encrypt produces the spec token minus padding', () => {
  assert.equal(NOW, 499162800)
  const token = fernetEncrypt(SECRET, Buffer.from('hello'), NOW, IV)
  assert.equal(token, SPEC_TOKEN.replace(/=+$/, ''))
})

test('verify vector: decrypts with and without padding', () => {
  for (const token of [SPEC_TOKEN, SPEC_TOKEN.replace(/=+$/, '')]) {
    const result = fernetDecrypt([SECRET], token)
    assert.ok(result)
    assert.equal(result.plaintext.toString(), 'hello')
    assert.equal(result.timestampSec, NOW)
  }
})

for (const [desc, token] of Object.entries(INVALID)) {
  test(`invalid vector rejected: ${desc}`, () => {
    assert.equal(fernetDecrypt([SECRET], token), null)
  })
}

test('tries every key and returns null when none matches', () => {
  const other = decodeFernetKey(generateFernetKey())
  assert.equal(fernetDecrypt([other], SPEC_TOKEN), null)
  assert.equal(fernetDecrypt([other, SECRET], SPEC_TOKEN)?.plaintext.toString(), 'hello')
  assert.equal(fernetDecrypt([], SPEC_TOKEN), null)
})

test('round trip with random iv and current time', () => {
  const key = decodeFernetKey(generateFernetKey())
  const plaintext = Buffer.from([0, 1, 2, 255, 254])
  const token = fernetEncrypt(key, plaintext)
  assert.doesNotMatch(token, /=/)
  const result = fernetDecrypt([key], token)
  assert.deepEqual(result?.plaintext, plaintext)
  assert.ok(Math.abs(result.timestampSec - Date.now() / 1000) < 5)
  assert.equal(fernetDecrypt([key], fernetEncrypt(key, Buffer.alloc(0)))?.plaintext.length, 0)
})

test('any flipped byte or garbage is rejected', () => {
  const raw = Buffer.from(SPEC_TOKEN, 'base64url')
  for (let i = 0; i < raw.length; i++) {
    const copy = Buffer.from(raw)
    copy[i] ^= 0x01
    assert.equal(fernetDecrypt([SECRET], copy.toString('base64url')), null, `byte ${i}`)
  }
  for (const junk of ['', 'x', '====', 'gAAAAA', 'not a token at all', SPEC_TOKEN + 'A', ' ' + SPEC_TOKEN]) {
    assert.equal(fernetDecrypt([SECRET], junk), null, junk)
  }
})

test('non-canonical base64 aliases are rejected', () => {
  const bare = SPEC_TOKEN.replace(/=+$/, '')
  // The last char 'A' carries 2 unused bits here; 'B' decodes to the same bytes in lenient decoders.
  const alias = bare.slice(0, -1) + 'B'
  assert.deepEqual(Buffer.from(alias, 'base64url'), Buffer.from(bare, 'base64url'))
  assert.equal(fernetDecrypt([SECRET], alias), null)
})

test('keys: decode validates length and format', () => {
  assert.equal(generateFernetKey().length, 44)
  assert.throws(() => decodeFernetKey('short'))
  assert.throws(() => decodeFernetKey(Buffer.alloc(31).toString('base64url')))
  assert.equal(decodeFernetKey(' cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=\n').length, 32)
  assert.throws(() => fernetEncrypt(Buffer.alloc(16), Buffer.from('x')), TypeError)
})
