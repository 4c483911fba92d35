/**
 * Keystone's Fernet token payloads (keystone/token/token_formatters.py), msgpack-encoded as
 * [version, ...fields]. Supported versions: 0 unscoped, 1 domain, 2 project, 8 system,
 * 9 application credential. Trust (3), federated (4-6), OAuth1 (7) and OAuth2 (10) are not.
 */
import { decode, encode } from '@msgpack/msgpack'

/** What a token carries. `methods` come back from `unpackPayload` in Keystone's order (highest bit first). */
export type TokenPayload = {
  userId: string
  methods: string[]
  scope: { kind: 'unscoped' } | { kind: 'project'; projectId: string } | { kind: 'domain'; domainId: string } | { kind: 'system' }
  /** Only with project scope (payload version 9). */
  appCredId?: string
  expiresAt: Date
  /** 22-char urlsafe base64 strings without padding, as from `newAuditId()`. */
  auditIds: string[]
}

/** Keystone's default [auth] methods; the bitmask bit for a method is 2^index. */
export const AUTH_METHODS: readonly string[] = ['external', 'password', 'token', 'oauth1', 'mapped', 'application_credential']

const V_UNSCOPED = 0
const V_DOMAIN = 1
const V_PROJECT = 2
const V_SYSTEM = 8
const V_APP_CRED = 9
// Keystone's only system scope value: {"system": {"all": true}} is packed as 'all'.
const SYSTEM_ALL = 'all'
const UUID_HEX = /^[0-9a-f]{32}$/
const B64URL = /^[A-Za-z0-9_-]+$/

type Packed = unknown[]
/** Marks a number that must be packed as float64, as Python packs its floats. */
type Float64 = { float64: number }

/** Encodes a payload as Keystone would; throws an Error for values Keystone could not represent. */
export function packPayload(p: TokenPayload): Buffer {
  const user = packId(p.userId, 'userId')
  const methods = methodsToInt(p.methods)
  const audit = p.auditIds.map(auditIdToBytes)
  const exp = expiresToFloat(p.expiresAt)
  let fields: Packed
  if (p.appCredId !== undefined) {
    if (p.scope.kind !== 'project') throw new Error('application credential tokens must be project scoped')
    fields = [V_APP_CRED, user, methods, packId(p.scope.projectId, 'projectId'), exp, audit, packId(p.appCredId, 'appCredId')]
  } else if (p.scope.kind === 'unscoped') {
    fields = [V_UNSCOPED, user, methods, exp, audit]
  } else if (p.scope.kind === 'domain') {
    // Keystone stores the domain id bare (no flag): raw uuid bytes, else the string.
    const id = checkId(p.scope.domainId, 'domainId')
    fields = [V_DOMAIN, user, methods, UUID_HEX.test(id) ? Buffer.from(id, 'hex') : id, exp, audit]
  } else if (p.scope.kind === 'project') {
    fields = [V_PROJECT, user, methods, packId(p.scope.projectId, 'projectId'), exp, audit]
  } else if (p.scope.kind === 'system') {
    fields = [V_SYSTEM, user, methods, SYSTEM_ALL, exp, audit]
  } else {
    throw new Error('unknown scope kind')
  }
  return encodeTuple(fields)
}

/** Decodes a payload; throws a plain Error on malformed data or an unsupported version. */
export function unpackPayload(b: Buffer): TokenPayload {
  let value: unknown
  try {
    value = decode(b)
  } catch {
    throw new Error('malformed token payload: not msgpack')
  }
  if (!Array.isArray(value) || value.length === 0) throw new Error('malformed token payload: not an array')
  const [version, ...f] = value
  const expect = (n: number) => {
    if (f.length !== n) throw new Error(`malformed token payload: version ${version} needs ${n} fields`)
  }
  const base = (expIdx: number, auditIdx: number) => ({
    userId: unpackId(f[0], 'user id'),
    methods: intToMethods(f[1]),
    expiresAt: floatToExpires(f[expIdx]),
    auditIds: unpackAuditIds(f[auditIdx]),
  })
  switch (version) {
    case V_UNSCOPED:
      expect(4)
      return { ...base(2, 3), scope: { kind: 'unscoped' } }
    case V_DOMAIN:
      expect(5)
      return { ...base(3, 4), scope: { kind: 'domain', domainId: unpackDomainId(f[2]) } }
    case V_PROJECT:
      expect(5)
      return { ...base(3, 4), scope: { kind: 'project', projectId: unpackId(f[2], 'project id') } }
    case V_SYSTEM:
      expect(5)
      if (f[2] !== SYSTEM_ALL) throw new Error('malformed token payload: unknown system scope')
      return { ...base(3, 4), scope: { kind: 'system' } }
    case V_APP_CRED:
      expect(6)
      return {
        ...base(3, 4),
        scope: { kind: 'project', projectId: unpackId(f[2], 'project id') },
        appCredId: unpackId(f[5], 'application credential id'),
      }
    default:
      throw new Error(`unsupported token payload version: ${String(version)}`)
  }
}

