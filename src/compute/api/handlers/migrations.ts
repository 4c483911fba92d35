/**
 * /os-migrations and /servers/{id}/migrations: the instance_migrations records the move
 * workflows write. The admin list filters by host, status, instance, type and source host;
 * migration_type and links from 2.23, uuid with paging and changes-since from 2.59,
 * changes-before from 2.66, user and project from 2.80. A server's migrations (2.23) are its
 * in-progress live migrations; force_complete (2.22) and abort (2.24) are accepted for one that
 * is running, as Nova does for a driver that cannot act on them (the fake live migration finishes
 * by itself), and refused with Nova's 400/404/409 otherwise.
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { Selectable } from 'kysely'
import type { MigrationRow } from '../../db/schema.ts'
import { badRequest, invalidState, notFound } from '../../errors.ts'
import { TaskState } from '../../model/states.ts'
import { authorize, linkBase, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { limitAndMarker, nextLinks, rejectUnknownQuery, timeQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'
import { iso } from '../views/server.ts'

type Row = Selectable<MigrationRow>

/** Live migration statuses during which it can be shown, completed or aborted (Nova's in-progress set). */
const LIVE_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating']

export function migrationsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-migrations', (req) => listAll(deps, req)),
    route('GET', '/servers/:server_id/migrations', (req) => listOfServer(deps, req)),
    route('GET', '/servers/:server_id/migrations/:id', (req) => showOfServer(deps, req)),
    route('DELETE', '/servers/:server_id/migrations/:id', (req) => abort(deps, req)),
    route('POST', '/servers/:server_id/migrations/:id/action', (req) => forceComplete(deps, req)),
  ]
}

const flavorNumber = (f: string | null) => (f !== null && /^\d+$/.test(f) ? Number(f) : null)

function listView(req: ComputeRequest, m: Row): Record<string, unknown> {
  const v = versionOf(req)
  const view: Record<string, unknown> = {
    id: Number(m.id), status: m.status, instance_uuid: m.instance_uuid, source_node: m.source_node, source_compute: m.source_compute,
    dest_node: m.dest_node, dest_compute: m.dest_compute, dest_host: m.dest_host,
    old_instance_type_id: flavorNumber(m.old_flavorid), new_instance_type_id: flavorNumber(m.new_flavorid),
    created_at: iso(m.created_at, true), updated_at: iso(m.updated_at, true),
  }
  if (atLeast(v, '2.23')) {
    view.migration_type = m.migration_type
    if (m.migration_type === 'live-migration' && LIVE_IN_PROGRESS.includes(m.status)) {
      const base = linkBase(req)
      view.links = [
        { rel: 'self', href: `${base}/v2.1/servers/${m.instance_uuid}/migrations/${m.id}` },
        { rel: 'bookmark', href: `${base}/servers/${m.instance_uuid}/migrations/${m.id}` },
      ]
    }
  }
  if (atLeast(v, '2.59')) view.uuid = m.uuid
  if (atLeast(v, '2.80')) Object.assign(view, { user_id: m.user_id, project_id: m.project_id })
  return view
}

async function listAll(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  authorize(deps, req, 'os-migrations:index')
  const filters = ['host', 'status', 'instance_uuid', 'migration_type', 'source_compute', 'hidden']
  const paged = atLeast(v, '2.59')
  const known = [...filters, ...(paged ? ['limit', 'marker', 'changes-since'] : []), ...(atLeast(v, '2.66') ? ['changes-before'] : []),
    ...(atLeast(v, '2.80') ? ['user_id', 'project_id'] : [])]
  rejectUnknownQuery(req, known, '2.59')
  let q = deps.db.selectFrom('instance_migrations').selectAll()
  const host = req.query.get('host')
  if (host !== null) q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]))
  for (const f of ['status', 'instance_uuid', 'migration_type', 'source_compute'] as const) {
    const val = req.query.get(f)
    if (val !== null) q = q.where(f, '=', val)
  }
  if (atLeast(v, '2.80')) {
    for (const f of ['user_id', 'project_id'] as const) {
      const val = req.query.get(f)
      if (val !== null) q = q.where(f, '=', val)
    }
  }
  if (!paged) {
    const rows = await q.orderBy('id').execute()
    return { status: 200, body: { migrations: rows.map((m) => listView(req, m)) } }
  }
  const since = timeQuery(req, 'changes-since')
  const before = atLeast(v, '2.66') ? timeQuery(req, 'changes-before') : undefined
  if (since && before && Date.parse(since) > Date.parse(before)) throw badRequest('The value of changes-since must be less than or equal to changes-before.')
  if (since) q = q.where('updated_at', '>=', since)
  if (before) q = q.where('updated_at', '<=', before)
  const { limit, marker } = limitAndMarker(req, deps.config.maxLimit)
  // Newest first (created_at, then id, descending), as Nova sorts from 2.59.
  let rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
  if (marker !== undefined) {
    const at = rows.findIndex((m) => m.uuid === marker)
    if (at < 0) {
      if (!(await deps.db.selectFrom('instance_migrations').select('id').where('uuid', '=', marker).executeTakeFirst())) {
        throw badRequest(`Marker ${marker} could not be found.`)
      }
      rows = []
    } else {
      rows = rows.slice(at + 1)
    }
  }
  rows = rows.slice(0, limit)
  const body: Record<string, unknown> = { migrations: rows.map((m) => listView(req, m)) }
  const links = nextLinks(req, 'os-migrations', rows.length, limit, rows.at(-1)?.uuid)
  if (links) body.migrations_links = links
  return { status: 200, body }
}

