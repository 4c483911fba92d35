/**
 * @module DELETE /routers/{id} (l3_db delete_router): 409 RouterInUse while interfaces remain; the
 * gateway port goes (unless floating IPs still use it), then any other router port, tags and row.
 */
import { enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { deletePort } from '../ports/create-port.ts'
import { checkRevision, deleteTags } from '../standard-attrs.ts'
import { DEVICE_OWNER_ROUTER_INTF } from './add-interface.ts'
import { routerInUse, routerNotFound } from './errors.ts'
import { removeGatewayPort } from './gateway.ts'
import { lockRouter } from './router-subnets.ts'
import { canSeeRouter, renderRouter, ROUTER_TAG_TYPE, routerDetail, routerPorts } from './router-view.ts'

/** 404 unless the caller can see the router, 403 unless it may delete it. */
export async function deleteRouter(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<void> {
  const detail = await routerDetail(deps.db, id)
  if (!detail) throw routerNotFound(id)
  const router = renderRouter(deps, detail)
  enforce(deps, req, 'delete_router', router, () => (canSeeRouter(deps, req, router) ? undefined : routerNotFound(id)))
  await deps.db.transaction().execute(async (trx) => {
    await lockRouter(trx, id)
    const fresh = await routerDetail(trx, id)
    if (!fresh) throw routerNotFound(id)
    checkRevision(req, fresh.row.revision_number)
    const interfaces = await routerPorts(trx, id, DEVICE_OWNER_ROUTER_INTF)
    if (interfaces.length) throw routerInUse(id, `has ports still attached: ${interfaces.join(', ')}`)
    if (fresh.gateway) await removeGatewayPort(deps, trx, fresh.row, fresh.gateway.networkId)
    for (const portId of await routerPorts(trx, id)) await deletePort(deps, trx, portId)
    await deleteTags(trx, ROUTER_TAG_TYPE, id)
    await trx.deleteFrom('routers').where('id', '=', id).execute()
  })
}
