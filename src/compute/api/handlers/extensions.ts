/**
 * /extensions and /extensions/{alias}: Nova v2.1's fixed list of extension objects (all
 * features are in the core API now); an unknown alias is Nova's bare 404.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { notFound } from '../../errors.ts'
import { authorize, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { EXTENSION_LIST } from '../extension-list.ts'

const extensions = EXTENSION_LIST.map(([alias, name, description]) => ({
  alias, description, links: [], name, namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z',
}))

export function extensionsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/extensions', async (req: ComputeRequest) => {
      authorize(deps, req, 'extensions', {})
      return { status: 200, body: { extensions } }
    }),
    route('GET', '/extensions/:alias', async (req: ComputeRequest) => {
      authorize(deps, req, 'extensions', {})
      const extension = extensions.find((e) => e.alias === req.params.alias)
      if (!extension) throw notFound('The resource could not be found.')
      return { status: 200, body: { extension } }
    }),
  ]
}
