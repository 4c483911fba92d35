/**
 * /servers/{id}/os-instance-actions: what was done to a server (newest first) and, per action,
 * the events the services recorded, as Nova's instance_actions.py shows them at each microversion:
 * deleted servers from 2.21, events for their owners from 2.51 (tracebacks for admins only),
 * updated_at and paging from 2.58, hostId (and host for admins) from 2.62, changes-before from
 * 2.66, event details from 2.84.
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { InstanceActionEventRow, InstanceActionRow } from '../../db/schema.ts'
import { badRequest, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { authorize, can, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { limitAndMarker, nextLinks, rejectUnknownQuery, timeQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'
import { hostIdOf, iso } from '../views/server.ts'

type ActionRow = Omit<InstanceActionRow, 'id'> & { id: number }
type EventRow = Omit<InstanceActionEventRow, 'id'> & { id: number }

const time = (t: string | null): string | null => (t === null ? null : iso(t, true))

function actionView(req: ComputeRequest, a: ActionRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    action: a.action, instance_uuid: a.instance_uuid, request_id: a.request_id, user_id: a.user_id,
    project_id: a.project_id, start_time: time(a.start_time), message: a.message,
  }
  if (atLeast(versionOf(req), '2.58')) view.updated_at = time(a.updated_at)
  return view
}

type EventShow = { traceback: boolean; host: boolean; hostId: boolean; details: boolean }

function eventView(e: EventRow, projectId: string, show: EventShow): Record<string, unknown> {
  const view: Record<string, unknown> = { event: e.event, start_time: time(e.start_time), finish_time: time(e.finish_time), result: e.result }
  if (show.traceback) view.traceback = e.traceback
  if (show.host) view.host = e.host
  if (show.hostId) view.hostId = hostIdOf(projectId, e.host)
  if (show.details) view.details = e.details
  return view
}

export function instanceActionsRoutes(deps: ComputeApiDeps): Route[] {
  // From 2.21 the actions of a deleted server stay readable.
  const server = (req: ComputeRequest): Promise<Instance> =>
    serverForCaller(deps, req, req.params.server_id, { deleted: atLeast(versionOf(req), '2.21') })

  const actionByRequestId = async (uuid: string, requestId: string): Promise<ActionRow | undefined> => {
    const row = await deps.db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', uuid).where('request_id', '=', requestId)
      .orderBy('start_time', 'desc').orderBy('id', 'desc').executeTakeFirst()
    return row ? { ...row, id: Number(row.id) } : undefined
  }

  async function list(req: ComputeRequest) {
    const v = versionOf(req)
    const i = await server(req)
    authorize(deps, req, 'os-instance-actions:list', { project_id: i.project_id })
    let q = deps.db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', i.uuid)
      .orderBy('start_time', 'desc').orderBy('id', 'desc')
    if (!atLeast(v, '2.58')) {
      const rows = await q.execute()
      return { status: 200, body: { instanceActions: rows.map((a) => actionView(req, { ...a, id: Number(a.id) })) } }
    }
    rejectUnknownQuery(req, ['limit', 'marker', 'changes-since', ...(atLeast(v, '2.66') ? ['changes-before'] : [])], '2.58')
    const since = timeQuery(req, 'changes-since')
    const before = atLeast(v, '2.66') ? timeQuery(req, 'changes-before') : undefined
    if (since && before && Date.parse(before) < Date.parse(since)) {
      throw badRequest('The value of changes-since must be less than or equal to changes-before.')
    }
    if (since) q = q.where('updated_at', '>=', since)
    if (before) q = q.where('updated_at', '<=', before)
    const { limit, marker } = limitAndMarker(req, deps.config.maxLimit)
    if (marker !== undefined) {
      // The page after the marker in (start_time, id) order, whether or not the filters keep the marker itself.
      const m = await actionByRequestId(i.uuid, marker)
      if (!m) throw badRequest(`Marker ${marker} could not be found.`)
      q = q.where((eb) => eb.or([eb('start_time', '<', m.start_time), eb.and([eb('start_time', '=', m.start_time), eb('id', '<', m.id)])]))
    }
    const rows = (await q.limit(limit).execute()).map((a) => ({ ...a, id: Number(a.id) }))
    const body: Record<string, unknown> = { instanceActions: rows.map((a) => actionView(req, a)) }
    const links = nextLinks(req, `servers/${req.params.server_id}/os-instance-actions`, rows.length, limit, rows.at(-1)?.request_id)
    if (links) body.links = links
    return { status: 200, body }
  }

  async function show(req: ComputeRequest) {
    const v = versionOf(req)
    const i = await server(req)
    const target = { project_id: i.project_id }
    authorize(deps, req, 'os-instance-actions:show', target)
    const requestId = req.params.request_id
    const a = await actionByRequestId(i.uuid, requestId)
    if (!a) throw notFound(`Action ${requestId} not found`)
    const view = actionView(req, a)
    // Before 2.51 only those allowed all event details (admins) see events; from 2.51 the owner does too, without tracebacks.
    const allEventDetails = can(deps, req, 'os-instance-actions:events', target)
    if (allEventDetails || atLeast(v, '2.51')) {
      const show: EventShow = {
        traceback: allEventDetails,
        host: allEventDetails && atLeast(v, '2.62'),
        hostId: atLeast(v, '2.62'),
        details: atLeast(v, '2.84') && can(deps, req, 'os-instance-actions:events:details', target),
      }
      const events = await deps.db.selectFrom('instance_action_events').selectAll().where('action_id', '=', a.id)
        .orderBy('start_time', 'desc').orderBy('id', 'desc').execute()
      view.events = events.map((e) => eventView({ ...e, id: Number(e.id) }, a.project_id || i.project_id, show))
    }
    return { status: 200, body: { instanceAction: view } }
  }

  return [
    route('GET', '/servers/:server_id/os-instance-actions', list),
    route('GET', '/servers/:server_id/os-instance-actions/:request_id', show),
  ]
}
