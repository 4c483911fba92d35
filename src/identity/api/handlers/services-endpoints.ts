/** /v3/services and /v3/endpoints: the service catalog. Every write drops the cached catalog. */
import { toDbBool } from '../../../common/db/columns.ts'
import { BadRequest, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { EndpointRow, ServiceRow } from '../../db/schema.ts'
import { collection, enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId } from '../ids.ts'
import { renderEndpoint, renderService } from '../render.ts'
import { createEndpointBody, createServiceBody, INTERFACES, updateEndpointBody, updateServiceBody } from '../schemas/catalog.ts'

type ServiceBody = { id?: unknown; type?: string; name?: string; description?: string | null; enabled?: boolean }
type EndpointBody = {
  id?: unknown; interface?: string; region_id?: string | null; region?: string | null; service_id?: string; url?: string; enabled?: boolean
}

const serviceKnown = ['id', 'type', 'name', 'description', 'enabled', 'links']
const endpointKnown = ['id', 'interface', 'region_id', 'region', 'service_id', 'url', 'enabled', 'links', 'legacy_endpoint_id']
/** The `$(name)s` substitutions Keystone allows in endpoint URLs. */
const URL_SUBSTITUTION = /^\$\((tenant_id|project_id|user_id|compute_host|public_endpoint)\)s/

const missingIn = (attribute: string, table: string) => new BadRequest(`Expecting to find ${attribute} in ${table}. `
  + 'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.')

function checkUrl(url: string): void {
  for (let i = url.indexOf('$('); i >= 0; i = url.indexOf('$(', i + 2)) {
    if (!URL_SUBSTITUTION.test(url.slice(i))) throw new BadRequest(`Cannot create an endpoint with an invalid URL: ${url}.`)
  }
}

const mergedExtra = (old: string, body: Record<string, unknown>, known: string[]) =>
  JSON.stringify({ ...JSON.parse(old), ...JSON.parse(extraOf(body, known)) })

export function servicesEndpointsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const findService = (id: string) => db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst()
  const findEndpoint = (id: string) => db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst()

  async function loadService(id: string): Promise<ServiceRow> {
    const s = await findService(id)
    if (!s) throw new NotFound(`Could not find service: ${id}.`)
    return s
  }
  async function loadEndpoint(id: string): Promise<EndpointRow> {
    const e = await findEndpoint(id)
    if (!e) throw new NotFound(`Could not find endpoint: ${id}.`)
    return e
  }

  /**
   * Checks the region and service an endpoint body names. The pre-3.2 `region` attribute still
   * works: it becomes `region_id`, and a region of that name is created when missing.
   */
  async function resolveRefs(body: EndpointBody): Promise<void> {
    if (body.region_id == null && body.region != null) {
      body.region_id = body.region
      const exists = await db.selectFrom('regions').select('id').where('id', '=', body.region).executeTakeFirst()
      if (!exists) await db.insertInto('regions').values({ id: body.region, description: '', parent_region_id: null, extra: '{}' }).execute()
    }
    if (body.region_id != null && !(await db.selectFrom('regions').select('id').where('id', '=', body.region_id).executeTakeFirst())) {
      throw missingIn('endpoint region_id', 'region table')
    }
    if (body.service_id !== undefined && !(await findService(body.service_id))) throw missingIn('endpoint service_id', 'service table')
  }

  const changed = () => deps.catalog.invalidate()

  return [
    route('GET', '/v3/services', async (req: IdentityRequest) => {
      const filters = Object.fromEntries(['type', 'name'].flatMap((k) => req.query.has(k) ? [[k, req.query.get(k)]] : []))
      enforce(deps, req, 'identity:list_services', filters)
      let q = db.selectFrom('services').selectAll().orderBy('type').orderBy('name')
      for (const key of ['type', 'name'] as const) if (filters[key] != null) q = q.where(key, '=', filters[key])
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'services', rows.map((s) => renderService(req, s))) }
    }),

    route('POST', '/v3/services', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_service')
      const body = (req.body as { service: ServiceBody }).service
      const row: ServiceRow = {
        id: newId(), type: body.type!, name: body.name ?? '', description: body.description ?? '',
        enabled: toDbBool(body.enabled ?? true), extra: extraOf(body, serviceKnown),
      }
      await db.insertInto('services').values(row).execute()
      changed()
      deps.log.info('created service', { service_id: row.id, type: row.type, name: row.name })
      return { status: 201, body: { service: renderService(req, row) } }
    }, { body: createServiceBody }),

    route('GET', '/v3/services/:service_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_service', { ...req.params })
      return { status: 200, body: { service: renderService(req, await loadService(req.params.service_id)) } }
    }),

    route('PATCH', '/v3/services/:service_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_service', { ...req.params })
      const body = (req.body as { service: ServiceBody }).service
      if (body.id != null && body.id !== req.params.service_id) throw new BadRequest('Cannot change ID')
      const s = await loadService(req.params.service_id)
      await db.updateTable('services').set({
        type: body.type ?? s.type, name: body.name ?? s.name, enabled: body.enabled === undefined ? s.enabled : toDbBool(body.enabled),
        description: body.description === undefined ? s.description : body.description ?? '',
        extra: mergedExtra(s.extra, body, serviceKnown),
      }).where('id', '=', s.id).execute()
      changed()
      return { status: 200, body: { service: renderService(req, await loadService(s.id)) } }
    }, { body: updateServiceBody }),

    route('DELETE', '/v3/services/:service_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_service', { ...req.params })
      const s = await loadService(req.params.service_id)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('project_endpoints')
          .where('endpoint_id', 'in', (eb) => eb.selectFrom('endpoints').select('id').where('service_id', '=', s.id)).execute()
        await trx.deleteFrom('endpoints').where('service_id', '=', s.id).execute()
        await trx.deleteFrom('services').where('id', '=', s.id).execute()
      })
      changed()
      deps.log.info('deleted service and its endpoints', { service_id: s.id, type: s.type })
      return { status: 204 }
    }),

    route('GET', '/v3/endpoints', async (req: IdentityRequest) => {
      const filters = Object.fromEntries(['interface', 'service_id', 'region_id'].flatMap((k) => req.query.has(k) ? [[k, req.query.get(k)]] : []))
      enforce(deps, req, 'identity:list_endpoints', filters)
      if (filters.interface != null && !INTERFACES.includes(filters.interface)) {
        throw new BadRequest(`Invalid input for field 'interface': '${filters.interface}' is not one of ${JSON.stringify(INTERFACES)}`)
      }
      let q = db.selectFrom('endpoints').selectAll().orderBy('service_id').orderBy('interface')
      for (const key of ['interface', 'service_id', 'region_id'] as const) if (filters[key] != null) q = q.where(key, '=', filters[key])
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'endpoints', rows.map((e) => renderEndpoint(req, e))) }
    }),

    route('POST', '/v3/endpoints', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_endpoint')
      const body = (req.body as { endpoint: EndpointBody }).endpoint
      checkUrl(body.url!)
      await resolveRefs(body)
      const row: EndpointRow = {
        id: newId(), service_id: body.service_id!, interface: body.interface!, url: body.url!, region_id: body.region_id ?? null,
        enabled: toDbBool(body.enabled ?? true), extra: extraOf(body, endpointKnown),
      }
      await db.insertInto('endpoints').values(row).execute()
      changed()
      deps.log.info('created endpoint', { endpoint_id: row.id, service_id: row.service_id, interface: row.interface, url: row.url })
      return { status: 201, body: { endpoint: renderEndpoint(req, row) } }
    }, { body: createEndpointBody }),

    route('GET', '/v3/endpoints/:endpoint_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_endpoint', { ...req.params })
      return { status: 200, body: { endpoint: renderEndpoint(req, await loadEndpoint(req.params.endpoint_id)) } }
    }),

    route('PATCH', '/v3/endpoints/:endpoint_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_endpoint', { ...req.params })
      const body = (req.body as { endpoint: EndpointBody }).endpoint
      if (body.id != null && body.id !== req.params.endpoint_id) throw new BadRequest('Cannot change ID')
      const e = await loadEndpoint(req.params.endpoint_id)
      await resolveRefs(body)
      await db.updateTable('endpoints').set({
        service_id: body.service_id ?? e.service_id, interface: body.interface ?? e.interface, url: body.url ?? e.url,
        region_id: body.region_id === undefined ? e.region_id : body.region_id,
        enabled: body.enabled === undefined ? e.enabled : toDbBool(body.enabled), extra: mergedExtra(e.extra, body, endpointKnown),
      }).where('id', '=', e.id).execute()
      changed()
      return { status: 200, body: { endpoint: renderEndpoint(req, await loadEndpoint(e.id)) } }
    }, { body: updateEndpointBody }),

    route('DELETE', '/v3/endpoints/:endpoint_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_endpoint', { ...req.params })
      const e = await loadEndpoint(req.params.endpoint_id)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('project_endpoints').where('endpoint_id', '=', e.id).execute()
        await trx.deleteFrom('endpoints').where('id', '=', e.id).execute()
      })
      changed()
      deps.log.info('deleted endpoint', { endpoint_id: e.id })
      return { status: 204 }
    }),
  ]
}
