/**
 * Fernet (https://github.com/fernet/spec), version 0x80, as Keystone uses it:
 * token = base64url(0x80 | ts(8, BE seconds) | iv(16) | AES-128-CBC ciphertext | HMAC-SHA256(32)).
 * Keystone strips the base64 '=' padding from issued tokens, so we do too.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const VERSION = 0x80
const HEADER_LEN = 1 + 8 + 16
const HMAC_LEN = 32
const BLOCK = 16
// Version + timestamp + IV + one cipher block + HMAC: nothing shorter can be valid.
const MIN_TOKEN_LEN = HEADER_LEN + BLOCK + HMAC_LEN
const B64URL = /^[A-Za-z0-9_-]+$/

/** Decrypted contents of a valid Fernet token. */
export type FernetResult = { plaintext: Buffer; timestampSec: number }

/** Creates a new random key in the on-disk format: urlsafe base64 of 32 bytes, padded (44 chars). */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url') + '='
}

/**
 * Parses a key file's text (urlsafe base64 of 32 bytes, padding optional, surrounding whitespace ignored).
 * Throws an Error when it is not a valid Fernet key.
 */
export function decodeFernetKey(text: string): Buffer {
  const key = decodeBase64Url(text.trim())
  if (!key || key.length !== 32) throw new Error('invalid Fernet key: expected urlsafe base64 of 32 bytes')
  return key
}

/**
 * Encrypts `plaintext` with a 32-byte key; returns the token without '=' padding (Keystone's form).
 * `nowSec` and `iv` exist for the spec's test vectors; leave them unset in production.
 */
export function fernetEncrypt(key: Buffer, plaintext: Buffer, nowSec?: number, iv?: Buffer): string {
  checkKey(key)
  const ts = nowSec ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError('timestamp must be a non-negative integer')
  const ivBytes = iv ?? randomBytes(16)
  if (ivBytes.length !== 16) throw new RangeError('iv must be 16 bytes')

  const header = Buffer.alloc(HEADER_LEN)
  header[0] = VERSION
  header.writeBigUInt64BE(BigInt(ts), 1)
  ivBytes.copy(header, 9)
  const cipher = createCipheriv('aes-128-cbc', key.subarray(16, 32), ivBytes)
  const body = Buffer.concat([header, cipher.update(plaintext), cipher.final()])
  const mac = createHmac('sha256', key.subarray(0, 16)).update(body).digest()
  return Buffer.concat([body, mac]).toString('base64url')
}

/**
 * Verifies and decrypts `token` with the first key in `keys` whose HMAC matches.
 * Accepts the token with or without '=' padding. Returns null for any invalid token
 * (bad base64, wrong version, too short, HMAC mismatch, bad padding); it does not check a TTL.
 * Throws only if a key is not 32 bytes (a configuration bug, not a token problem).
 */
export function fernetDecrypt(keys: Buffer[], token: string): FernetResult | null {
  for (const key of keys) checkKey(key)
  const raw = decodeBase64Url(token)
  if (!raw || raw.length < MIN_TOKEN_LEN || raw[0] !== VERSION) return null
  if ((raw.length - HEADER_LEN - HMAC_LEN) % BLOCK !== 0) return null

  const body = raw.subarray(0, raw.length - HMAC_LEN)
  const mac = raw.subarray(raw.length - HMAC_LEN)
  for (const key of keys) {
    const expected = createHmac('sha256', key.subarray(0, 16)).update(body).digest()
    if (!timingSafeEqual(expected, mac)) continue
    const plaintext = decryptBody(key, body)
    if (!plaintext) return null
    const ts = raw.readBigUInt64BE(1)
    // A timestamp beyond 2^53 cannot come from a real clock; treat it as garbage.
    if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return null
    return { plaintext, timestampSec: Number(ts) }
  }
  return null
}

function decryptBody(key: Buffer, body: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.subarray(16, 32), body.subarray(9, HEADER_LEN))
    return Buffer.concat([decipher.update(body.subarray(HEADER_LEN)), decipher.final()])
  } catch {
    // A correct HMAC with bad PKCS7 padding means the issuer was broken; still just an invalid token.
    return null
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new TypeError('Fernet key must be 32 bytes')
}

/** Strict base64url decode: restores padding as Keystone does, rejects stray or non-canonical characters. */
function decodeBase64Url(text: string): Buffer | null {
  const bare = text.replace(/={1,2}$/, '')
  if (!B64URL.test(bare) || bare.length % 4 === 1) return null
  const bytes = Buffer.from(bare, 'base64url')
  // Node ignores leftover bits; re-encoding rejects the aliases that would make tokens malleable.
  return bytes.toString('base64url') === bare ? bytes : null
}
