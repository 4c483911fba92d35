/**
 * @module Inserts that may lose a race on a unique key, inside a larger transaction: each runs
 * under its own SAVEPOINT so a unique violation undoes only that insert (PostgreSQL would
 * otherwise abort the whole transaction), and the caller can retry with another value.
 */
import { sql, type Transaction } from 'kysely'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import type { NetworkDb } from '../../db/schema.ts'

let counter = 0

/** Runs `insert`; false (and nothing written) when it hit a unique constraint. Other errors propagate. */
export async function insertUnlessTaken(trx: Transaction<NetworkDb>, insert: () => Promise<unknown>): Promise<boolean> {
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
