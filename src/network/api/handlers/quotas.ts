/**
 * Neutron's quotas API (`quotas` and `quota_details` extensions): list, show, update, reset,
 * defaults and usage per project. Policy targets are the caller's own project, as upstream's
 * validate_policy(); reading one's own project's quotas needs no rule at all.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest, NeutronError } from '../../errors.ts'
import { enforce, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { toInt } from '../networks/attribute-values.ts'
import {
  defaultQuotas, isQuotaResource, projectQuotas, quotaResourceNames, quotaUsage, type QuotaResource,
} from '../quotas/quota.ts'

const DB_INTEGER_MAX = 2147483647

function requirePolicy(deps: NetworkDeps, req: NetworkRequest, action: string): void {
  enforce(deps, req, action, { project_id: projectOf(req), tenant_id: projectOf(req) })
}

/** The `{"quota": {...}}` body of an update, converted and range-checked; `force` and `check_limit` are taken out. */
function parseUpdate(body: unknown): { limits: Partial<Record<QuotaResource, number>>; force: boolean } {
  if (body === undefined || body === null || (typeof body === 'object' && !Object.keys(body).length)) throw badRequest('Resource body required')
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Body contains invalid data')
  const item = (body as Record<string, unknown>).quota
  if (item === undefined || item === null) throw badRequest("Unable to find 'quota' in request body")
  if (typeof item !== 'object' || Array.isArray(item)) throw badRequest("Object 'quota' contains invalid data")
  const { force, check_limit: _checkLimit, ...rest } = item as Record<string, unknown>
  const unknown = Object.keys(rest).filter((k) => !isQuotaResource(k))
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`)
  const limits: Partial<Record<QuotaResource, number>> = {}
  for (const [k, v] of Object.entries(rest)) {
    const n = toInt(v)
    if (n < -1) throw badRequest(`Invalid input for ${k}. Reason: '${n}' is too small - must be at least '-1'.`)
    if (n > DB_INTEGER_MAX) throw badRequest(`Invalid input for ${k}. Reason: '${n}' is too large - must be no larger than '${DB_INTEGER_MAX}'.`)
    limits[k as QuotaResource] = n
  }
  return { limits, force: force === true }
}

/** The project id of the path; Neutron also accepts a `.json` format suffix (tempest's quotas client sends one). */
const projectParam = (req: NetworkRequest) => req.params.project_id.replace(/\.json$/, '')

export function quotasRoutes(deps: NetworkDeps): Route[] {
  const { db, config } = deps

  /** Reading another project's quotas needs get_quota; one's own needs nothing. */
  const mayRead = (req: NetworkRequest, projectId: string) => {
    if (projectId !== projectOf(req)) requirePolicy(deps, req, 'get_quota')
  }

  return [
    route('GET', '/v2.0/quotas', async (req: NetworkRequest) => {
      requirePolicy(deps, req, 'get_quota')
      const rows = await db.selectFrom('network_quotas').selectAll().orderBy('project_id').execute()
      const byProject = new Map<string, Record<string, unknown>>()
      for (const r of rows) {
        if (!isQuotaResource(r.resource)) continue
        let q = byProject.get(r.project_id)
        if (!q) byProject.set(r.project_id, q = { ...defaultQuotas(config), project_id: r.project_id, tenant_id: r.project_id })
        q[r.resource] = Number(r.limit)
      }
      return { status: 200, body: { quotas: [...byProject.values()] } }
    }),

    route('POST', '/v2.0/quotas', () => {
      throw new NeutronError(501, 'HTTPNotImplemented', 'POST requests are not supported on this resource.')
    }),

    route('GET', '/v2.0/quotas/:project_id', async (req: NetworkRequest) => {
      const id = projectParam(req)
      if (id === 'project' || id === 'tenant') return { status: 200, body: { [id]: { [`${id}_id`]: projectOf(req) } } }
      mayRead(req, id)
      return { status: 200, body: { quota: await projectQuotas(config, db, id) } }
    }),

    ...['default', 'default.json'].map((leaf) => route('GET', `/v2.0/quotas/:project_id/${leaf}`, (req: NetworkRequest) => {
      mayRead(req, req.params.project_id)
      return { status: 200, body: { quota: defaultQuotas(config) } }
    })),

    ...['details', 'details.json'].map((leaf) => route('GET', `/v2.0/quotas/:project_id/${leaf}`, async (req: NetworkRequest) => {
      const id = req.params.project_id
      if (id !== projectOf(req) && !isAdmin(deps, req)) {
        throw new NeutronError(403, 'AdminRequired', 'User does not have admin privileges: Only admin is authorized to access quotas for another project.')
      }
      const limits = await projectQuotas(config, db, id)
      const quota: Record<string, { limit: number; used: number; reserved: number }> = {}
      for (const r of quotaResourceNames) quota[r] = { limit: limits[r], used: await quotaUsage(db, id, r), reserved: 0 }
      return { status: 200, body: { quota } }
    })),

    route('PUT', '/v2.0/quotas/:project_id', async (req: NetworkRequest) => {
      requirePolicy(deps, req, 'update_quota')
      const id = projectParam(req)
      const { limits, force } = parseUpdate(req.body)
      await db.transaction().execute(async (trx) => {
        if (!force) {
          for (const [resource, limit] of Object.entries(limits) as [QuotaResource, number][]) {
            if (limit === -1) continue
            const used = await quotaUsage(trx, id, resource)
            if (used > limit) {
              throw badRequest(`Quota limit ${limit} for ${resource} must be greater than or equal to already used ${used}`)
            }
          }
        }
        for (const [resource, limit] of Object.entries(limits)) {
          const updated = await trx.updateTable('network_quotas').set({ limit })
            .where('project_id', '=', id).where('resource', '=', resource).executeTakeFirst()
          if (!Number(updated.numUpdatedRows)) await trx.insertInto('network_quotas').values({ project_id: id, resource, limit }).execute()
        }
      })
      return { status: 200, body: { quota: await projectQuotas(config, db, id) } }
    }),

    route('DELETE', '/v2.0/quotas/:project_id', async (req: NetworkRequest) => {
      requirePolicy(deps, req, 'delete_quota')
      const id = projectParam(req)
      const deleted = await db.deleteFrom('network_quotas').where('project_id', '=', id).executeTakeFirst()
      if (!Number(deleted.numDeletedRows)) throw new NeutronError(404, 'TenantQuotaNotFound', `Quota for project ${id} could not be found.`)
      return { status: 204 }
    }),
  ]
}
