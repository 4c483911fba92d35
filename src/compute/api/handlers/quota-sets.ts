/**
 * /os-quota-sets/{project_id} (a project's limits, or one user's with ?user_id=; /detail with
 * what is in use, /defaults) and /os-quota-class-sets/{class}, on the quota engine of
 * db/quotas.ts. Readers of a project see its quotas; only admins change them. A PUT checks every
 * value before writing any, and refuses limits below what is in use unless `force` is set.
 */
import { route, type Route } from '../../../common/http/types.ts'
import {
  classQuotas, defaultQuotas, deleteQuotaLimits, quotaLimits, quotaUsages, setClassQuotas, setQuotaLimits, settableQuotas,
  type QuotaResource, type QuotaValues,
} from '../../db/quotas.ts'
import { badRequest } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { lastQuery, rejectUnknownQuery } from '../list-query.ts'
import { parseQuotaBody, quotaClassResources, quotaSetResources } from '../schemas/quota-sets.ts'

const pick = (values: QuotaValues, resources: readonly QuotaResource[]) => Object.fromEntries(resources.map((r) => [r, values[r]]))

/** `user_id` as Nova's parse_qs reads it: the first non-blank value. */
const userParam = (req: ComputeRequest): string | undefined => req.query.getAll('user_id').find((u) => u !== '')

const unlimitedAsInfinity = (n: number) => (n === -1 ? Infinity : n)

/** Nova's _validate_quota_limit against the range get_settable_quotas allows. */
function checkSettable(resource: string, limit: number, range: { minimum: number; maximum: number }): void {
  if (unlimitedAsInfinity(limit) < unlimitedAsInfinity(range.minimum)) {
    throw badRequest(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${range.minimum}.`)
  }
  if (unlimitedAsInfinity(limit) > unlimitedAsInfinity(range.maximum)) {
    throw badRequest(`Quota limit ${limit} for ${resource} must be less than or equal to ${range.maximum}.`)
  }
}

export function quotaSetsRoutes(deps: ComputeApiDeps): Route[] {
  const { db, config } = deps
  return [
    route('GET', '/os-quota-sets/:id', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const id = req.params.id
      authorize(deps, req, 'os-quota-sets:show', { project_id: id })
      const limits = await quotaLimits(db, config, id, userParam(req))
      return { status: 200, body: { quota_set: { id, ...pick(limits, quotaSetResources(versionOf(req))) } } }
    }),
    route('GET', '/os-quota-sets/:id/detail', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const id = req.params.id
      authorize(deps, req, 'os-quota-sets:detail', { project_id: id })
      const userId = lastQuery(req, 'user_id') || undefined
      const limits = await quotaLimits(db, config, id, userId)
      const used = await quotaUsages(db, id, userId)
      // Nova counts usage at check time and keeps no reservations, so reserved is always 0.
      const detail = quotaSetResources(versionOf(req)).map((r) => [r, { in_use: used[r], limit: limits[r], reserved: 0 }])
      return { status: 200, body: { quota_set: { id, ...Object.fromEntries(detail) } } }
    }),
    route('GET', '/os-quota-sets/:id/defaults', async (req: ComputeRequest) => {
      const id = req.params.id
      authorize(deps, req, 'os-quota-sets:defaults', { project_id: id })
      const defaults = await defaultQuotas(db, config)
      return { status: 200, body: { quota_set: { id, ...pick(defaults, quotaSetResources(versionOf(req))) } } }
    }),
    route('PUT', '/os-quota-sets/:id', async (req: ComputeRequest) => {
      const resources = quotaSetResources(versionOf(req))
      const { values, force } = parseQuotaBody(req.body, 'quota_set', resources, true)
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const id = req.params.id
      authorize(deps, req, 'os-quota-sets:update', { project_id: id })
      const userId = userParam(req)
      if (!force) {
        const settable = await settableQuotas(db, config, id, userId)
        for (const [r, limit] of Object.entries(values) as Array<[QuotaResource, number]>) checkSettable(r, limit, settable[r])
      }
      await setQuotaLimits(db, id, userId, values)
      deps.log.info('updated quotas', { request_id: req.requestId, project: id, user: userId, values, force })
      // As Nova, the update's reply has no id.
      return { status: 200, body: { quota_set: pick(await quotaLimits(db, config, id, userId), resources) } }
    }),
    route('DELETE', '/os-quota-sets/:id', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const id = req.params.id
      authorize(deps, req, 'os-quota-sets:delete', { project_id: id })
      const userId = userParam(req)
      await deleteQuotaLimits(db, id, userId)
      deps.log.info('reverted quotas to defaults', { request_id: req.requestId, project: id, user: userId })
      return { status: 202 }
    }),
    route('GET', '/os-quota-class-sets/:id', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-quota-class-sets:show')
      const id = req.params.id
      const values = await classQuotas(db, config, id)
      return { status: 200, body: { quota_class_set: { id, ...pick(values, quotaClassResources(versionOf(req), 'view')) } } }
    }),
    route('PUT', '/os-quota-class-sets/:id', async (req: ComputeRequest) => {
      const v = versionOf(req)
      const { values } = parseQuotaBody(req.body, 'quota_class_set', quotaClassResources(v, 'body'), false)
      authorize(deps, req, 'os-quota-class-sets:update')
      const id = req.params.id
      if (id.length > 255) throw badRequest('quota_class_name has more than 255 characters.')
      await setClassQuotas(db, id, values)
      deps.log.info('updated quota class', { request_id: req.requestId, quota_class: id, values })
      return { status: 200, body: { quota_class_set: pick(await classQuotas(db, config, id), quotaClassResources(v, 'view')) } }
    }),
  ]
}
