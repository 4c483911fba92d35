/**
 * @module What every placement handler gets (database, name caches, policy, config) and the
 * per-request helpers: microversion checks, policy enforcement with placement's 403, JSON bodies
 * validated with placement's messages, query-string checks, and Last-Modified (1.15).
 */
import type { Kysely } from 'kysely'
import type { ApiRequest, ApiResponse } from '../../common/http/types.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PolicyEnforcer } from '../../common/policy/policy-enforcer.ts'
import { callerOf, policyCredentials, type AuthCtx } from '../../identity/auth-middleware.ts'
import type { PlacementConfig } from '../config.ts'
import { PlacementBadRequest, PlacementForbidden, PlacementNotFound } from '../errors.ts'
import type { Names } from '../db/names.ts'
import { findProvider, type Provider } from '../db/providers.ts'
import type { PlacementDb } from '../db/schema.ts'
import { schemaProblem } from './json-schema.ts'
import type { CandidateIndex } from '../db/candidate-index.ts'

export type PlacementDeps = {
  db: Kysely<PlacementDb>
  /** The providers in memory for allocation candidates; told of every write. */
  candidates: CandidateIndex
  names: Names
  config: PlacementConfig
  log: Logger
  policy: PolicyEnforcer
}

export type PlacementCtx = AuthCtx & {
  minor?: number
  body?: unknown
  /** Set by a write that knows which providers it touched (ids); a write that leaves it unset may have touched any. */
  changed?: number[]
}
export type PlacementRequest = ApiRequest<PlacementCtx>
/** What reading a request's query string and microversion needs: a request, or the in-process path's stand-in for one. */
export type PlacementQuery = Pick<PlacementRequest, 'query' | 'ctx'>
export type PlacementHandler = (deps: PlacementDeps, req: PlacementRequest) => Promise<ApiResponse> | ApiResponse

/** One row of a handler file's route list: [method, pattern, handler, options]; below `minMinor` the route is a 404 (or 405). */
export type RouteOptions = {
  public?: boolean
  minMinor?: number
  tooOldIs405?: boolean
  /**
   * What a write may change among the providers the candidate index keeps: only the provider
   * named by the path's :uuid, or none. Unset on a write: anything (the index reads all again),
   * unless the handler reports the providers it touched in ctx.changed.
   */
  changes?: 'provider' | 'none'
}
export type PlacementRoute = [method: string, pattern: string, handler: PlacementHandler, opts?: RouteOptions]

/** The microversion the request asked for (set by the app before any handler runs). */
export const minorOf = (req: PlacementQuery): number => req.ctx.minor ?? 0
/** True when the request's microversion is at least 1.`minor`. */
export const atLeast = (req: PlacementQuery, minor: number): boolean => minorOf(req) >= minor

/** placement's context.can: 403 "Policy does not allow X to be performed." */
export function enforce(deps: PlacementDeps, req: PlacementRequest, action: string, target: Record<string, unknown> = {}): void {
  const caller = callerOf(req)
  const fullTarget = { project_id: caller.projectId, user_id: caller.userId, ...target }
  if (!deps.policy.authorize(action, fullTarget, policyCredentials(caller))) {
    throw new PlacementForbidden(`Policy does not allow ${action} to be performed.`)
  }
}

/** The request body checked against `schema`: placement's extract_json messages. */
export function jsonBody<T = any>(req: PlacementRequest, schema: object): T {
  const body = req.ctx.body
  if (body === undefined) throw new PlacementBadRequest('Malformed JSON: Expecting value: line 1 column 1 (char 0)')
  const problem = schemaProblem(schema, body)
  if (problem) throw new PlacementBadRequest(`JSON does not validate: ${problem}`)
  return body as T
}

/** Refuses query parameters outside `allowed` (placement validates its query strings with a schema, additionalProperties false). */
export function checkQueryKeys(req: PlacementQuery, allowed: Array<string | RegExp>): void {
  for (const k of new Set(req.query.keys())) {
    if (!allowed.some((a) => (typeof a === 'string' ? a === k : a.test(k)))) {
      throw new PlacementBadRequest(`Invalid query string parameters: Additional properties are not allowed ('${k}' was unexpected)`)
    }
  }
}

/** A single-valued query parameter (the last one, as webob's req.GET[key] gives it). */
export function queryValue(req: PlacementQuery, key: string): string | undefined {
  const all = req.query.getAll(key)
  return all.length ? all[all.length - 1] : undefined
}

/** The provider named in the path, or placement's 404. */
export async function providerOrNotFound(deps: PlacementDeps, uuid: string, detail?: string): Promise<Provider> {
  const p = await findProvider(deps.db, uuid)
  if (!p) throw new PlacementNotFound(detail ?? `No resource provider with uuid ${uuid} found`)
  return p
}

/** Newest of ISO times (undefined ones ignored). */
export function newest(...times: Array<string | undefined>): string | undefined {
  let best: string | undefined
  for (const t of times) if (t && (!best || t > best)) best = t
  return best
}

/** A JSON answer; from 1.15 with Last-Modified (the given time, else now) and Cache-Control: no-cache. */
export function json(req: PlacementRequest, body: unknown, opts: { status?: number; modified?: string | null; headers?: Record<string, string> } = {}): ApiResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers }
  if (atLeast(req, 15) && opts.modified !== null) {
    headers['last-modified'] = new Date(opts.modified ?? Date.now()).toUTCString()
    headers['cache-control'] = 'no-cache'
  }
  return { status: opts.status ?? 200, headers, body }
}

export const noContent = (): ApiResponse => ({ status: 204 })

/** The provider's URL, as placement links it. */
export const providerPath = (uuid: string): string => `/resource_providers/${uuid}`
