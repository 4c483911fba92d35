/** GET /: the version document, the one resource that needs no token. */
import { json, type PlacementRoute } from '../context.ts'
import { MAX_VERSION, MIN_VERSION } from '../microversion.ts'

export const rootRoutes: PlacementRoute[] = [
  ['GET', '/', (_deps, req) => json(req, {
    versions: [{ id: `v${MIN_VERSION}`, max_version: MAX_VERSION, min_version: MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
  }), { public: true }],
]
