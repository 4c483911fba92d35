/**
 * @module Transactions that the database may abort as a deadlock victim (InnoDB lock cycles,
 * PostgreSQL deadlocks and serialization failures) are run again from the start; nothing of the
 * failed attempt is left, it rolled back.
 */
import type { Kysely, Transaction } from 'kysely'
import type { PlacementDb } from './schema.ts'

const MAX_ATTEMPTS = 10

export type Trx = Transaction<PlacementDb>

/** True for MariaDB/MySQL deadlocks and lock wait timeouts, and PostgreSQL deadlocks and serialization failures. */
export function isRetryableDbError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number }
  return e?.errno === 1213 || e?.errno === 1205 || e?.code === 'ER_LOCK_DEADLOCK' || e?.code === '40P01' || e?.code === '40001'
}

/** True when a row's foreign key points at a row that is gone, or a referenced row is still used. */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return e?.code === '23503' || e?.errno === 1451 || e?.errno === 1452 ||
    (typeof e?.message === 'string' && e.message.includes('FOREIGN KEY constraint failed'))
}

export async function inTransaction<T>(db: Kysely<PlacementDb>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn)
    } catch (err) {
      const retryable = isRetryableDbError(err) || (err as { retryable?: boolean })?.retryable === true
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
    }
  }
}
