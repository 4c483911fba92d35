/**
 * @module What every compute handler gets (database, config, policy, the bus to the conductor and
 * agents, clients of the image, network and placement APIs) and the per-request helpers: who is calling,
 * at which microversion, Nova's policy checks.
 */
import type { Kysely } from 'kysely'
import type { ApiRequest } from '../../common/http/types.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PolicyCredentials, PolicyEnforcer } from '../../common/policy/policy-enforcer.ts'
import { callerOf, policyCredentials, type AuthCtx } from '../../identity/auth-middleware.ts'
import type { ImageClient } from '../../image/client.ts'
import type { ComputeConfig } from '../config.ts'
import type { ComputeDb } from '../db/schema.ts'
import { forbidden, policyForbidden } from '../errors.ts'
import type { RequestContext } from '../model/instance.ts'
import type { ResourceClaims } from '../model/placement.ts'
import type { ComputeRpc } from '../rpc/clients.ts'
import type { NetworkApi } from '../network/network-api.ts'
import type { Microversion } from './microversion.ts'

export type ComputeApiDeps = {
  db: Kysely<ComputeDb>
  config: ComputeConfig
  log: Logger
  policy: PolicyEnforcer
  rpc: ComputeRpc
  /** The image API with the caller's token. */
  images: (token: string) => ImageClient
  /** The network API with the caller's token, and with the compute service's own. */
  network: NetworkApi
  /** Placement with compute's service token (host aggregates are mirrored there). */
  claims: ResourceClaims
  /** Public URL of this API, for links when the request's Host is not usable. */
  host: string
}

export type ComputeCtx = AuthCtx & { version?: Microversion }
export type ComputeRequest = ApiRequest<ComputeCtx>

const credsByCaller = new WeakMap<object, PolicyCredentials>()

export function credsOf(req: ComputeRequest): PolicyCredentials {
  const caller = callerOf(req)
  let creds = credsByCaller.get(caller)
  if (!creds) credsByCaller.set(caller, creds = policyCredentials(caller))
  return creds
}

export function versionOf(req: ComputeRequest): Microversion {
  return req.ctx.version ?? { major: 2, minor: 1, text: '2.1' }
}

export function isAdmin(deps: ComputeApiDeps, req: ComputeRequest): boolean {
  return deps.policy.authorize('context_is_admin', {}, credsOf(req))
}

export function can(deps: ComputeApiDeps, req: ComputeRequest, action: string, target: Record<string, unknown> = {}): boolean {
  const caller = callerOf(req)
  return deps.policy.authorize(`os_compute_api:${action}`, { project_id: caller.projectId, user_id: caller.userId, ...target }, credsOf(req))
}

/** Throws Nova's 403 unless policy allows `os_compute_api:<action>` on the target. */
export function authorize(deps: ComputeApiDeps, req: ComputeRequest, action: string, target: Record<string, unknown> = {}): void {
  if (!can(deps, req, action, target)) throw policyForbidden(`os_compute_api:${action}`)
}

export function projectOf(req: ComputeRequest): string {
  const p = callerOf(req).projectId
  if (!p) throw forbidden('A project-scoped token is required for this request.')
  return p
}

/** The caller as the conductor and agents need it (to act on the network and image APIs as them). */
export function requestContext(deps: ComputeApiDeps, req: ComputeRequest): RequestContext {
  const c = callerOf(req)
  return { requestId: req.requestId, userId: c.userId, projectId: projectOf(req), roles: c.roles, isAdmin: isAdmin(deps, req), token: c.token }
}

/** Base URL for links: the compute endpoint as the client reached it. */
export function linkBase(req: ComputeRequest): string {
  return req.baseUrl
}
