import { route, type Route } from '../../../common/http/types.ts'
import { notFound } from '../../errors.ts'
import type { NetworkRequest } from '../context.ts'
import { extensions, type Extension } from '../extensions.ts'

const render = (e: Extension) => ({ alias: e.alias, name: e.name, description: e.description, links: [], updated: '2013-01-01T10:00:00-00:00' })

export function extensionsRoutes(): Route[] {
  return [
    route('GET', '/v2.0/extensions', () => ({ status: 200, body: { extensions: extensions.map(render) } })),
    route('GET', '/v2.0/extensions/:alias', (req: NetworkRequest) => {
      const e = extensions.find((x) => x.alias === req.params.alias)
      if (!e) throw notFound('extension', req.params.alias)
      return { status: 200, body: { extension: render(e) } }
    }),
  ]
}
