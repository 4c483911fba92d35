/** The Image API (Glance v2): the route table of every resource, token validation and Glance's error bodies. */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NotFound, Unauthorized } from '../../common/errors.ts'
import { createApiServer, type ApiServer } from '../../common/http/server.ts'
import type { Middleware, Route } from '../../common/http/types.ts'
import { AuthRequired, glanceErrorBody } from '../errors.ts'
import type { ImageDeps, ImageRequest } from './context.ts'
import { discoveryRoutes } from './handlers/discovery.ts'
import { imageDataRoutes } from './handlers/image-data.ts'
import { imageImportRoutes } from './handlers/image-import.ts'
import { imageUpdateRoutes } from './handlers/image-update.ts'
import { imagesRoutes } from './handlers/images.ts'
import { membersRoutes } from './handlers/members.ts'
import { tagsRoutes } from './handlers/tags.ts'
import { imageSchemas } from './schemas.ts'

export function imageRoutes(deps: ImageDeps): Route[] {
  const schemas = imageSchemas(deps.config)
  return [
    ...discoveryRoutes(schemas),
    ...imagesRoutes(deps, schemas),
    ...imageUpdateRoutes(deps, schemas),
    ...imageDataRoutes(deps),
    ...imageImportRoutes(deps),
    ...membersRoutes(deps),
    ...tagsRoutes(deps, schemas),
  ]
}

export type ImageApiOptions = {
  /** Validates X-Auth-Token (identity's auth middleware). */
  authenticate: Middleware
  /** Where clients get a token, named in the 401's WWW-Authenticate. */
  authUrl: string
}

export function createImageApi(deps: ImageDeps, opts: ImageApiOptions): ApiServer {
  const api = createApiServer({
    name: 'image',
    routes: imageRoutes(deps),
    formatError: glanceErrorBody,
    log: deps.log,
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    middleware: [
      async (req: ImageRequest) => {
        try {
          await opts.authenticate(req)
        } catch (err) {
          if (err instanceof Unauthorized) throw new AuthRequired(opts.authUrl)
          throw err
        }
      },
    ],
  })

  // Glance's routes never match a trailing slash: GET or DELETE /v2/images/ is a 404, not the collection.
  const handle = async (raw: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (raw.url ?? '/').split('?')[0]
    if (path.length > 1 && path.endsWith('/') && path !== '/v2/') return notFound(deps, raw, res)
    return api.handle(raw, res)
  }

  return {
    handle,
    async listen(port, host) {
      const server: Server = createServer({ keepAliveTimeout: 65_000 }, (rq, rs) => void handle(rq, rs))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => resolve())
      })
      return {
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
      }
    },
  }
}

function notFound(deps: ImageDeps, raw: IncomingMessage, res: ServerResponse): void {
  const requestId = `req-${randomUUID()}`
  const body = Buffer.from(JSON.stringify(glanceErrorBody(new NotFound('The resource could not be found.'))))
  raw.resume()
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': body.length, 'x-openstack-request-id': requestId })
  res.end(body)
  deps.log.info(`${raw.method} ${raw.url} answered 404`, { request_id: requestId })
}
