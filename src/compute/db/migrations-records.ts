/**
 * @module The instance_migrations table (Nova's migrations): one row per move of an instance,
 * read by `/servers/{id}/migrations` and `/os-migrations` and written by the move workflows.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { MIGRATION_DONE, type Migration, type MigrationType } from '../model/migration.ts'
import type { Selectable } from 'kysely'
import type { ComputeDb, MigrationRow } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

function rowToMigration(r: Selectable<MigrationRow>): Migration {
  const { id: _id, ...rest } = r
  return { ...rest, migration_type: r.migration_type as MigrationType }
}

export async function createMigration(
  db: Db, m: Pick<Migration, 'instance_uuid' | 'migration_type' | 'status' | 'source_compute' | 'source_node' | 'project_id' | 'user_id'> & Partial<Migration>,
): Promise<Migration> {
  const now = nowIso()
  const row = {
    uuid: m.uuid ?? randomUUID(), instance_uuid: m.instance_uuid, migration_type: m.migration_type, status: m.status,
    source_compute: m.source_compute, source_node: m.source_node, dest_compute: m.dest_compute ?? null, dest_node: m.dest_node ?? null,
    dest_host: m.dest_host ?? null, old_flavorid: m.old_flavorid ?? null, new_flavorid: m.new_flavorid ?? null,
    project_id: m.project_id, user_id: m.user_id, created_at: now, updated_at: now,
  }
  await db.insertInto('instance_migrations').values(row).execute()
  return row
}

export async function findMigration(db: Db, uuid: string): Promise<Migration | undefined> {
  const r = await db.selectFrom('instance_migrations').selectAll().where('uuid', '=', uuid).executeTakeFirst()
  return r ? rowToMigration(r) : undefined
}

/** The instance's newest migration of these types in one of these statuses (Nova's get_by_instance_and_status). */
export async function migrationOfInstance(db: Db, instanceUuid: string, statuses: string[], types?: MigrationType[]): Promise<Migration | undefined> {
  let q = db.selectFrom('instance_migrations').selectAll().where('instance_uuid', '=', instanceUuid).where('status', 'in', statuses)
  if (types) q = q.where('migration_type', 'in', types)
  const r = await q.orderBy('id', 'desc').executeTakeFirst()
  return r ? rowToMigration(r) : undefined
}

/** Applies `changes`; with `fromStatus`, only while the status is one of those. False when nothing matched. */
export async function updateMigration(db: Db, uuid: string, changes: Partial<Omit<Migration, 'uuid' | 'created_at'>>, fromStatus?: string[]): Promise<boolean> {
  let q = db.updateTable('instance_migrations').set({ ...changes, updated_at: nowIso() }).where('uuid', '=', uuid)
  if (fromStatus) q = q.where('status', 'in', fromStatus)
  const res = await q.executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}

/** Evacuations away from `host` whose source has not been cleaned up yet. */
export async function evacuationsFrom(db: Db, host: string, statuses: string[]): Promise<Migration[]> {
  const rows = await db.selectFrom('instance_migrations').selectAll().where('source_compute', '=', host)
    .where('migration_type', '=', 'evacuation').where('status', 'in', statuses).orderBy('id').execute()
  return rows.map(rowToMigration)
}

/** Migrations from or to `host` not in a final status (Nova's in-progress migrations of a host), oldest first. */
export async function openMigrationsOfHost(db: Db, host: string): Promise<Migration[]> {
  const rows = await db.selectFrom('instance_migrations').selectAll()
    .where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]))
    .where('status', 'not in', [...MIGRATION_DONE]).orderBy('id').execute()
  return rows.map(rowToMigration)
}
