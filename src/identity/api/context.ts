/**
 * @module What every identity handler gets: the database, the token machinery and policy,
 * plus the per-request helpers (who is calling, may they do this, how links look).
 */
import type { Kysely } from 'kysely'
import { Forbidden } from '../../common/errors.ts'
import type { ApiRequest } from '../../common/http/types.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PolicyCredentials, PolicyEnforcer } from '../../common/policy/policy-enforcer.ts'
import type { RoleGraph } from '../assignments/role-graph.ts'
import type { PasswordHasher } from '../auth/password-hasher.ts'
import type { Catalog } from '../catalog/catalog.ts'
import type { IdentityConfig } from '../config.ts'
import type { IdentityDb } from '../db/schema.ts'
import { AuthFailed } from '../errors.ts'
import type { KeyRepository } from '../tokens/key-repository.ts'
import type { RevocableToken, RevocationEvent, RevocationList } from '../tokens/revocations.ts'
import type { TokenInfo, TokenService } from '../tokens/token-service.ts'

export type IdentityDeps = {
  db: Kysely<IdentityDb>
  config: IdentityConfig
  log: Logger
  tokens: TokenService
  hasher: PasswordHasher
  roles: RoleGraph
  catalog: Catalog
  revocations: RevocationList
  policy: PolicyEnforcer
  /** Keys that encrypt stored credential blobs (Keystone's credential key repository). */
  credentialKeys: KeyRepository
}

export type IdentityCtx = { auth?: TokenInfo }
export type IdentityRequest = ApiRequest<IdentityCtx>

/** The validated token of the caller; the auth middleware guarantees it on protected routes. */
export function caller(req: IdentityRequest): TokenInfo {
  if (!req.ctx.auth) throw new AuthFailed()
  return req.ctx.auth
}

export function credentialsOf(t: TokenInfo): PolicyCredentials {
  return {
    userId: t.user.id,
    userDomainId: t.user.domain.id,
    projectId: t.project?.id,
    projectDomainId: t.project?.domain.id,
    domainId: t.domain?.id,
    system: t.scope.kind === 'system' ? 'all' : undefined,
    roles: t.roles.map((r) => r.name),
    isAdminProject: t.isAdminProject,
  }
}

/** Throws 403 unless policy allows `action` on `target` for the caller. */
export function enforce(deps: IdentityDeps, req: IdentityRequest, action: string, target: Record<string, unknown> = {}): void {
  const creds = credentialsOf(caller(req))
  if (!deps.policy.authorize(action, target, creds)) {
    throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`)
  }
}

export function allowed(deps: IdentityDeps, req: IdentityRequest, action: string, target: Record<string, unknown> = {}): boolean {
  return deps.policy.authorize(action, target, credentialsOf(caller(req)))
}

/** `{self: <url>}` for a resource under /v3. */
export function links(req: IdentityRequest, path: string): { self: string } {
  return { self: `${req.baseUrl}/v3/${path}` }
}

export function collection(req: IdentityRequest, key: string, items: unknown[]): Record<string, unknown> {
  const qs = req.query.toString()
  return { [key]: items, links: { self: `${req.baseUrl}${req.path}${qs ? '?' + qs : ''}`, previous: null, next: null } }
}

/** Revokes matching tokens now; used when a user, grant, project or role changes. */
export function revoke(deps: IdentityDeps, db: Kysely<IdentityDb>, event: RevocationEvent): Promise<void> {
  return deps.revocations.revoke(db, event, deps.config.tokenExpirationSec)
}

export type { RevocableToken }
