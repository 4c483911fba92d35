import type { IncomingMessage } from 'node:http'

/** What a handler sees: the parsed request plus per-request context set by middleware. */
export type ApiRequest<Ctx = Record<string, unknown>> = {
  method: string
  /** Path below the service's mount point, without query string. */
  path: string
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingMessage['headers']
  /** Parsed JSON body (validated when the route has a schema), or undefined. */
  body: unknown
  /** The unread request stream, for routes declared with `rawBody: true` (uploads). */
  raw: IncomingMessage
  requestId: string
  /** Scheme://host[:port] as the client reached us, for building links. */
  baseUrl: string
  ctx: Ctx
}

export type ApiResponse = {
  status: number
  headers?: Record<string, string | number | string[]>
  /** JSON-serialised unless a Buffer, string or stream. */
  body?: unknown
}

export type Handler<Ctx = any> = (req: ApiRequest<Ctx>) => Promise<ApiResponse> | ApiResponse

export type RouteOptions = {
  /** JSON schema the body must satisfy. */
  body?: object
  /** Do not read the body; the handler streams `req.raw` itself. */
  rawBody?: boolean
  /** Content types the route accepts for its body (default: any JSON). */
  contentTypes?: string[]
  /** Skip the service's authentication middleware (version documents, token issue). */
  public?: boolean
}

export type Route = {
  method: string
  pattern: string
  handler: Handler
  options: RouteOptions
}

export function route(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): Route {
  return { method, pattern, handler, options }
}

/** Runs before the handler of every non-public route; may set req.ctx or throw. */
export type Middleware<Ctx = any> = (req: ApiRequest<Ctx>) => Promise<void> | void

