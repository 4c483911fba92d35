import { Migrator, type Kysely, type Migration } from 'kysely'
import type { Logger } from '../log/logger.ts'

/** Runs a service's migrations (an ordered name → migration map) to the latest version. */
export async function migrateToLatest(
  db: Kysely<any>, service: string, migrations: Record<string, Migration>, log: Logger,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${service}_migrations`,
    migrationLockTableName: `${service}_migrations_lock`,
  })
  const { error, results } = await migrator.migrateToLatest()
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  for (const name of applied) log.info(`applied database migration ${name}`, { service })
  if (error) throw new Error(`${service} database migration failed`, { cause: error })
  return applied
}

/** An auto-increment integer primary key on every engine (PostgreSQL needs `serial`). */
export function autoIdColumn(db: Kysely<any>): { type: 'serial' | 'integer'; build: (c: any) => any } {
  const isPostgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
  return isPostgres
    ? { type: 'serial', build: (c) => c.primaryKey() }
    : { type: 'integer', build: (c) => c.primaryKey().autoIncrement() }
}
