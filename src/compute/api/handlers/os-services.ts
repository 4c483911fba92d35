/**
 * /os-services: the compute deployment's services (Nova's os-services). List with host and
 * binary filters; forced_down shown from 2.11; from 2.53 ids are UUIDs and one
 * `PUT /os-services/{uuid}` sets status (with disabled_reason) and forced_down, while before it
 * `PUT /os-services/{enable|disable|disable-log-reason|force-down}` names the service by host
 * and binary. Deleting a compute service that still hosts instances is a 409; deleting one
 * removes its compute nodes and its aggregate memberships, as Nova does.
 */
import { nowIso } from '../../../common/db/columns.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { ServiceRow } from '../../db/schema.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { aggregateZonesByHost, isComputeService, listServices, serviceIsUp, serviceUpdatedAt, zoneOfService, type Service } from '../service-state.ts'
import { isUuidLike } from '../../uuid-like.ts'


const name255 = { type: 'string', minLength: 1, maxLength: 255 }
const reason = { type: 'string', minLength: 1, maxLength: 255 }
/** Body of the pre-2.53 actions (schemas/services.py service_update, _v211 adds forced_down). */
const legacyUpdateSchema = {
  type: 'object',
  properties: { host: name255, binary: name255, disabled_reason: reason, forced_down: { type: ['boolean', 'string'] } },
  required: ['host', 'binary'],
  additionalProperties: false,
}
/** Body of PUT /os-services/{uuid} from 2.53 (service_update_v253). */
const updateSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['enabled', 'disabled'] }, disabled_reason: reason, forced_down: { type: ['boolean', 'string'] } },
  additionalProperties: false,
}

export function osServicesRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-services', (req) => listHandler(deps, req)),
    route('PUT', '/os-services/:id', (req) => updateHandler(deps, req)),
    route('DELETE', '/os-services/:id', (req) => deleteHandler(deps, req)),
  ]
}

type View = Record<string, unknown>

async function viewsOf(deps: ComputeApiDeps, req: ComputeRequest, services: Service[]): Promise<View[]> {
  const v = versionOf(req)
  const zones = await aggregateZonesByHost(deps.db)
  return services.map((s) => {
    const view: View = {
      id: atLeast(v, '2.53') ? s.uuid : s.id, binary: s.binary, host: s.host, zone: zoneOfService(s, zones, deps.config),
      status: Number(s.disabled) ? 'disabled' : 'enabled', state: serviceIsUp(s, deps.config) ? 'up' : 'down',
      updated_at: serviceUpdatedAt(s), disabled_reason: s.disabled_reason,
    }
    if (atLeast(v, '2.11')) view.forced_down = Boolean(Number(s.forced_down))
    return view
  })
}

async function listHandler(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-services:list')
  const host = req.query.get('host')
  const binary = req.query.get('binary')
  const services = (await listServices(deps.db)).filter((s) => (host === null || s.host === host) && (binary === null || s.binary === binary))
  return { status: 200, body: { services: await viewsOf(deps, req, services) } }
}

function validate(schema: typeof updateSchema | typeof legacyUpdateSchema, body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body is invalid: it must be an object.')
  const b = body as Record<string, unknown>
  for (const k of Object.keys(b)) {
    if (!(k in schema.properties)) throw badRequest(`Invalid input for field/attribute service. Value: ${JSON.stringify(b)}. Additional properties are not allowed ('${k}' was unexpected)`)
  }
  for (const r of (schema as { required?: string[] }).required ?? []) {
    if (b[r] === undefined) throw badRequest(`Invalid input for field/attribute service. Value: ${JSON.stringify(b)}. '${r}' is a required property`)
  }
  for (const [k, p] of Object.entries(schema.properties) as Array<[string, { type: string | string[]; minLength?: number; maxLength?: number; enum?: string[] }]>) {
    const val = b[k]
    if (val === undefined) continue
    if (k === 'forced_down') continue
    if (typeof val !== 'string') throw badRequest(`Invalid input for field/attribute ${k}. Value: ${JSON.stringify(val)}. ${JSON.stringify(val)} is not of type 'string'`)
    if (p.enum && !p.enum.includes(val)) throw badRequest(`Invalid input for field/attribute ${k}. Value: ${val}. '${val}' is not one of ${JSON.stringify(p.enum)}`)
    if (val.length < (p.minLength ?? 0) || val.length > (p.maxLength ?? Infinity)) throw badRequest(`Invalid input for field/attribute ${k}. Value: ${val}. Invalid length`)
  }
  if (b.forced_down !== undefined) b.forced_down = boolParam('forced_down', b.forced_down)
  return b
}

/** Nova's parameter_types.boolean: true/false or their common string spellings. */
function boolParam(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v
  const s = String(v).toLowerCase()
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(s)) return true
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(s)) return false
  throw badRequest(`Invalid input for field/attribute ${name}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'boolean'`)
}

async function serviceByHostBinary(deps: ComputeApiDeps, host: string, binary: string): Promise<Service> {
  const s = await deps.db.selectFrom('compute_services').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirst()
  if (!s) throw notFound(`Could not find binary ${binary} on host ${host}.`)
  return { ...s, id: Number(s.id) }
}

async function setService(deps: ComputeApiDeps, id: number, changes: Partial<Pick<ServiceRow, 'disabled' | 'disabled_reason' | 'forced_down'>>): Promise<void> {
  await deps.db.updateTable('compute_services').set({ ...changes, updated_at: nowIso() }).where('id', '=', id).execute()
}

