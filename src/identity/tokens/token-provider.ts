/** Keystone-compatible Fernet token provider: issues and decodes tokens with a key repository. */
import { randomBytes } from 'node:crypto'
import { fernetDecrypt, fernetEncrypt } from './fernet.ts'
import type { KeyRepository } from './key-repository.ts'
import { packPayload, unpackPayload, type TokenPayload } from './payload.ts'

// Real tokens are ~180-250 chars; anything far longer is rejected before any crypto work.
const MAX_TOKEN_LENGTH = 8192

/** A decoded token: its payload plus the issue time embedded in the Fernet envelope. */
export type DecodedToken = { payload: TokenPayload; issuedAt: Date }

/** A new audit id: 16 random bytes, urlsafe base64 without padding (22 chars), as Keystone. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url')
}

/**
 * Issues and validates Fernet tokens. Picks up key rotations done by other processes
 * (one stat of the key directory per call). Key repository I/O errors propagate.
 */
export class FernetTokenProvider {
  readonly #repo: KeyRepository

  constructor(repo: KeyRepository) {
    this.#repo = repo
  }

  #generation = 0

  /** Re-reads the key repository if it changed on disk (a rotation) and counts the changes. */
  #reload(): void {
    if (this.#repo.reloadIfChanged()) this.#generation++
  }

  /** Grows each time the keys change on disk, so callers can drop what they cached. */
  keyGeneration(): number {
    this.#reload()
    return this.#generation
  }

  /** Encrypts `payload` with the primary key, stamped `issuedAtSec`; throws if it cannot be packed. */
  issue(payload: TokenPayload, issuedAtSec?: number): string {
    this.#reload()
    return fernetEncrypt(this.#repo.keys.primary, packPayload(payload), issuedAtSec)
  }

  /**
   * Returns the payload of an authentic token, or null for garbage, unknown keys or a malformed
   * payload. Does NOT check expiry or revocation; the caller does.
   */
  validate(token: string): TokenPayload | null {
    return this.decode(token)?.payload ?? null
  }

  /** Like `validate`, also returning the issue time (Keystone's `issued_at`, whole seconds). */
  decode(token: string): DecodedToken | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null
    this.#reload()
    const opened = fernetDecrypt(this.#repo.keys.all, token)
    if (!opened) return null
    try {
      return { payload: unpackPayload(opened.plaintext), issuedAt: new Date(opened.timestampSec * 1000) }
    } catch {
      return null
    }
  }
}
