/**
 * @module POST /routers (l3_db create_router): policy on the body (non-admins may name a gateway
 * network but not enable_snat, external_fixed_ips, distributed or ha), the router quota, zone
 * hints that exist, then the router row and, when asked, its gateway, all in one transaction.
 */
import { randomUUID } from 'node:crypto'
import type { RouterRow } from '../../db/schema.ts'
import { enforce, enforceAttributes, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { checkAvailabilityZoneHints } from '../networks/availability-zones.ts'
import { explicitlySet, prepareRequestBody } from '../ports/attribute-map.ts'
import { checkQuota } from '../quotas/quota.ts'
import { newStandardAttrs } from '../standard-attrs.ts'
import { updateGateway } from './gateway.ts'
import { enforceGatewayKeys, gatewayOf, ROUTER_ATTRS } from './router-body.ts'

/** Creates the router the request body describes; returns its id. */
export async function createRouter(deps: NetworkDeps, req: NetworkRequest): Promise<string> {
  const body = prepareRequestBody(deps, req, { resource: 'router', attrs: ROUTER_ATTRS, isCreate: true }).items[0]!
  enforce(deps, req, 'create_router', body)
  enforceAttributes(deps, req, 'create_router', explicitlySet(body, ROUTER_ATTRS), body)
  enforceGatewayKeys(deps, req, 'create_router', body, body)
  const projectId = body.project_id as string
  const hints = body.availability_zone_hints as string[]
  const id = randomUUID()
  await deps.db.transaction().execute(async (trx) => {
    await checkQuota(deps, trx, projectId, 'router')
    await checkAvailabilityZoneHints(deps, trx, 'router', hints)
    const row: RouterRow = {
      id, project_id: projectId, name: body.name as string, admin_state_up: body.admin_state_up ? 1 : 0, status: 'ACTIVE',
      gw_port_id: null, enable_snat: 1, routes: '[]', distributed: body.distributed ? 1 : 0, ha: body.ha ? 1 : 0,
      availability_zone_hints: JSON.stringify(hints), ...newStandardAttrs(body.description as string),
    }
    await trx.insertInto('routers').values(row).execute()
    const gateway = gatewayOf(body)
    if (gateway) {
      const set = await updateGateway(deps, req, trx, row, gateway)
      await trx.updateTable('routers').set(set).where('id', '=', id).execute()
    }
  })
  return id
}
