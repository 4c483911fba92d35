/** `/v2.0/floatingips` (list, show, create, update, delete) and `/v2.0/floatingip_pools`. The work is in ../l3/. */
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { FLOATING_IP_POOL_FILTERS, floatingIpPools } from '../l3/floating-ip-pools.ts'
import {
  candidateFloatingIps, canSeeFloatingIp, FLOATING_IP_FILTERS, floatingIpDetail, floatingIpDetails, presentFloatingIp, renderFloatingIp,
  visibleFloatingIp,
} from '../l3/floating-ip-view.ts'
import { createFloatingIp, deleteFloatingIp, updateFloatingIp } from '../l3/floating-ips.ts'
import { listResponse, showResponse } from '../listing.ts'

const spec = { collection: 'floatingips', attributes: FLOATING_IP_FILTERS }

export function floatingIpsRoutes(deps: NetworkDeps): Route[] {
  const shown = async (req: NetworkRequest, id: string) => presentFloatingIp(deps, req, renderFloatingIp((await floatingIpDetail(deps.db, id))!))

  return [
    route('GET', '/v2.0/floatingips', async (req: NetworkRequest) => {
      const fips = (await floatingIpDetails(deps.db, await candidateFloatingIps(deps, req))).map(renderFloatingIp)
      return listResponse(req, spec, fips.filter((f) => canSeeFloatingIp(deps, req, f)).map((f) => presentFloatingIp(deps, req, f)))
    }),

    route('GET', '/v2.0/floatingips/:floatingip_id', async (req: NetworkRequest) => {
      const { fip } = await visibleFloatingIp(deps, req, req.params.floatingip_id!)
      return showResponse(req, 'floatingip', presentFloatingIp(deps, req, fip))
    }),

    route('POST', '/v2.0/floatingips', async (req: NetworkRequest) =>
      showResponse(req, 'floatingip', await shown(req, await createFloatingIp(deps, req)), 201)),

    route('PUT', '/v2.0/floatingips/:floatingip_id', async (req: NetworkRequest) => {
      await updateFloatingIp(deps, req, req.params.floatingip_id!)
      return showResponse(req, 'floatingip', await shown(req, req.params.floatingip_id!))
    }),

    route('DELETE', '/v2.0/floatingips/:floatingip_id', async (req: NetworkRequest) => {
      await deleteFloatingIp(deps, req, req.params.floatingip_id!)
      return { status: 204 }
    }),

    route('GET', '/v2.0/floatingip_pools', async (req: NetworkRequest) =>
      listResponse(req, { collection: 'floatingip_pools', attributes: FLOATING_IP_POOL_FILTERS }, await floatingIpPools(deps, req))),
  ]
}
