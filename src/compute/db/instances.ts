/**
 * @module Reading and writing instances: rows ↔ {@link Instance}, and the compare-and-set update
 * every state change goes through (Nova's `instance.save(expected_task_state=...)`), so two
 * requests racing on one instance cannot both win.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbBool, fromDbJson, nowIso, toDbBool } from '../../common/db/columns.ts'
import type { Instance } from '../model/instance.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { ComputeDb, InstanceRow } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

export function rowToInstance(r: InstanceRow, tags: string[] = []): Instance {
  return {
    uuid: r.uuid, display_name: r.display_name, display_description: r.display_description,
    project_id: r.project_id, user_id: r.user_id, image_ref: r.image_ref,
    flavor: JSON.parse(r.flavor), old_flavor: fromDbJson(r.old_flavor, null), new_flavor: fromDbJson(r.new_flavor, null),
    host: r.host, node: r.node, availability_zone: r.availability_zone,
    vm_state: r.vm_state, task_state: r.task_state, power_state: Number(r.power_state),
    locked: fromDbBool(r.locked), locked_by: r.locked_by, locked_reason: r.locked_reason,
    key_name: r.key_name, key_data: r.key_data, user_data: r.user_data, config_drive: r.config_drive,
    access_ip_v4: r.access_ip_v4, access_ip_v6: r.access_ip_v6, hostname: r.hostname,
    reservation_id: r.reservation_id, launch_index: Number(r.launch_index),
    metadata: fromDbJson(r.metadata, {}), system_metadata: fromDbJson(r.system_metadata, {}),
    info_cache: fromDbJson(r.info_cache, []), security_groups: fromDbJson(r.security_groups, []),
    progress: Number(r.progress), launched_at: r.launched_at, terminated_at: r.terminated_at,
    created_at: r.created_at, updated_at: r.updated_at, deleted_at: r.deleted_at, deleted: fromDbBool(r.deleted),
    root_device_name: r.root_device_name, trusted_certs: fromDbJson(r.trusted_certs, null), migration_host: r.migration_host,
    tags,
  }
}

const JSON_COLUMNS = new Set(['flavor', 'old_flavor', 'new_flavor', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'trusted_certs'])
const BOOL_COLUMNS = new Set(['locked', 'deleted'])

/** Instance fields → column values. */
export function changesToRow(changes: InstanceChanges): Partial<InstanceRow> {
  const row: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) continue
    if (JSON_COLUMNS.has(k)) row[k] = v === null ? null : JSON.stringify(v)
    else if (BOOL_COLUMNS.has(k)) row[k] = toDbBool(Boolean(v))
    else row[k] = v
  }
  // A new flavor (resize, revert) brings its sizes to the columns quotas and host usage count.
  const f = changes.flavor
  if (f) Object.assign(row, { flavorid: f.flavorid, vcpus: f.vcpus, memory_mb: f.memory_mb, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb, swap: f.swap })
  return row as Partial<InstanceRow>
}

export async function tagsOf(db: Db, uuids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (!uuids.length) return out
  const rows = await db.selectFrom('instance_tags').select(['instance_uuid', 'tag']).where('instance_uuid', 'in', uuids).orderBy('tag').execute()
  for (const r of rows) out.set(r.instance_uuid, [...(out.get(r.instance_uuid) ?? []), r.tag])
  return out
}

/** The instance, or undefined; deleted ones only when asked. */
export async function findInstance(db: Db, uuid: string, opts: { deleted?: boolean } = {}): Promise<Instance | undefined> {
  let q = db.selectFrom('instances').selectAll().where('uuid', '=', uuid)
  if (!opts.deleted) q = q.where('deleted', '=', 0)
  const row = await q.executeTakeFirst()
  if (!row) return undefined
  return rowToInstance(row, (await tagsOf(db, [uuid])).get(uuid) ?? [])
}

export async function instancesOf(db: Db, rows: InstanceRow[]): Promise<Instance[]> {
  const tags = await tagsOf(db, rows.map((r) => r.uuid))
  return rows.map((r) => rowToInstance(r, tags.get(r.uuid) ?? []))
}

/**
 * Applies `changes`. With `expectedTaskState`, only while the stored task_state is one of those
 * (null meaning idle); with `expectedVmState`, only while vm_state is one of those. Returns the
 * updated instance, or undefined when the instance is gone or the expectation failed.
 */
export async function updateInstance(
  db: Db, uuid: string, changes: InstanceChanges,
  expect: { taskState?: Array<string | null>; vmState?: string[]; notDeleted?: boolean } = {},
): Promise<Instance | undefined> {
  let q = db.updateTable('instances').set({ ...changesToRow(changes), updated_at: nowIso() }).where('uuid', '=', uuid)
  if (expect.notDeleted !== false) q = q.where('deleted', '=', 0)
  if (expect.taskState) {
    const values = expect.taskState.filter((s): s is string => s !== null)
    const allowNull = expect.taskState.includes(null)
    q = q.where((eb) => {
      const ors = []
      if (values.length) ors.push(eb('task_state', 'in', values))
      if (allowNull) ors.push(eb('task_state', 'is', null))
      return ors.length ? eb.or(ors) : eb('uuid', 'is', null)
    })
  }
  if (expect.vmState) q = q.where('vm_state', 'in', expect.vmState)
  const res = await q.executeTakeFirst()
  if (Number(res.numUpdatedRows) === 0) return undefined
  return findInstance(db, uuid, { deleted: true })
}
