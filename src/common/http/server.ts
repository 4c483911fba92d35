/**
 * @module HTTP server with OpenStack conventions: a route table, request ids, JSON bodies checked
 * against schemas, one place where errors become status codes, and one log line per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  BadRequest, CloudError, MethodNotAllowed, NotFound, PayloadTooLarge, UnsupportedMediaType,
} from '../errors.ts'
import type { Logger } from '../log/logger.ts'
import { readJsonBody } from './json-body.ts'
import { Router } from './router.ts'
import type { ApiRequest, ApiResponse, Middleware, Route } from './types.ts'
import { validator } from './validation.ts'

export type ApiServerOptions = {
  /** Service name for logs, e.g. "identity". */
  name: string
  routes: Route[]
  /** Turns an error into the service's error body (Keystone, Nova, Neutron shapes differ). */
  formatError: (err: CloudError) => unknown
  /** Authentication and other per-request work for non-public routes. */
  middleware?: Middleware[]
  log: Logger
  maxBodyBytes?: number
  /** Called with each answered request before its response is sent (e.g. to drop caches after a change). */
  onAnswered?: (req: ApiRequest, status: number) => void
  /** Extra headers for every response (e.g. Nova's x-compute-request-id). */
  extraHeaders?: (req: ApiRequest) => Record<string, string>
  /**
   * What a known path with an unknown method answers: 405 (the default, as Keystone, Glance and
   * Neutron do) or 404 (Nova: its router finds no route and says the resource is not found).
   */
  unknownMethod?: 405 | 404
}

export type ApiServer = {
  /** Handles one request; exported for servers that mount several apps on one port. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  listen(port: number, host: string): Promise<{ port: number; close(): Promise<void> }>
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const router = new Router(opts.routes)
  const validators = new Map(opts.routes.filter((r) => r.options.body).map((r) => [r, validator(r.options.body!)]))
  const maxBody = opts.maxBodyBytes ?? 114688
  const middleware = opts.middleware ?? []

  async function handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const requestId = `req-${randomUUID()}`
    const url = new URL(raw.url ?? '/', 'http://x')
    const req: ApiRequest = {
      method: raw.method ?? 'GET',
      path: url.pathname,
      params: {},
      query: url.searchParams,
      headers: raw.headers,
      body: undefined,
      raw,
      requestId,
      baseUrl: `http://${raw.headers.host ?? 'localhost'}`,
      ctx: {},
    }
    let response: ApiResponse
    try {
      response = await dispatch(req)
    } catch (err) {
      response = errorResponse(err, req)
    }
    opts.onAnswered?.(req, response.status)
    const headers: Record<string, string | number | string[]> = {
      'x-openstack-request-id': requestId,
      ...opts.extraHeaders?.(req),
      ...response.headers,
    }
    await send(res, req, response, headers)
    const ms = (performance.now() - started).toFixed(1)
    const who = req.ctx.auth as { userId?: string; projectId?: string } | undefined
    opts.log.info(`${req.method} ${raw.url} answered ${response.status}`, {
      request_id: requestId, ms, user: who?.userId, project: who?.projectId,
    })
  }

  async function dispatch(req: ApiRequest): Promise<ApiResponse> {
    const match = router.match(req.method, req.path)
    if (match.kind === 'not-found') throw new NotFound('The resource could not be found.')
    if (match.kind === 'method-not-allowed' && opts.unknownMethod === 404) throw new NotFound('The resource could not be found.')
    if (match.kind === 'method-not-allowed') {
      throw new MethodNotAllowed(`The method ${req.method} is not allowed for this resource.`)
    }
    const { route } = match
    req.params = match.params
    if (!route.options.public) for (const m of middleware) await m(req)
    if (!route.options.rawBody) req.body = await readJson(req, route.options.contentTypes, maxBody)
    const validate = validators.get(route)
    if (validate) {
      if (req.body === undefined) throw new BadRequest('The request body is required.')
      validate(req.body)
    }
    return route.handler(req)
  }

  function errorResponse(err: unknown, req: ApiRequest): ApiResponse {
    if (!(err instanceof CloudError)) {
      opts.log.error('request failed with an unexpected error', {
        request_id: req.requestId, error: err instanceof Error ? err.stack : String(err),
      })
      err = new InternalError('An unexpected error prevented the server from fulfilling your request.')
    }
    const e = err as CloudError
    return { status: e.status, headers: e.headers, body: opts.formatError(e) }
  }

  return {
    handle,
    async listen(port, host) {
      const server: Server = createServer({ keepAliveTimeout: 65_000 }, (rq, rs) => void handle(rq, rs))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => resolve())
      })
      const bound = (server.address() as AddressInfo).port
      return {
        port: bound,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeAllConnections()
          }),
      }
    },
  }
}

class InternalError extends CloudError {}

async function readJson(req: ApiRequest, contentTypes: string[] | undefined, max: number): Promise<unknown> {
  const length = Number(req.headers['content-length'] ?? 0)
  const chunked = req.headers['transfer-encoding'] !== undefined
  if (!chunked && !length) return undefined
  if (length > max) throw new PayloadTooLarge('Request is too large.')
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (contentTypes && !contentTypes.includes(type)) {
    throw new UnsupportedMediaType(`Unsupported Content-Type: ${type || '(none)'}`)
  }
  return readJsonBody(req, max)
}

async function send(
  res: ServerResponse, req: ApiRequest, response: ApiResponse, headers: Record<string, string | number | string[]>,
): Promise<void> {
  const body = response.body
  let payload: Buffer | Readable | undefined
  if (body === undefined || body === null || response.status === 204 || response.status === 304) {
    payload = undefined
  } else if (body instanceof Readable) {
    payload = body
  } else if (Buffer.isBuffer(body) || typeof body === 'string') {
    payload = Buffer.from(body)
  } else {
    payload = Buffer.from(JSON.stringify(body))
    headers['content-type'] ??= 'application/json'
  }
  if (Buffer.isBuffer(payload)) headers['content-length'] = payload.length
  else if (payload === undefined && response.status !== 204 && response.status !== 304) headers['content-length'] = 0
  res.writeHead(response.status, headers)
  if (req.method === 'HEAD' || payload === undefined) {
    if (payload instanceof Readable) payload.destroy()
    res.end()
  } else if (payload instanceof Readable) {
    await pipeline(payload, res).catch(() => res.destroy())
  } else {
    res.end(payload)
  }
}
