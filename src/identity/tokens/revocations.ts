/**
 * @module Revocation events, cached in memory. Every validation reads the newest event id in the
 * same statement that loads the user, so the cache reloads only when an event was added.
 */
import type { Kysely } from 'kysely'
import type { IdentityDb, RevocationRow } from '../db/schema.ts'

/** What of a token a revocation event can match. */
export type RevocableToken = {
  userId: string
  projectId?: string
  domainIds: string[]
  roleIds: string[]
  auditIds: string[]
  appCredId?: string
  issuedAtSec: number
}

export type RevocationEvent = Partial<Pick<RevocationRow, 'user_id' | 'project_id' | 'domain_id' | 'role_id' | 'audit_id' | 'app_cred_id'>>

export class RevocationList {
  #db: Kysely<IdentityDb>
  #events: Array<RevocationRow & { issuedBeforeSec: number }> = []
  #version = -1

  constructor(db: Kysely<IdentityDb>) {
    this.#db = db
  }

  /** Brings the cache up to `latestId` (the max event id, or null when there are none). */
  async sync(latestId: number | null): Promise<void> {
    const version = latestId ?? 0
    if (version === this.#version) return
    const rows = await this.#db.selectFrom('revocation_events').selectAll().execute()
    this.#events = rows.map((r) => ({ ...r, issuedBeforeSec: Math.floor(Date.parse(r.issued_before) / 1000) }))
    this.#version = version
  }

  isRevoked(t: RevocableToken): boolean {
    return this.#events.some(
      (e) =>
        t.issuedAtSec <= e.issuedBeforeSec &&
        (e.user_id === null || e.user_id === t.userId) &&
        (e.project_id === null || e.project_id === t.projectId) &&
        (e.domain_id === null || t.domainIds.includes(e.domain_id)) &&
        (e.role_id === null || t.roleIds.includes(e.role_id)) &&
        (e.audit_id === null || t.auditIds.includes(e.audit_id)) &&
        (e.app_cred_id === null || e.app_cred_id === t.appCredId),
    )
  }

  /**
   * Records an event revoking every matching token issued up to now. Token times have one-second
   * precision, so a token issued in the same second as the event is revoked too (as in Keystone).
   */
  async revoke(db: Kysely<IdentityDb>, event: RevocationEvent, tokenLifetimeSec: number): Promise<void> {
    const now = new Date()
    await db.insertInto('revocation_events').values({
      user_id: event.user_id ?? null, project_id: event.project_id ?? null, domain_id: event.domain_id ?? null,
      role_id: event.role_id ?? null, audit_id: event.audit_id ?? null, app_cred_id: event.app_cred_id ?? null,
      issued_before: now.toISOString(), revoked_at: now.toISOString(),
    }).execute()
    // Events older than any live token can no longer match anything.
    const horizon = new Date(now.getTime() - (tokenLifetimeSec + 60) * 1000).toISOString()
    await db.deleteFrom('revocation_events').where('revoked_at', '<', horizon).execute()
  }
}
