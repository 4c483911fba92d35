/**
 * @module Token validation for every service but identity (keystonemiddleware's job): reads
 * X-Auth-Token, asks identity who it belongs to, and caches the answer briefly so a busy client
 * costs one validation per token, not one per request.
 */
import { Unauthorized } from '../common/errors.ts'
import type { ApiRequest, Middleware } from '../common/http/types.ts'
import { publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import type { PolicyCredentials } from '../common/policy/policy-enforcer.ts'
import type { Caller, IdentityClient } from './client.ts'

export type AuthCtx = { auth?: Caller }

export type AuthMiddlewareOptions = {
  identity: IdentityClient
  /** How long a validated token is trusted before identity is asked again (revocations show after this). */
  cacheTtlMs?: number
  maxCachedTokens?: number
}

/** Where identity is: `authUrl` when set, else this host at the identity port. */
export function authUrlFor(config: CommonConfig & { identity?: { port?: number } }): string {
  return config.authUrl || `http://${publicHostOf(config)}:${config.identity?.port || 5000}`
}

export function createAuthMiddleware(opts: AuthMiddlewareOptions): Middleware<AuthCtx> {
  const ttl = opts.cacheTtlMs ?? 30_000
  const max = opts.maxCachedTokens ?? 10_000
  const cache = new Map<string, { caller: Caller; until: number }>()
  const inFlight = new Map<string, Promise<Caller>>()

  async function validate(token: string): Promise<Caller> {
    const now = Date.now()
    const hit = cache.get(token)
    if (hit && hit.until > now) return hit.caller
    if (hit) cache.delete(token)
    let pending = inFlight.get(token)
    if (!pending) {
      pending = opts.identity.validate(token).finally(() => inFlight.delete(token))
      inFlight.set(token, pending)
    }
    const caller = await pending
    if (cache.size >= max) cache.delete(cache.keys().next().value!)
    cache.set(token, { caller, until: Math.min(Date.now() + ttl, caller.expiresAt.getTime()) })
    return caller
  }

  return async (req: ApiRequest<AuthCtx>) => {
    const token = req.headers['x-auth-token']
    if (typeof token !== 'string' || !token) throw new Unauthorized('The request you have made requires authentication.')
    req.ctx.auth = await validate(token)
  }
}

/** The validated caller; the middleware guarantees it on every non-public route. */
export function callerOf(req: ApiRequest<AuthCtx>): Caller {
  if (!req.ctx.auth) throw new Unauthorized('The request you have made requires authentication.')
  return req.ctx.auth
}

/** The caller as oslo.policy credentials. */
export function policyCredentials(c: Caller): PolicyCredentials {
  return {
    userId: c.userId,
    userDomainId: c.userDomainId,
    projectId: c.projectId,
    projectDomainId: c.projectDomainId,
    domainId: c.domainId,
    system: c.system,
    roles: c.roles,
    isAdminProject: c.isAdminProject,
  }
}
