/** Version discovery: GET / lists the API versions (300), GET /v3 describes v3. */
import { route, type Route } from '../../../common/http/types.ts'
import type { IdentityRequest } from '../context.ts'

function v3(req: IdentityRequest) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${req.baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  }
}

export function discoveryRoutes(): Route[] {
  return [
    route('GET', '/', (req: IdentityRequest) => ({ status: 300, body: { versions: { values: [v3(req)] } } }), { public: true }),
    route('GET', '/v3', (req: IdentityRequest) => ({ status: 200, body: { version: v3(req) } }), { public: true }),
  ]
}
