/** /servers/{id}/ips and /servers/{id}/ips/{network_label}: the server's addresses as in its view. */
import { route, type Route } from '../../../common/http/types.ts'
import { notFound } from '../../errors.ts'
import { authorize, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { serverForCaller } from '../server-lookup.ts'
import { addressesOf as addressView } from '../views/server.ts'

export function serverIpsRoutes(deps: ComputeApiDeps): Route[] {
  const addressesOf = async (req: ComputeRequest, action: string): Promise<Record<string, unknown>> => {
    const i = await serverForCaller(deps, req, req.params.server_id)
    authorize(deps, req, action, { project_id: i.project_id })
    return addressView(i.info_cache, false)
  }
  return [
    route('GET', '/servers/:server_id/ips', async (req: ComputeRequest) => {
      const addresses = await addressesOf(req, 'ips:index')
      return { status: 200, body: { addresses } }
    }),
    route('GET', '/servers/:server_id/ips/:network_label', async (req: ComputeRequest) => {
      const addresses = await addressesOf(req, 'ips:show')
      const label = req.params.network_label
      if (!Object.hasOwn(addresses, label)) throw notFound('Instance is not a member of specified network')
      return { status: 200, body: { [label]: addresses[label] } }
    }),
  ]
}
