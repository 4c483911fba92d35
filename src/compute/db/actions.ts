/**
 * @module os-instance-actions and faults: every user-visible operation records an action with its
 * request id, and each step the services take records an event (`compute_stop_instance`, ...),
 * finished with Success or Error. A failed step also leaves a fault on the instance.
 */
import type { Kysely, Transaction } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { insertReturningId } from '../../common/db/insert-id.ts'
import type { ComputeDb } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

export async function recordAction(
  db: Db, a: { action: string; instanceUuid: string; requestId: string; userId: string; projectId: string },
): Promise<number> {
  const now = nowIso()
  return insertReturningId(db, 'instance_actions', {
    action: a.action, instance_uuid: a.instanceUuid, request_id: a.requestId, user_id: a.userId, project_id: a.projectId,
    start_time: now, finish_time: null, message: null, updated_at: now,
  })
}

async function actionFor(db: Db, instanceUuid: string, requestId: string): Promise<number | undefined> {
  const row = await db.selectFrom('instance_actions').select('id').where('instance_uuid', '=', instanceUuid)
    .where('request_id', '=', requestId).orderBy('id', 'desc').executeTakeFirst()
  return row ? Number(row.id) : undefined
}

/** Starts or finishes the event `event` of the action recorded under `requestId`. */
export async function actionEvent(
  db: Db, e: { uuid: string; requestId: string; event: string; phase: 'start' | 'finish'; result?: string; traceback?: string; host: string },
): Promise<void> {
  const actionId = await actionFor(db, e.uuid, e.requestId)
  if (actionId === undefined) return
  const now = nowIso()
  if (e.phase === 'start') {
    await db.insertInto('instance_action_events').values({
      action_id: actionId, event: e.event, start_time: now, finish_time: null, result: null, traceback: null, host: e.host, details: null,
    }).execute()
  } else {
    const open = await db.selectFrom('instance_action_events').select('id').where('action_id', '=', actionId)
      .where('event', '=', e.event).where('finish_time', 'is', null).orderBy('id', 'desc').executeTakeFirst()
    if (open) {
      await db.updateTable('instance_action_events').set({ finish_time: now, result: e.result ?? 'Success', traceback: e.traceback ?? null })
        .where('id', '=', open.id).execute()
    } else {
      await db.insertInto('instance_action_events').values({
        action_id: actionId, event: e.event, start_time: now, finish_time: now, result: e.result ?? 'Success',
        traceback: e.traceback ?? null, host: e.host, details: null,
      }).execute()
    }
    if (e.result === 'Error') await db.updateTable('instance_actions').set({ message: 'Error', updated_at: now }).where('id', '=', actionId).execute()
  }
  await db.updateTable('instance_actions').set({ updated_at: now }).where('id', '=', actionId).execute()
}

export async function addFault(db: Db, f: { uuid: string; code: number; message: string; details: string; host: string | null }): Promise<void> {
  await db.insertInto('instance_faults').values({
    instance_uuid: f.uuid, code: f.code, message: f.message.slice(0, 255), details: f.details, host: f.host, created_at: nowIso(),
  }).execute()
}

/** The newest fault of each instance. */
export async function latestFaults(db: Db, uuids: string[]): Promise<Map<string, { code: number; message: string; details: string; created_at: string }>> {
  const out = new Map<string, { code: number; message: string; details: string; created_at: string }>()
  if (!uuids.length) return out
  const rows = await db.selectFrom('instance_faults').selectAll().where('instance_uuid', 'in', uuids).orderBy('id', 'asc').execute()
  for (const r of rows) out.set(r.instance_uuid, { code: Number(r.code), message: r.message, details: r.details, created_at: r.created_at })
  return out
}
