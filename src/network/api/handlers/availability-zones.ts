/** `GET /v2.0/availability_zones`: the zones networks and routers can be hinted to, and their state. */
import { route, type Route } from '../../../common/http/types.ts'
import { enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse } from '../listing.ts'
import { availabilityZones } from '../networks/availability-zones.ts'

export function availabilityZonesRoutes(deps: NetworkDeps): Route[] {
  return [
    route('GET', '/v2.0/availability_zones', async (req: NetworkRequest) => {
      enforce(deps, req, 'get_availability_zone', {})
      const zones = await availabilityZones(deps)
      return listResponse(req, { collection: 'availability_zones', attributes: ['name', 'resource', 'state'] }, zones)
    }),
  ]
}
