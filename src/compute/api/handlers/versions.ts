/**
 * Version discovery: `GET /` lists v2.0 and v2.1, `GET /v2.1` describes the microversion range,
 * and `GET /v2` the legacy v2.0 endpoint that the list links to (Nova's versionsV21 show).
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { ComputeRequest } from '../context.ts'
import { MAX_VERSION, MIN_VERSION } from '../microversion.ts'

const UPDATED = '2013-07-23T11:33:21Z'

function v21(base: string) {
  return {
    id: 'v2.1', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: UPDATED,
    links: [{ rel: 'self', href: `${base}/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  }
}
function v20(base: string) {
  return {
    id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/v2/` }, { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
  }
}

export function versionsRoutes(): Route[] {
  const list = (req: ComputeRequest) => ({ status: 200, body: { versions: [v20(req.baseUrl), v21(req.baseUrl)] } })
  const one = (req: ComputeRequest) => ({ status: 200, body: { version: v21(req.baseUrl) } })
  const legacy = (req: ComputeRequest) => ({ status: 200, body: { version: v20(req.baseUrl) } })
  return [
    route('GET', '/', list, { public: true }),
    route('GET', '/v2.1', one, { public: true }),
    route('GET', '/v2', legacy, { public: true }),
  ]
}
