/**
 * POST /os-server-external-events: how the network service (and later block storage) tells
 * Nova something happened to an instance's port or volume. Each event is answered on its own:
 * 200 when accepted and cast to the instance's host, 404 for an unknown instance, 422 for one
 * on no host, 400 for a missing tag an event needs; any refusal makes the whole answer 207, and
 * when none is accepted the answer is 404.
 * Admins and the service role only.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { instancesOf } from '../../db/instances.ts'
import { badRequest, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import type { ExternalEvent } from '../../rpc/agent-rpc.ts'
import { authorize, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { isUuidLike } from '../../uuid-like.ts'

/** Event names by the microversion that added them. */
const NAMES: Array<[string, string]> = [
  ['2.1', 'network-changed'], ['2.1', 'network-vif-plugged'], ['2.1', 'network-vif-unplugged'], ['2.1', 'network-vif-deleted'],
  ['2.51', 'volume-extended'], ['2.76', 'power-update'], ['2.82', 'accelerator-request-bound'], ['2.93', 'volume-reimaged'],
]
const STATUSES = ['failed', 'completed', 'in-progress'] as const
const NEEDS_TAG = new Set(['volume-extended', 'power-update'])

const createSchema = {
  type: 'object',
  properties: {
    events: {
      type: 'array', minItems: 1,
      items: {
        type: 'object',
        properties: {
          server_uuid: { type: 'string' },
          name: { enum: NAMES.map(([, n]) => n) },
          status: { enum: STATUSES },
          tag: { type: 'string', maxLength: 255 },
        },
        required: ['server_uuid', 'name'],
        additionalProperties: false,
      },
    },
  },
  required: ['events'],
  additionalProperties: false,
}

type BodyEvent = { server_uuid: string; name: string; status?: ExternalEvent['status']; tag?: string }
type Answer = BodyEvent & { status: string; code: number }

export function serverExternalEventsRoutes(deps: ComputeApiDeps): Route[] {
  return [route('POST', '/os-server-external-events', (req) => create(deps, req), { body: createSchema })]
}

async function create(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-server-external-events:create', {})
  const events = (req.body as { events: BodyEvent[] }).events
  const v = versionOf(req)
  const allowed = new Set(NAMES.filter(([since]) => atLeast(v, since)).map(([, n]) => n))
  for (const e of events) {
    if (!allowed.has(e.name)) throw badRequest(`Invalid input for field/attribute name. Value: ${e.name}. '${e.name}' is not one of ${JSON.stringify([...allowed])}`)
    if (!isUuidLike(e.server_uuid)) throw badRequest(`Invalid input for field/attribute server_uuid. Value: ${e.server_uuid}. '${e.server_uuid}' is not a 'uuid'`)
  }
  const uuids = [...new Set(events.map((e) => e.server_uuid))]
  const rows = await deps.db.selectFrom('instances').selectAll().where('uuid', 'in', uuids).where('deleted', '=', 0).execute()
  const instances = new Map((await instancesOf(deps.db, rows)).map((i) => [i.uuid, i]))

  const answers: Answer[] = []
  const accepted = new Map<string, { instance: Instance; events: ExternalEvent[] }>()
  for (const e of events) {
    const i = instances.get(e.server_uuid)
    const failed = (code: number): Answer => ({ ...e, status: 'failed', code })
    if (!i) answers.push(failed(404))
    else if (NEEDS_TAG.has(e.name) && e.tag === undefined) answers.push(failed(400))
    else if (!i.host) answers.push(failed(422))
    else {
      answers.push({ ...e, status: 'completed', code: 200 })
      const entry = accepted.get(i.uuid) ?? { instance: i, events: [] }
      entry.events.push({ name: e.name, tag: e.tag ?? null, status: e.status ?? 'completed' })
      accepted.set(i.uuid, entry)
    }
  }
  if (!accepted.size) throw notFound('No instances found for any event')
  const context = requestContext(deps, req)
  for (const { instance, events: evs } of accepted.values()) {
    deps.log.info(`events ${evs.map((e) => e.name + (e.tag ? `:${e.tag}` : '')).join(', ')} for instance ${instance.uuid} sent to host ${instance.host}`,
      { request_id: req.requestId })
    await deps.rpc.castAgent(instance.host!, 'externalInstanceEvent', { context, instance, events: evs })
  }
  return { status: answers.every((a) => a.code === 200) ? 200 : 207, body: { events: answers } }
}
