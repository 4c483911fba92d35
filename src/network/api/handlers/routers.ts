/**
 * `/v2.0/routers`: list, show, create, update, delete, and the member actions add/remove_router_interface
 * and add/remove_extraroutes. The work is in ../l3/.
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { addRouterInterface } from '../l3/add-interface.ts'
import { createRouter } from '../l3/create-router.ts'
import { deleteRouter } from '../l3/delete-router.ts'
import { removeRouterInterface } from '../l3/remove-interface.ts'
import { changeExtraRoutes, updateRouter } from '../l3/update-router.ts'
import {
  candidateRouters, canSeeRouter, presentRouter, renderRouter, ROUTER_FILTERS, routerDetail, routerDetails, visibleRouter,
} from '../l3/router-view.ts'
import { listResponse, showResponse } from '../listing.ts'

const spec = { collection: 'routers', attributes: ROUTER_FILTERS }

export function routersRoutes(deps: NetworkDeps): Route[] {
  /** The router as the caller reads it after a change. */
  const shown = async (req: NetworkRequest, id: string) => presentRouter(deps, req, renderRouter(deps, (await routerDetail(deps.db, id))!))

  return [
    route('GET', '/v2.0/routers', async (req: NetworkRequest) => {
      const details = await routerDetails(deps.db, await candidateRouters(deps, req))
      const routers = details.map((d) => renderRouter(deps, d)).filter((r) => canSeeRouter(deps, req, r)).map((r) => presentRouter(deps, req, r))
      return listResponse(req, spec, routers)
    }),

    route('GET', '/v2.0/routers/:router_id', async (req: NetworkRequest) => {
      const { router } = await visibleRouter(deps, req, req.params.router_id!)
      return showResponse(req, 'router', presentRouter(deps, req, router))
    }),

    route('POST', '/v2.0/routers', async (req: NetworkRequest) => {
      const id = await createRouter(deps, req)
      return showResponse(req, 'router', await shown(req, id), 201)
    }),

    route('PUT', '/v2.0/routers/:router_id', async (req: NetworkRequest) => {
      await updateRouter(deps, req, req.params.router_id!)
      return showResponse(req, 'router', await shown(req, req.params.router_id!))
    }),

    route('DELETE', '/v2.0/routers/:router_id', async (req: NetworkRequest) => {
      await deleteRouter(deps, req, req.params.router_id!)
      return { status: 204 }
    }),

    route('PUT', '/v2.0/routers/:router_id/add_router_interface', async (req: NetworkRequest) =>
      ({ status: 200, body: await addRouterInterface(deps, req, req.params.router_id!, req.body) })),

    route('PUT', '/v2.0/routers/:router_id/remove_router_interface', async (req: NetworkRequest) =>
      ({ status: 200, body: await removeRouterInterface(deps, req, req.params.router_id!, req.body) })),

    route('PUT', '/v2.0/routers/:router_id/add_extraroutes', async (req: NetworkRequest) => {
      await changeExtraRoutes(deps, req, req.params.router_id!, 'add_extraroutes')
      return showResponse(req, 'router', await shown(req, req.params.router_id!))
    }),

    route('PUT', '/v2.0/routers/:router_id/remove_extraroutes', async (req: NetworkRequest) => {
      await changeExtraRoutes(deps, req, req.params.router_id!, 'remove_extraroutes')
      return showResponse(req, 'router', await shown(req, req.params.router_id!))
    }),
  ]
}
