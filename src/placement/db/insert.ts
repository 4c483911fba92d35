import type { Kysely } from 'kysely'
import type { PlacementDb } from './schema.ts'
import type { Trx } from './transaction.ts'

type AutoIdTable = 'resource_providers' | 'traits' | 'consumer_types' | 'placement_aggregates'

/** Inserts one row into a table with an auto-increment id and returns the id: RETURNING where the engine has it, the driver's insert id on MariaDB. */
export async function insertReturningId<T extends AutoIdTable>(
  db: Kysely<PlacementDb> | Trx, table: T, values: Record<string, unknown>,
): Promise<number> {
  const q = (db as Kysely<any>).insertInto(table).values(values)
  if (db.getExecutor().adapter.supportsReturning) {
    return Number(((await q.returning('id').executeTakeFirstOrThrow()) as { id: unknown }).id)
  }
  return Number((await q.executeTakeFirstOrThrow()).insertId)
}
