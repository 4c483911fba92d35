/**
 * /v3/OS-EP-FILTER: endpoint groups (saved endpoint filters) and the endpoints and endpoint
 * groups associated with projects. These are bookkeeping only: the catalog in tokens is not
 * filtered by them, as in Keystone without the endpoint_filter catalog driver.
 */
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getProject } from '../../db/lookups.ts'
import type { EndpointGroupRow, EndpointRow, ProjectRow } from '../../db/schema.ts'
import { collection, enforce, links, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { newId } from '../ids.ts'
import { renderEndpoint, renderProject } from '../render.ts'
import { INTERFACES } from '../schemas/catalog.ts'

const PREFIX = '/v3/OS-EP-FILTER'
const FILTER_KEYS = ['service_id', 'region_id', 'interface'] as const
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string | null>>
type GroupBody = { name?: string; description?: string | null; filters?: Record<string, unknown> }

/** keystone/catalog/schema.py: endpoint group bodies admit no other attributes. */
const groupProps = {
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' },
  description: { type: ['string', 'null'] },
  filters: {
    type: 'object',
    properties: {
      interface: { type: 'string', enum: INTERFACES }, service_id: { type: 'string' },
      region_id: { type: ['string', 'null'] }, enabled: { type: 'boolean' },
    },
  },
}
const createGroupBody = {
  type: 'object', required: ['endpoint_group'], additionalProperties: false,
  properties: { endpoint_group: { type: 'object', required: ['name', 'filters'], additionalProperties: false, properties: groupProps } },
} as const
const updateGroupBody = {
  type: 'object', required: ['endpoint_group'], additionalProperties: false,
  properties: { endpoint_group: { type: 'object', minProperties: 1, additionalProperties: false, properties: groupProps } },
} as const

/** Keystone's check: a filter may only name an endpoint's service, region or interface. */
function checkFilters(filters: Record<string, unknown>): void {
  if (Object.keys(filters).some((k) => !(FILTER_KEYS as readonly string[]).includes(k))) {
    throw new BadRequest(`Expecting to find ${FILTER_KEYS.join(' or ')} in endpoint_group. The server could not comply with the `
      + 'request since it is either malformed or otherwise incorrect. The client is assumed to be in error.')
  }
}

const filtersOf = (g: EndpointGroupRow): Filters => JSON.parse(g.filters) as Filters
const matches = (e: EndpointRow, f: Filters) => FILTER_KEYS.every((k) => !(k in f) || e[k] === f[k])

/** An absent or null description is stored as '' and answered as null, as Keystone answers it. */
function renderGroup(req: IdentityRequest, g: EndpointGroupRow): Record<string, unknown> {
  return {
    id: g.id, name: g.name, description: g.description || null, filters: filtersOf(g),
    links: links(req, `OS-EP-FILTER/endpoint_groups/${g.id}`),
  }
}

export function endpointFilterRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  async function loadGroup(id: string): Promise<EndpointGroupRow> {
    const row = await db.selectFrom('endpoint_groups').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound(`Could not find Endpoint Group: ${id}.`)
    return row
  }
  async function loadEndpoint(id: string): Promise<EndpointRow> {
    const row = await db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound(`Could not find endpoint: ${id}.`)
    return row
  }
  async function endpointsIn(groups: EndpointGroupRow[]): Promise<EndpointRow[]> {
    if (!groups.length) return []
    const all = await db.selectFrom('endpoints').selectAll().orderBy('service_id').orderBy('interface').execute()
    return all.filter((e) => groups.some((g) => matches(e, filtersOf(g))))
  }
  /** Projects with their tags; associations left behind by a deleted project are skipped. */
  async function renderProjects(req: IdentityRequest, ids: string[]): Promise<unknown[]> {
    if (!ids.length) return []
    const rows: ProjectRow[] = await db.selectFrom('projects').selectAll().where('id', 'in', ids).orderBy('name').execute()
    const tags = await db.selectFrom('project_tags').selectAll().where('project_id', 'in', ids).orderBy('name').execute()
    return rows.map((p) => renderProject(req, p, tags.filter((t) => t.project_id === p.id).map((t) => t.name)))
  }
  const projectGroupLink = (req: IdentityRequest, groupId: string, projectId: string) =>
    links(req, `OS-EP-FILTER/endpoint_groups/${groupId}/projects/${projectId}`)
  const stored = (what: string) => (err: unknown) => {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store ${what} - Duplicate entry.`)
    throw err
  }

  return [
    route('POST', `${PREFIX}/endpoint_groups`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_endpoint_group')
      const body = (req.body as { endpoint_group: GroupBody }).endpoint_group
      if (!body.filters || !Object.keys(body.filters).length) throw new BadRequest('filters field is required and cannot be empty')
      checkFilters(body.filters)
      const row: EndpointGroupRow = {
        id: newId(), name: body.name!, description: body.description ?? '', filters: JSON.stringify(body.filters),
      }
      await db.insertInto('endpoint_groups').values(row).execute()
      deps.log.info('created endpoint group', { endpoint_group_id: row.id, name: row.name })
      return { status: 201, body: { endpoint_group: renderGroup(req, row) } }
    }, { body: createGroupBody }),

    route('GET', `${PREFIX}/endpoint_groups`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_endpoint_groups')
      let q = db.selectFrom('endpoint_groups').selectAll().orderBy('name').orderBy('id')
      const name = req.query.get('name')
      if (name !== null) q = q.where('name', '=', name)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'endpoint_groups', rows.map((g) => renderGroup(req, g))) }
    }),

    route('GET', `${PREFIX}/endpoint_groups/:endpoint_group_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_endpoint_group')
      return { status: 200, body: { endpoint_group: renderGroup(req, await loadGroup(req.params.endpoint_group_id)) } }
    }),

    route('PATCH', `${PREFIX}/endpoint_groups/:endpoint_group_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_endpoint_group')
      const body = (req.body as { endpoint_group: GroupBody }).endpoint_group
      if (body.filters) checkFilters(body.filters)
      const g = await loadGroup(req.params.endpoint_group_id)
      await db.updateTable('endpoint_groups').set({
        name: body.name ?? g.name,
        description: body.description === undefined ? g.description : body.description ?? '',
        filters: body.filters ? JSON.stringify(body.filters) : g.filters,
      }).where('id', '=', g.id).execute()
      return { status: 200, body: { endpoint_group: renderGroup(req, await loadGroup(g.id)) } }
    }, { body: updateGroupBody }),

    route('DELETE', `${PREFIX}/endpoint_groups/:endpoint_group_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_endpoint_group')
      const g = await loadGroup(req.params.endpoint_group_id)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('project_endpoint_groups').where('endpoint_group_id', '=', g.id).execute()
        await trx.deleteFrom('endpoint_groups').where('id', '=', g.id).execute()
      })
      deps.log.info('deleted endpoint group and its project associations', { endpoint_group_id: g.id })
      return { status: 204 }
    }),

    route('GET', `${PREFIX}/endpoint_groups/:endpoint_group_id/endpoints`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_endpoints_associated_with_endpoint_group')
      const rows = await endpointsIn([await loadGroup(req.params.endpoint_group_id)])
      return { status: 200, body: collection(req, 'endpoints', rows.map((e) => renderEndpoint(req, e))) }
    }),

    route('GET', `${PREFIX}/endpoint_groups/:endpoint_group_id/projects`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_projects_associated_with_endpoint_group')
      const g = await loadGroup(req.params.endpoint_group_id)
      const refs = await db.selectFrom('project_endpoint_groups').select('project_id').where('endpoint_group_id', '=', g.id).execute()
      return { status: 200, body: collection(req, 'projects', await renderProjects(req, refs.map((r) => r.project_id))) }
    }),

    route('GET', `${PREFIX}/endpoint_groups/:endpoint_group_id/projects/:project_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_endpoint_group_in_project')
      const p = await getProject(db, req.params.project_id)
      const g = await loadGroup(req.params.endpoint_group_id)
      const ref = await db.selectFrom('project_endpoint_groups').selectAll()
        .where('endpoint_group_id', '=', g.id).where('project_id', '=', p.id).executeTakeFirst()
      if (!ref) throw new NotFound('Endpoint Group Project Association not found')
      return { status: 200, body: { project_endpoint_group: { ...ref, links: projectGroupLink(req, g.id, p.id) } } }
    }),

    route('PUT', `${PREFIX}/endpoint_groups/:endpoint_group_id/projects/:project_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:add_endpoint_group_to_project')
      const p = await getProject(db, req.params.project_id)
      const g = await loadGroup(req.params.endpoint_group_id)
      await db.insertInto('project_endpoint_groups').values({ endpoint_group_id: g.id, project_id: p.id }).execute()
        .catch(stored('project_endpoint_group'))
      return { status: 204 }
    }),

    route('DELETE', `${PREFIX}/endpoint_groups/:endpoint_group_id/projects/:project_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:remove_endpoint_group_from_project')
      const p = await getProject(db, req.params.project_id)
      const g = await loadGroup(req.params.endpoint_group_id)
      const res = await db.deleteFrom('project_endpoint_groups')
        .where('endpoint_group_id', '=', g.id).where('project_id', '=', p.id).executeTakeFirst()
      if (!Number(res.numDeletedRows)) throw new NotFound('Endpoint Group Project Association not found')
      return { status: 204 }
    }),

    route('GET', `${PREFIX}/projects/:project_id/endpoint_groups`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_endpoint_groups_for_project')
      const p = await getProject(db, req.params.project_id)
      const rows = await db.selectFrom('endpoint_groups').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('project_endpoint_groups').select('endpoint_group_id').where('project_id', '=', p.id))
        .orderBy('name').orderBy('id').execute()
      return { status: 200, body: collection(req, 'endpoint_groups', rows.map((g) => renderGroup(req, g))) }
    }),

    // Endpoints of a project: those associated one by one plus those its endpoint groups match.
    route('GET', `${PREFIX}/projects/:project_id/endpoints`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_endpoints_for_project')
      const p = await getProject(db, req.params.project_id)
      const direct = await db.selectFrom('endpoints').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('project_endpoints').select('endpoint_id').where('project_id', '=', p.id))
        .orderBy('service_id').orderBy('interface').execute()
      const groups = await db.selectFrom('endpoint_groups').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('project_endpoint_groups').select('endpoint_group_id').where('project_id', '=', p.id))
        .execute()
      const seen = new Set(direct.map((e) => e.id))
      const rows = [...direct, ...(await endpointsIn(groups)).filter((e) => !seen.has(e.id))]
      return { status: 200, body: collection(req, 'endpoints', rows.map((e) => renderEndpoint(req, e))) }
    }),

    // Also answers HEAD: 204 when the endpoint is associated with the project.
    route('GET', `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:check_endpoint_in_project')
      const e = await loadEndpoint(req.params.endpoint_id)
      const p = await getProject(db, req.params.project_id)
      const ref = await db.selectFrom('project_endpoints').selectAll()
        .where('endpoint_id', '=', e.id).where('project_id', '=', p.id).executeTakeFirst()
      if (!ref) throw new NotFound(`Endpoint ${e.id} not found in project ${p.id}`)
      return { status: 204 }
    }),

    route('PUT', `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:add_endpoint_to_project')
      const e = await loadEndpoint(req.params.endpoint_id)
      const p = await getProject(db, req.params.project_id)
      await db.insertInto('project_endpoints').values({ endpoint_id: e.id, project_id: p.id }).execute().catch(stored('project_endpoint'))
      return { status: 204 }
    }),

    // Like Keystone, removal needs only the association: one left by a deleted endpoint can go too.
    route('DELETE', `${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:remove_endpoint_from_project')
      const { project_id, endpoint_id } = req.params
      const res = await db.deleteFrom('project_endpoints')
        .where('endpoint_id', '=', endpoint_id).where('project_id', '=', project_id).executeTakeFirst()
      if (!Number(res.numDeletedRows)) throw new NotFound(`Endpoint ${endpoint_id} not found in project ${project_id}`)
      return { status: 204 }
    }),

    route('GET', `${PREFIX}/endpoints/:endpoint_id/projects`, async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_projects_for_endpoint')
      const e = await loadEndpoint(req.params.endpoint_id)
      const refs = await db.selectFrom('project_endpoints').select('project_id').where('endpoint_id', '=', e.id).execute()
      return { status: 200, body: collection(req, 'projects', await renderProjects(req, refs.map((r) => r.project_id))) }
    }),
  ]
}
