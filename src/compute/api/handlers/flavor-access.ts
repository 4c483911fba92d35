/**
 * Flavor access: the projects a private flavor is given to. GET /flavors/{id}/os-flavor-access
 * lists them (admin); POST /flavors/{id}/action with addTenantAccess or removeTenantAccess
 * changes them. A project not on the list does not see the flavor at all.
 */
import { validator } from '../../../common/http/validation.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { flavorProjects } from '../../db/flavors.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { addTenantAccessSchema, removeTenantAccessSchema } from '../schemas/flavor-access.ts'
import { flavorForCaller } from './flavors.ts'

const validateAdd = validator(addTenantAccessSchema)
const validateRemove = validator(removeTenantAccessSchema)

export function flavorAccessRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/flavors/:flavor_id/os-flavor-access', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-access')
      const f = await flavorForCaller(deps, req, req.params.flavor_id)
      if (f.is_public) throw notFound('Access list not available for public flavors.')
      return { status: 200, body: await accessList(deps, f.flavorid) }
    }),
    route('POST', '/flavors/:flavor_id/action', (req: ComputeRequest) => flavorAction(deps, req)),
  ]
}

async function accessList(deps: ComputeApiDeps, flavorid: string) {
  return { flavor_access: (await flavorProjects(deps.db, flavorid)).map((tenant_id) => ({ flavor_id: flavorid, tenant_id })) }
}

async function flavorAction(deps: ComputeApiDeps, req: ComputeRequest) {
  const body = req.body as Record<string, { tenant: string }> | undefined
  if (body === undefined || typeof body !== 'object' || body === null) throw badRequest('The request body is required.')
  if ('addTenantAccess' in body) {
    validateAdd(body)
    authorize(deps, req, 'os-flavor-access:add_tenant_access')
    const tenant = body.addTenantAccess.tenant
    const f = await flavorForCaller(deps, req, req.params.flavor_id)
    if (f.is_public && atLeast(versionOf(req), '2.7')) throw conflict('Can not add access to a public flavor.')
    try {
      await deps.db.insertInto('flavor_projects').values({ flavorid: f.flavorid, project_id: tenant }).execute()
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Flavor access already exists for flavor ${f.flavorid} and project ${tenant} combination.`)
      throw err
    }
    deps.log.info('gave a project access to a flavor', { request_id: req.requestId, flavor: f.flavorid, project: tenant })
    return { status: 200, body: await accessList(deps, f.flavorid) }
  }
  if ('removeTenantAccess' in body) {
    validateRemove(body)
    authorize(deps, req, 'os-flavor-access:remove_tenant_access')
    const tenant = body.removeTenantAccess.tenant
    const f = await flavorForCaller(deps, req, req.params.flavor_id)
    const r = await deps.db.deleteFrom('flavor_projects').where('flavorid', '=', f.flavorid).where('project_id', '=', tenant).executeTakeFirst()
    if (Number(r.numDeletedRows) === 0) throw notFound(`Flavor access not found for ${f.flavorid} / ${tenant} combination.`)
    return { status: 200, body: await accessList(deps, f.flavorid) }
  }
  throw badRequest('There is no such action: ' + (Object.keys(body)[0] ?? ''))
}
