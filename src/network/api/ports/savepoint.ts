/**
 * @module Inserts that may lose a race on a unique key, inside a larger transaction: a unique
 * violation undoes only that insert, and the caller can retry with another value. PostgreSQL aborts
 * the whole transaction on any error, so there the insert runs under its own SAVEPOINT; SQLite and
 * InnoDB roll back just the failed statement and need none.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import type { NetworkDb } from '../../db/schema.ts'

let counter = 0

const isPostgres = (db: Kysely<NetworkDb> | Transaction<NetworkDb>) => db.getExecutor().adapter.constructor.name.startsWith('Postgres')

/** Runs `insert`; false (and nothing written) when it hit a unique constraint. Other errors propagate. */
export async function insertUnlessTaken(trx: Transaction<NetworkDb>, insert: () => Promise<unknown>): Promise<boolean> {
  if (!isPostgres(trx)) {
    try {
      await insert()
      return true
    } catch (err) {
      if (isUniqueViolation(err)) return false
      throw err
    }
  }
  const name = sql.raw(`nubis_sp_${++counter % 1_000_000}`)
  await sql`SAVEPOINT ${name}`.execute(trx)
  try {
    await insert()
  } catch (err) {
    await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(trx)
    await sql`RELEASE SAVEPOINT ${name}`.execute(trx)
    if (isUniqueViolation(err)) return false
    throw err
  }
  await sql`RELEASE SAVEPOINT ${name}`.execute(trx)
  return true
}
