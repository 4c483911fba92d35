/**
 * @module PUT /routers/{id} and the extraroute-atomic actions (l3_db update_router with extraroute,
 * ext-gw-mode, dvr and l3-ha): routes are checked against the router's connected subnets before the
 * gateway changes, `distributed` / `ha` change only on routers that are (or become) admin-down.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, RouterRow } from '../../db/schema.ts'
import { badRequest as httpBadRequest } from '../../errors.ts'
import { enforce, enforceAttributes, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { prepareRequestBody, pyRepr, type Body } from '../ports/attribute-map.ts'
import { bumped, checkRevision } from '../standard-attrs.ts'
import { validateHostRoutes } from '../subnets/subnet-attributes.ts'
import { badRequest, routerNotFound } from './errors.ts'
import { updateGateway } from './gateway.ts'
import { enforceGatewayKeys, gatewayOf, ROUTER_ATTRS, routesOfBody } from './router-body.ts'
import { lockRouter } from './router-subnets.ts'
import { canSeeRouter, renderRouter, routerDetail, routesOf, type Route } from './router-view.ts'
import { addRoutes, checkRouteCount, checkRoutes, connectedAddresses, removeRoutes } from './routes.ts'

type Trx = Transaction<NetworkDb>

/** The dvr / l3-ha migration rule: the flag may change only while the router is administratively down. */
function checkMigration(row: RouterRow, body: Body, adminStateUp: boolean): void {
  if (body.distributed !== undefined && body.distributed !== null && body.distributed !== !!row.distributed && adminStateUp) {
    throw badRequest('router', "Cannot change the 'distributed' attribute of active routers. Please set router admin_state_up to False prior to upgrade")
  }
  if (body.ha !== undefined && body.ha !== null && body.ha !== !!row.ha && adminStateUp) {
    throw badRequest('router', 'Cannot change HA attribute of active routers. Please set router admin_state_up to False prior to upgrade')
  }
}

/** Writes a validated update body to the locked router row. */
async function apply(deps: NetworkDeps, req: NetworkRequest, trx: Trx, row: RouterRow, body: Body): Promise<void> {
  const set: Partial<RouterRow> = {}
  if ('routes' in body) {
    const routes = routesOfBody(body)
    checkRoutes(routes, await connectedAddresses(trx, row.id), body.routes)
    checkRouteCount(routes)
    set.routes = JSON.stringify(routes)
  }
  if ('external_gateway_info' in body) Object.assign(set, await updateGateway(deps, req, trx, { ...row, ...set }, gatewayOf(body)))
  const adminStateUp = body.admin_state_up === undefined ? !!row.admin_state_up : !!body.admin_state_up
  checkMigration(row, body, adminStateUp)
  if (body.name !== undefined) set.name = body.name as string
  if (body.description !== undefined) set.description = body.description as string
  if (body.admin_state_up !== undefined) set.admin_state_up = adminStateUp ? 1 : 0
  if (body.distributed !== undefined && body.distributed !== null) set.distributed = body.distributed ? 1 : 0
  if (body.ha !== undefined && body.ha !== null) set.ha = body.ha ? 1 : 0
  await trx.updateTable('routers').set({ ...set, ...bumped(row.revision_number) }).where('id', '=', row.id).execute()
}

async function inTransaction(deps: NetworkDeps, req: NetworkRequest, id: string, work: (trx: Trx, row: RouterRow) => Promise<void>): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await lockRouter(trx, id)
    const row = await trx.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw routerNotFound(id)
    checkRevision(req, row.revision_number)
    await work(trx, row)
  })
}

/** The stored router as a policy target; 404 when it is missing or the caller cannot see it. */
async function routerTarget(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<Record<string, unknown>> {
  const detail = await routerDetail(deps.db, id)
  if (!detail) throw routerNotFound(id)
  return renderRouter(deps, detail)
}

/** PUT /routers/{id}: 404 unless visible, 403 unless update_router and each attribute rule pass. */
export async function updateRouter(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<void> {
  const body = prepareRequestBody(deps, req, { resource: 'router', attrs: ROUTER_ATTRS, isCreate: false }).items[0]!
  const router = await routerTarget(deps, req, id)
  const target = { ...router, ...body, attributes_to_update: Object.keys(body) }
  enforce(deps, req, 'update_router', target, () => (canSeeRouter(deps, req, router) ? undefined : routerNotFound(id)))
  enforceAttributes(deps, req, 'update_router', body, target)
  enforceGatewayKeys(deps, req, 'update_router', body, target)
  await inTransaction(deps, req, id, (trx, row) => apply(deps, req, trx, row, body))
}

/** The `{"router": {"routes": [...]}}` body of add_extraroutes / remove_extraroutes. */
function routesBody(body: unknown): Route[] {
  const router = body && typeof body === 'object' && !Array.isArray(body) ? (body as Body).router : undefined
  if (!router || typeof router !== 'object' || Array.isArray(router)) throw httpBadRequest("Unable to find 'router' in request body")
  const routes = (router as Body).routes
  if (routes === undefined) throw httpBadRequest("Failed to parse request. Required attribute 'routes' not specified")
  const msg = validateHostRoutes(routes)
  if (msg) throw httpBadRequest(`Invalid input for routes. Reason: ${msg}.`)
  return routes as Route[]
}

/**
 * PUT /routers/{id}/add_extraroutes and /remove_extraroutes (extraroute-atomic): the router's routes
 * merged with (or less) the given ones, checked as a whole, in one transaction.
 */
export async function changeExtraRoutes(deps: NetworkDeps, req: NetworkRequest, id: string, action: 'add_extraroutes' | 'remove_extraroutes'): Promise<void> {
  const given = routesBody(req.body)
  const router = await routerTarget(deps, req, id)
  if (!canSeeRouter(deps, req, router)) throw routerNotFound(id)
  enforce(deps, req, action, router)
  await inTransaction(deps, req, id, async (trx, row) => {
    const old = routesOf(row)
    const routes = action === 'add_extraroutes' ? addRoutes(old, given) : removeRoutes(old, given)
    if (pyRepr(routes) === pyRepr(old)) return
    await apply(deps, req, trx, row, { routes })
  })
}
