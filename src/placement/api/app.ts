/**
 * @module The Placement API: the route table of every resource and the request pipeline placement
 * runs (keystonemiddleware's token check except on `/`, the microversion, Accept and Content-Type
 * checks), answering with placement's error bodies and `OpenStack-API-Version` on every response.
 */
import { CloudError, MethodNotAllowed, NotFound, Unauthorized } from '../../common/errors.ts'
import { readJsonBody } from '../../common/http/json-body.ts'
import { createApiServer, type ApiServer } from '../../common/http/server.ts'
import { route, type ApiRequest, type Middleware, type Route } from '../../common/http/types.ts'
import {
  attachRequest, AuthRequired, PlacementBadRequest, PlacementNotAcceptable, PlacementUnsupportedMediaType, placementErrorBody,
} from '../errors.ts'
import { minorOf, type PlacementDeps, type PlacementRequest, type PlacementRoute, type RouteOptions } from './context.ts'
import { aggregateRoutes } from './handlers/aggregates.ts'
import { allocationCandidateRoutes } from './handlers/allocation-candidates.ts'
import { allocationRoutes } from './handlers/allocations.ts'
import { inventoryRoutes } from './handlers/inventories.ts'
import { reshaperRoutes } from './handlers/reshaper.ts'
import { resourceClassRoutes } from './handlers/resource-classes.ts'
import { canonicalUuid, providerRoutes } from './handlers/resource-providers.ts'
import { rootRoutes } from './handlers/root.ts'
import { traitRoutes } from './handlers/traits.ts'
import { usageRoutes } from './handlers/usages.ts'
import { requestedMinor, versionHeader } from './microversion.ts'

export type PlacementApiOptions = {
  authenticate: Middleware
  /** Named in the 401's WWW-Authenticate. */
  authUrl: string
}

const allRoutes = (): PlacementRoute[] => [
  ...rootRoutes, ...providerRoutes, ...inventoryRoutes, ...resourceClassRoutes, ...traitRoutes, ...aggregateRoutes,
  ...allocationRoutes, ...allocationCandidateRoutes, ...usageRoutes, ...reshaperRoutes,
]

const acceptable = (accept: string) =>
  accept.split(',').some((a) => ['application/json', 'application/*', '*/*'].includes(a.split(';')[0].trim().toLowerCase()))

export function createPlacementApi(deps: PlacementDeps, opts: PlacementApiOptions): ApiServer {
  const table = allRoutes()
  // Which methods a path serves at a microversion, for 405's Allow header.
  const allowedAt = (pattern: string, minor: number) => table
    .filter(([, p, , o]) => p === pattern && (o?.minMinor === undefined || minor >= o.minMinor)).map(([m]) => m)
  const wrap = (r: PlacementRoute): Route['handler'] => {
    // A route of the table, not one of the 405 refusals made below.
    const served = table.includes(r)
    return async (raw: ApiRequest) => {
      const [method, pattern, handler, o = {}] = r
      const req = raw as PlacementRequest
      let minor: number | undefined
      try {
        if (!o.public) {
          try {
            await opts.authenticate(req)
          } catch (err) {
            if (err instanceof Unauthorized) throw new AuthRequired(opts.authUrl)
            throw err
          }
        }
        minor = requestedMinor(req.headers)
        req.ctx.minor = minor
        // Below its first microversion a route does not exist (placement's version_handler answers 404).
        if (o.minMinor !== undefined && minor < o.minMinor) {
          if (o.tooOldIs405) throw methodNotAllowed(method, allowedAt(pattern, minor))
          throw new NotFound('The resource could not be found.')
        }
        const accept = req.headers.accept
        if ((method === 'GET' || method === 'HEAD') && accept && !acceptable(accept)) {
          throw new PlacementNotAcceptable('Only application/json is provided', accept)
        }
        if ((method === 'PUT' || method === 'POST') && served) {
          const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
          const noBody = method === 'PUT' && pathTakesNoBody(req.path) && !(atLeastMinor(minor, 7) === false && req.path.startsWith('/resource_classes/'))
          if (type !== 'application/json' && !noBody) {
            throw new PlacementUnsupportedMediaType(`The media type ${type || 'None'} is not supported, use application/json`, type || 'None')
          }
          req.ctx.body = type === 'application/json' ? await readBody(req, deps.config.maxRequestBodyBytes) : undefined
        }
        const res = await Promise.resolve().then(() => handler(deps, req)).finally(() => served ? told(deps, req, method, o) : undefined)
        res.headers = { ...res.headers, 'openstack-api-version': versionHeader(minor), vary: 'openstack-api-version' }
        return res
      } catch (err) {
        if (err instanceof CloudError) {
          attachRequest(err, req, minor)
          if (minor !== undefined) Object.assign(err.headers, { 'openstack-api-version': versionHeader(minor), vary: 'openstack-api-version' })
        }
        throw err
      }
    }
  }
  // Methods a path does not serve answer 405 with Allow, through the same pipeline (token, microversion, body).
  const refusals: PlacementRoute[] = []
  for (const pattern of new Set(table.map((r) => r[1]))) {
    for (const m of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH']) {
      if (table.some((r) => r[1] === pattern && r[0] === m)) continue
      refusals.push([m, pattern, (_deps, req) => { throw methodNotAllowed(m, allowedAt(pattern, minorOf(req))) }, { public: pattern === '/' }])
    }
  }
  const routes = [...table, ...refusals].map((r) => route(r[0], r[1], wrap(r), { public: true, rawBody: true }))
  return createApiServer({ name: 'placement', routes, formatError: placementErrorBody, log: deps.log, maxBodyBytes: deps.config.maxRequestBodyBytes })
}

/** Tells the candidate index what a write may have changed, before its answer goes out. */
async function told(deps: PlacementDeps, req: PlacementRequest, method: string, o: RouteOptions): Promise<void> {
  if (method === 'GET' || method === 'HEAD') return
  if (req.ctx.changed) return deps.candidates.written({ ids: req.ctx.changed })
  if (o.changes === 'none') return
  if (o.changes === 'provider') return deps.candidates.written({ uuids: [canonicalUuid(req.params.uuid)] })
  return deps.candidates.written('all')
}

function methodNotAllowed(method: string, allowed: string[]): MethodNotAllowed {
  const err = new MethodNotAllowed(`The method ${method} is not allowed for this resource.`)
  Object.assign(err.headers, { allow: allowed.join(', ') })
  return err
}

const atLeastMinor = (minor: number, wanted: number) => minor >= wanted

/** PUT /traits/{name} and PUT /resource_classes/{name} (1.7) carry no body. */
const pathTakesNoBody = (path: string) => /^\/(traits|resource_classes)\/[^/]+\/?$/.test(path)

async function readBody(req: PlacementRequest, max: number): Promise<unknown> {
  try {
    return await readJsonBody(req, max)
  } catch (err) {
    if (err instanceof CloudError && err.status === 400) throw new PlacementBadRequest('Malformed JSON: Expecting value: line 1 column 1 (char 0)')
    throw err
  }
}
