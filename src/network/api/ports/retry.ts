/**
 * @module Transactions that the database may pick as a deadlock victim (InnoDB's gap locks around
 * unique-key inserts, PostgreSQL's lock cycles) are run again from the start, as Neutron's
 * retry_db_errors decorator does for DBDeadlock. Nothing of the failed attempt is left: it rolled back.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'

/** Neutron's MAX_RETRIES for database retries. */
const MAX_ATTEMPTS = 20

/** True for MariaDB/MySQL deadlocks and lock wait timeouts, and PostgreSQL deadlocks and serialization failures. */
export function isRetryableDbError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number }
  return e?.errno === 1213 || e?.errno === 1205 || e?.code === 'ER_LOCK_DEADLOCK' || e?.code === '40P01' || e?.code === '40001'
}

/** db.transaction().execute(fn), run again (after a short random pause) when the database aborted it as a deadlock victim. */
export async function inTransaction<T>(db: Kysely<NetworkDb>, fn: (trx: Transaction<NetworkDb>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn)
    } catch (err) {
      if (!isRetryableDbError(err) || attempt >= MAX_ATTEMPTS) throw err
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
    }
  }
}
