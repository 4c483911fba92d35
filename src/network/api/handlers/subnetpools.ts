/** /v2.0/subnetpools: CRUD (bulk create), and the subnetpool-prefix-ops member actions add_prefixes / remove_prefixes. */
import { route, type Route } from '../../../common/http/types.ts'
import type { SubnetPoolRow } from '../../db/schema.ts'
import { enforce, enforceAttributes, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse } from '../listing.ts'
import { explicitlySet, prepareRequestBody } from '../ports/attribute-map.ts'
import { inTransaction } from '../ports/retry.ts'
import { checkQuota } from '../quotas/quota.ts'
import { checkRevision, tagsOf } from '../standard-attrs.ts'
import {
  addPrefixes, createSubnetPool, deleteSubnetPool, prefixOpBody, removePoolPrefixes, subnetPoolAttributes, updateSubnetPool,
} from '../subnets/subnetpools.ts'
import { renderSubnetPool, subnetPoolTarget, subnetPoolVisible, visibleSubnetPool } from '../subnets/subnetpool-view.ts'

const FILTERS = [
  'id', 'name', 'tenant_id', 'project_id', 'default_quota', 'ip_version', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen',
  'is_default', 'shared', 'description', 'address_scope_id', 'revision_number', 'created_at', 'updated_at',
] as const

export function subnetpoolsRoutes(deps: NetworkDeps): Route[] {
  const show = (req: NetworkRequest, p: SubnetPoolRow, tags: string[]) =>
    visibleFields(deps, req, 'subnetpool', renderSubnetPool(p, tags), subnetPoolTarget(p))
  const tagsOfPool = async (p: SubnetPoolRow) => (await tagsOf(deps.db, 'subnetpools', [p.id])).get(p.id) ?? []

  async function list(req: NetworkRequest) {
    projectOf(req)
    const pools = (await deps.db.selectFrom('subnetpools').selectAll().execute()).filter((p) => subnetPoolVisible(deps, req, p))
    const tags = await tagsOf(deps.db, 'subnetpools', pools.map((p) => p.id))
    return listResponse(req, { collection: 'subnetpools', attributes: FILTERS }, pools.map((p) => show(req, p, tags.get(p.id) ?? [])))
  }

  async function get(req: NetworkRequest) {
    const pool = await visibleSubnetPool(deps, req, deps.db, req.params.subnetpool_id!)
    return showResponse(req, 'subnetpool', show(req, pool, await tagsOfPool(pool)))
  }

  async function create(req: NetworkRequest) {
    const { items, bulk } = prepareRequestBody(deps, req, { resource: 'subnetpool', attrs: subnetPoolAttributes, isCreate: true, allowBulk: true })
    const rows = await inTransaction(deps.db, async (trx) => {
      const out: { row: SubnetPoolRow; tags: string[] }[] = []
      for (const s of items) {
        enforce(deps, req, 'create_subnetpool', s)
        enforceAttributes(deps, req, 'create_subnetpool', explicitlySet(s, subnetPoolAttributes), s)
        await checkQuota(deps, trx, s.project_id as string, 'subnetpool')
        out.push({ row: await createSubnetPool(deps, req, trx, s), tags: [] })
      }
      return out
    })
    const rendered = rows.map((r) => show(req, r.row, r.tags))
    return bulk ? { status: 201, body: { subnetpools: rendered } } : showResponse(req, 'subnetpool', rendered[0]!, 201)
  }

  /** Loads the pool for a change: 404 when the caller cannot see it, 403 when it may see but not change it. */
  async function forChange(req: NetworkRequest, db: Parameters<typeof visibleSubnetPool>[2], action: string, body: Record<string, unknown> = {}) {
    const pool = await visibleSubnetPool(deps, req, db, req.params.subnetpool_id!)
    const target = { ...renderSubnetPool(pool, []), ...body, ...(Object.keys(body).length ? { attributes_to_update: Object.keys(body) } : {}) }
    enforce(deps, req, action, target)
    enforceAttributes(deps, req, action, body, target)
    return pool
  }

  async function update(req: NetworkRequest) {
    const { items } = prepareRequestBody(deps, req, { resource: 'subnetpool', attrs: subnetPoolAttributes, isCreate: false })
    const row = await inTransaction(deps.db, async (trx) => {
      const pool = await forChange(req, trx, 'update_subnetpool', items[0]!)
      checkRevision(req, pool.revision_number)
      return updateSubnetPool(deps, req, trx, pool, items[0]!)
    })
    return showResponse(req, 'subnetpool', show(req, row, await tagsOfPool(row)))
  }

  async function remove(req: NetworkRequest) {
    await inTransaction(deps.db, async (trx) => {
      const pool = await forChange(req, trx, 'delete_subnetpool')
      checkRevision(req, pool.revision_number)
      await deleteSubnetPool(trx, pool)
    })
    return { status: 204 }
  }

  async function prefixOp(req: NetworkRequest, op: 'add_prefixes' | 'remove_prefixes') {
    const prefixes = prefixOpBody(req.body)
    const result = await inTransaction(deps.db, async (trx) => {
      const pool = await forChange(req, trx, op)
      return op === 'add_prefixes' ? addPrefixes(deps, req, trx, pool, prefixes) : removePoolPrefixes(trx, pool, prefixes)
    })
    return { status: 200, body: { prefixes: result } }
  }

  return [
    route('GET', '/v2.0/subnetpools', list),
    route('POST', '/v2.0/subnetpools', create),
    route('GET', '/v2.0/subnetpools/:subnetpool_id', get),
    route('PUT', '/v2.0/subnetpools/:subnetpool_id', update),
    route('DELETE', '/v2.0/subnetpools/:subnetpool_id', remove),
    route('PUT', '/v2.0/subnetpools/:subnetpool_id/add_prefixes', (req) => prefixOp(req, 'add_prefixes')),
    route('PUT', '/v2.0/subnetpools/:subnetpool_id/remove_prefixes', (req) => prefixOp(req, 'remove_prefixes')),
  ]
}