function serverMigrationView(req: ComputeRequest, m: Row): Record<string, unknown> {
  const v = versionOf(req)
  const view: Record<string, unknown> = {
    id: Number(m.id), server_uuid: m.instance_uuid, status: m.status, source_compute: m.source_compute, source_node: m.source_node,
    dest_compute: m.dest_compute, dest_node: m.dest_node, dest_host: m.dest_host,
    // The fake driver reports no memory or disk progress; Nova shows what the driver reported.
    memory_total_bytes: null, memory_processed_bytes: null, memory_remaining_bytes: null,
    disk_total_bytes: null, disk_processed_bytes: null, disk_remaining_bytes: null,
    created_at: iso(m.created_at, true), updated_at: iso(m.updated_at, true),
  }
  if (atLeast(v, '2.59')) view.uuid = m.uuid
  if (atLeast(v, '2.80')) Object.assign(view, { user_id: m.user_id, project_id: m.project_id })
  return view
}

const notFoundResource = () => notFound('The resource could not be found.')

async function listOfServer(deps: ComputeApiDeps, req: ComputeRequest) {
  if (!atLeast(versionOf(req), '2.23')) throw notFoundResource()
  authorize(deps, req, 'servers:migrations:index')
  const i = await serverForCaller(deps, req, req.params.server_id)
  const rows = await deps.db.selectFrom('instance_migrations').selectAll().where('instance_uuid', '=', i.uuid)
    .where('migration_type', '=', 'live-migration').where('status', 'in', LIVE_IN_PROGRESS).orderBy('id').execute()
  return { status: 200, body: { migrations: rows.map((m) => serverMigrationView(req, m)) } }
}

/** The server's migration `id`: 404 when it has none by that id. */
async function migrationOfServer(deps: ComputeApiDeps, req: ComputeRequest, serverUuid: string): Promise<Row> {
  const id = req.params.id
  if (!/^\d+$/.test(id)) throw badRequest(`Invalid input received: id must be an integer.`)
  const m = await deps.db.selectFrom('instance_migrations').selectAll().where('id', '=', Number(id)).where('instance_uuid', '=', serverUuid).executeTakeFirst()
  if (!m) throw notFound(`Migration ${id} not found for instance ${serverUuid}`)
  return m
}

async function showOfServer(deps: ComputeApiDeps, req: ComputeRequest) {
  if (!atLeast(versionOf(req), '2.23')) throw notFoundResource()
  authorize(deps, req, 'servers:migrations:show')
  const i = await serverForCaller(deps, req, req.params.server_id)
  const m = await migrationOfServer(deps, req, i.uuid)
  if (m.migration_type !== 'live-migration') throw notFound(`Migration ${m.id} for server ${i.uuid} is not live-migration.`)
  if (!LIVE_IN_PROGRESS.includes(m.status)) throw notFound(`Live migration ${m.id} for server ${i.uuid} is not in progress.`)
  return { status: 200, body: { migration: serverMigrationView(req, m) } }
}

async function abort(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  if (!atLeast(v, '2.24')) throw notFoundResource()
  authorize(deps, req, 'servers:migrations:delete')
  const i = await serverForCaller(deps, req, req.params.server_id)
  if (i.task_state !== TaskState.MIGRATING) throw invalidState('abort live migration', i.uuid, 'task_state', i.task_state)
  const m = await migrationOfServer(deps, req, i.uuid)
  // From 2.65 a queued or preparing live migration may be aborted too; before, only a running one.
  const abortable = atLeast(v, '2.65') ? ['queued', 'preparing', 'running'] : ['running']
  if (m.migration_type !== 'live-migration' || !abortable.includes(m.status)) {
    throw badRequest(`Migration ${m.id} state of instance ${i.uuid} is ${m.status}. Cannot abort live migration while the migration is in this state.`)
  }
  deps.log.warn('live migration abort requested; the fake driver cannot abort, the migration runs to its end', { request_id: req.requestId, migration: m.uuid })
  return { status: 202 }
}

async function forceComplete(deps: ComputeApiDeps, req: ComputeRequest) {
  if (!atLeast(versionOf(req), '2.22')) throw notFoundResource()
  const body = req.body as Record<string, unknown> | undefined
  if (!body || typeof body !== 'object' || !('force_complete' in body) || Object.keys(body).length !== 1 || body.force_complete !== null) {
    throw badRequest(`Invalid input for field/attribute force_complete. Value: ${JSON.stringify(body)}.`)
  }
  authorize(deps, req, 'servers:migrations:force_complete')
  const i = await serverForCaller(deps, req, req.params.server_id)
  if (i.vm_state !== 'active' || i.task_state !== TaskState.MIGRATING) {
    throw invalidState('force_complete', i.uuid, i.vm_state !== 'active' ? 'vm_state' : 'task_state', i.vm_state !== 'active' ? i.vm_state : i.task_state)
  }
  const m = await migrationOfServer(deps, req, i.uuid)
  if (m.migration_type !== 'live-migration' || m.status !== 'running') {
    throw badRequest(`Migration ${m.id} state of instance ${i.uuid} is ${m.status}. Cannot force complete while the migration is in this state.`)
  }
  deps.log.info('live migration force-complete requested; the fake driver completes it on its own', { request_id: req.requestId, migration: m.uuid })
  return { status: 202 }
}