async function updateHandler(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  authorize(deps, req, 'os-services:update')
  const id = req.params.id
  if (atLeast(v, '2.53')) return updateByUuid(deps, req, id)
  const actions = ['enable', 'disable', 'disable-log-reason', ...(atLeast(v, '2.11') ? ['force-down'] : [])]
  if (!actions.includes(id)) throw notFound('Unknown action')
  const body = validate(legacyUpdateSchema, req.body)
  if (body.forced_down !== undefined && !atLeast(v, '2.11')) {
    throw badRequest(`Invalid input for field/attribute service. Value: ${JSON.stringify(req.body)}. Additional properties are not allowed ('forced_down' was unexpected)`)
  }
  const host = String(body.host)
  const binary = String(body.binary)
  if (id === 'force-down') {
    if (body.forced_down === undefined) throw badRequest('Missing forced_down field')
    const s = await serviceByHostBinary(deps, host, binary)
    await setService(deps, Number(s.id), { forced_down: body.forced_down ? 1 : 0 })
    log(deps, req, s, `forced_down=${body.forced_down}`)
    return { status: 200, body: { service: { host, binary, forced_down: body.forced_down } } }
  }
  if (id === 'disable-log-reason' && body.disabled_reason === undefined) throw badRequest('Missing disabled reason field')
  const s = await serviceByHostBinary(deps, host, binary)
  if (id === 'enable') {
    await setService(deps, Number(s.id), { disabled: 0, disabled_reason: null })
    log(deps, req, s, 'enabled')
    return { status: 200, body: { service: { host, binary, status: 'enabled' } } }
  }
  const why = id === 'disable-log-reason' ? String(body.disabled_reason) : null
  await setService(deps, Number(s.id), { disabled: 1, disabled_reason: why })
  log(deps, req, s, 'disabled')
  const view: View = { host, binary, status: 'disabled' }
  if (why !== null) view.disabled_reason = why
  return { status: 200, body: { service: view } }
}

function log(deps: ComputeApiDeps, req: ComputeRequest, s: Pick<ServiceRow, 'host' | 'binary'>, what: string) {
  deps.log.info(`service ${s.binary} on ${s.host}: ${what}`, { request_id: req.requestId })
}

async function updateByUuid(deps: ComputeApiDeps, req: ComputeRequest, id: string) {
  if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`)
  const body = validate(updateSchema, req.body)
  if (body.status === undefined && body.forced_down === undefined) throw badRequest("At least one of 'status' or 'forced_down' must be specified.")
  if (body.status === 'enabled' && body.disabled_reason !== undefined) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
  if (body.status === undefined && body.disabled_reason !== undefined) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
  const s = await deps.db.selectFrom('compute_services').selectAll().where('uuid', '=', id).executeTakeFirst()
  if (!s) throw notFound(`Service ${id} not found.`)
  if (!isComputeService(s)) throw badRequest(`Updating a ${s.binary} service is not supported. Only nova-compute services can be updated.`)
  const changes: Partial<Pick<ServiceRow, 'disabled' | 'disabled_reason' | 'forced_down'>> = {}
  if (body.status === 'enabled') Object.assign(changes, { disabled: 0, disabled_reason: null })
  if (body.status === 'disabled') Object.assign(changes, { disabled: 1, disabled_reason: body.disabled_reason ?? null })
  if (body.forced_down !== undefined) changes.forced_down = body.forced_down ? 1 : 0
  await setService(deps, Number(s.id), changes)
  log(deps, req, s, JSON.stringify(changes))
  const fresh = await deps.db.selectFrom('compute_services').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow()
  const [view] = await viewsOf(deps, req, [{ ...fresh, id: Number(fresh.id) }])
  return { status: 200, body: { service: view } }
}

async function deleteHandler(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-services:delete')
  const id = req.params.id
  let q = deps.db.selectFrom('compute_services').selectAll()
  if (atLeast(versionOf(req), '2.53')) {
    if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`)
    q = q.where('uuid', '=', id)
  } else {
    if (!/^-?\d+$/.test(id)) throw badRequest('Invalid input received: id must be an integer.')
    q = q.where('id', '=', Number(id))
  }
  const s = await q.executeTakeFirst()
  if (!s) throw notFound(`Service ${id} not found.`)
  if (isComputeService(s)) {
    const hosting = await deps.db.selectFrom('instances').select('uuid').where('host', '=', s.host).where('deleted', '=', 0).executeTakeFirst()
    if (hosting) throw conflict('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.')
    const inProgress = await deps.db.selectFrom('instance_migrations').select('uuid')
      .where((eb) => eb.or([eb('source_compute', '=', s.host), eb('dest_compute', '=', s.host)]))
      .where('status', 'not in', ['confirmed', 'reverted', 'completed', 'failed', 'error', 'cancelled', 'done']).executeTakeFirst()
    if (inProgress) throw conflict(`Unable to delete compute service that has in-progress migrations. Complete the migrations or delete the instances first.`)
  }
  await deps.db.transaction().execute(async (trx) => {
    if (isComputeService(s)) {
      await trx.deleteFrom('compute_nodes').where('host', '=', s.host).execute()
      await trx.deleteFrom('host_aggregate_hosts').where('host', '=', s.host).execute()
    }
    await trx.deleteFrom('compute_services').where('id', '=', s.id).execute()
  })
  log(deps, req, s, 'deleted')
  return { status: 204 }
}
