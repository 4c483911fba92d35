/** Version discovery: `GET /` lists v2.0 (no token needed); `GET /v2.0` lists the resource collections. */
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkRequest } from '../context.ts'

/** Collections listed by `GET /v2.0`, as Neutron's core resources. */
const CORE = [['network', 'networks'], ['subnet', 'subnets'], ['subnetpool', 'subnetpools'], ['port', 'ports']] as const

export function discoveryRoutes(): Route[] {
  const versions = (req: NetworkRequest) => ({
    status: 200,
    body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${req.baseUrl}/v2.0/`, rel: 'self' }] }] },
  })
  const resources = (req: NetworkRequest) => ({
    status: 200,
    body: {
      resources: CORE.map(([name, collection]) => ({
        name, collection, links: [{ href: `${req.baseUrl}/v2.0/${collection}`, rel: 'self' }],
      })),
    },
  })
  return [
    route('GET', '/', versions, { public: true }),
    route('GET', '/v2.0', resources),
  ]
}
