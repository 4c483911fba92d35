/**
 * @module Keystone's security compliance rules: lockout after failed attempts, password history,
 * minimum password age and password expiry. Each rule is off when its setting is 0.
 */
import type { Kysely } from 'kysely'
import { BadRequest } from '../../common/errors.ts'
import type { IdentityConfig } from '../config.ts'
import type { IdentityDb, UserRow } from '../db/schema.ts'
import type { PasswordHasher } from './password-hasher.ts'

type Rules = IdentityConfig['securityCompliance']
const DAY_MS = 86_400_000

export function isLockedOut(user: UserRow, rules: Rules, now = Date.now()): boolean {
  if (rules.lockoutFailureAttempts <= 0 || user.failed_auth_count < rules.lockoutFailureAttempts) return false
  const last = user.failed_auth_at ? Date.parse(user.failed_auth_at) : 0
  return now - last < rules.lockoutDurationSec * 1000
}

export function isPasswordExpired(user: UserRow, now = Date.now()): boolean {
  return user.password_expires_at !== null && Date.parse(user.password_expires_at) <= now
}

export async function recordFailedAttempt(db: Kysely<IdentityDb>, user: UserRow, rules: Rules): Promise<void> {
  if (rules.lockoutFailureAttempts <= 0) return
  // A lockout that has run out starts a fresh count.
  const expired = user.failed_auth_count >= rules.lockoutFailureAttempts && !isLockedOut(user, rules)
  await db.updateTable('users')
    .set({ failed_auth_count: expired ? 1 : user.failed_auth_count + 1, failed_auth_at: new Date().toISOString() })
    .where('id', '=', user.id).execute()
}

export async function recordSuccess(db: Kysely<IdentityDb>, user: UserRow): Promise<void> {
  if (user.failed_auth_count === 0 && user.last_active_at?.slice(0, 10) === new Date().toISOString().slice(0, 10)) return
  await db.updateTable('users')
    .set({ failed_auth_count: 0, failed_auth_at: null, last_active_at: new Date().toISOString() })
    .where('id', '=', user.id).execute()
}

/** Checks a new password against the age and history rules; throws Keystone's 400 when refused. */
export async function checkPasswordChange(
  db: Kysely<IdentityDb>, hasher: PasswordHasher, user: UserRow, newPassword: string, rules: Rules, selfService: boolean,
): Promise<void> {
  // An expired password (e.g. one an admin set, with changePasswordUponFirstUse) may always be changed.
  if (selfService && rules.minimumPasswordAgeDays > 0 && user.password_created_at && !isPasswordExpired(user)) {
    const allowedAt = Date.parse(user.password_created_at) + rules.minimumPasswordAgeDays * DAY_MS
    if (Date.now() < allowedAt) {
      throw new BadRequest(
        `You cannot change your password at this time due to the minimum password age. Once you change your password, ` +
        `it must be used for ${rules.minimumPasswordAgeDays} day(s) before it can be changed.`)
    }
  }
  if (rules.uniqueLastPasswordCount <= 1) return
  const recent = await db.selectFrom('password_history').select('password_hash')
    .where('user_id', '=', user.id).orderBy('id', 'desc').limit(rules.uniqueLastPasswordCount).execute()
  for (const { password_hash } of recent) {
    if (await hasher.verify(newPassword, password_hash)) {
      throw new BadRequest(
        `The new password cannot be identical to a previous password. The total number which includes the new password ` +
        `must be unique is ${rules.uniqueLastPasswordCount}.`)
    }
  }
}

/** Stores a new password hash: sets expiry, appends history and trims it. */
export async function storePassword(
  db: Kysely<IdentityDb>, hasher: PasswordHasher, userId: string, password: string, rules: Rules,
  opts: { expireNow?: boolean } = {},
): Promise<void> {
  const hash = await hasher.hash(password)
  const now = new Date()
  const expiresAt = opts.expireNow
    ? now.toISOString()
    : rules.passwordExpiresDays > 0 ? new Date(now.getTime() + rules.passwordExpiresDays * DAY_MS).toISOString() : null
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users')
      .set({ password_hash: hash, password_created_at: now.toISOString(), password_expires_at: expiresAt, failed_auth_count: 0 })
      .where('id', '=', userId).execute()
    await trx.insertInto('password_history').values({ user_id: userId, password_hash: hash, created_at: now.toISOString() }).execute()
    const keep = Math.max(rules.uniqueLastPasswordCount, 1)
    const old = await trx.selectFrom('password_history').select('id').where('user_id', '=', userId)
      .orderBy('id', 'desc').offset(keep).limit(1000).execute()
    if (old.length) await trx.deleteFrom('password_history').where('id', 'in', old.map((o) => o.id!)).execute()
  })
}
