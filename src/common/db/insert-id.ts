import type { Kysely, Transaction } from 'kysely'

/**
 * Inserts one row into a table with an auto-increment `id` and returns the id, on every engine:
 * RETURNING where the dialect has it (PostgreSQL, SQLite), the driver's insert id elsewhere (MariaDB).
 */
export async function insertReturningId(db: Kysely<any> | Transaction<any>, table: string, values: Record<string, unknown>): Promise<number> {
  if (db.getExecutor().adapter.supportsReturning) {
    const row = await db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow()
    return Number((row as { id: unknown }).id)
  }
  const res = await db.insertInto(table).values(values).executeTakeFirstOrThrow()
  return Number(res.insertId)
}