/** Encodes fields one by one into a msgpack array, so `Float64` fields keep Python's float64 form. */
function encodeTuple(fields: Packed): Buffer {
  // Every payload has < 16 fields: a fixarray header.
  const parts = [Uint8Array.of(0x90 | fields.length)]
  for (const field of fields) {
    parts.push(isFloat64(field) ? encode(field.float64, { forceIntegerToFloat: true }) : encode(field))
  }
  return Buffer.concat(parts)
}

function isFloat64(v: unknown): v is Float64 {
  return typeof v === 'object' && v !== null && 'float64' in v
}

function checkId(id: string, what: string): string {
  if (typeof id !== 'string' || id === '') throw new Error(`${what} must be a non-empty string`)
  return id
}

/** Keystone's attempt_convert_uuid_hex_to_bytes: (true, 16 bytes) for uuid hex, else (false, str). */
function packId(id: string, what: string): [boolean, Uint8Array | string] {
  checkId(id, what)
  // Only canonical lowercase hex is packed as bytes, so unpacking always gives back the same string.
  return UUID_HEX.test(id) ? [true, Buffer.from(id, 'hex')] : [false, id]
}

function unpackId(v: unknown, what: string): string {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'boolean') throw new Error(`malformed token payload: ${what}`)
  const [isBytes, id] = v
  if (isBytes) {
    if (!(id instanceof Uint8Array) || id.length !== 16) throw new Error(`malformed token payload: ${what}`)
    return Buffer.from(id).toString('hex')
  }
  return asText(id, what)
}

function unpackDomainId(v: unknown): string {
  if (v instanceof Uint8Array && v.length === 16) return Buffer.from(v).toString('hex')
  return asText(v, 'domain id')
}

/** Keystone decodes bytes flagged as text as UTF-8 (tokens from old msgpack); accept both. */
function asText(v: unknown, what: string): string {
  const text = v instanceof Uint8Array ? new TextDecoder('utf-8', { fatal: true }).decode(v) : v
  if (typeof text !== 'string' || text === '') throw new Error(`malformed token payload: ${what}`)
  return text
}

function methodsToInt(methods: string[]): number {
  let bits = 0
  for (const m of methods) {
    const i = AUTH_METHODS.indexOf(m)
    // Keystone silently drops unknown methods; failing loudly avoids issuing a token that lies.
    if (i < 0) throw new Error(`unknown auth method: ${m}`)
    bits |= 1 << i
  }
  return bits
}

function intToMethods(v: unknown): string[] {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** AUTH_METHODS.length) {
    throw new Error('malformed token payload: methods')
  }
  const out: string[] = []
  for (let i = AUTH_METHODS.length - 1; i >= 0; i--) if (v & (1 << i)) out.push(AUTH_METHODS[i])
  return out
}

function expiresToFloat(d: Date): Float64 {
  const ms = d instanceof Date ? d.getTime() : NaN
  if (!Number.isFinite(ms)) throw new Error('expiresAt must be a valid Date')
  return { float64: ms / 1000 }
}

function floatToExpires(v: unknown): Date {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('malformed token payload: expires_at')
  // Round, not floor: 1.123 s is stored as 1.12299999... and must come back as 1123 ms.
  const d = new Date(Math.round(v * 1000))
  if (Number.isNaN(d.getTime())) throw new Error('malformed token payload: expires_at')
  return d
}

/** Keystone's random_urlsafe_str_to_bytes; only ids that survive the trip back are accepted. */
function auditIdToBytes(id: string): Uint8Array {
  const bytes = typeof id === 'string' && B64URL.test(id) ? Buffer.from(id, 'base64url') : undefined
  if (!bytes || bytes.toString('base64url') !== id) throw new Error(`invalid audit id: ${String(id)}`)
  return bytes
}

function unpackAuditIds(v: unknown): string[] {
  if (!Array.isArray(v)) throw new Error('malformed token payload: audit ids')
  return v.map((b) => {
    if (!(b instanceof Uint8Array) || b.length === 0) throw new Error('malformed token payload: audit id')
    return Buffer.from(b).toString('base64url')
  })
}
