/**
 * @module Issuing and validating tokens. A token carries only who, how and what scope (Fernet);
 * validation looks up the rest (user, scope, roles) so a change takes effect at once.
 */
import { sql, type Kysely } from 'kysely'
import { fromDbBool, parseUtc } from '../../common/db/columns.ts'
import { NotFound } from '../../common/errors.ts'
import { grantedRoleIds, type RoleTarget } from '../assignments/effective-roles.ts'
import type { RoleGraph, RoleRef } from '../assignments/role-graph.ts'
import type { IdentityDb } from '../db/schema.ts'
import { AuthFailed } from '../errors.ts'
import type { RevocationList } from './revocations.ts'
import { newAuditId, type FernetTokenProvider } from './token-provider.ts'
import type { TokenPayload } from './payload.ts'

export type TokenScope = TokenPayload['scope']

export type NameRef = { id: string; name: string }

/** Everything known about a valid token; rendered as Keystone's token body by the API. */
export type TokenInfo = {
  id: string
  methods: string[]
  issuedAt: Date
  expiresAt: Date
  auditIds: string[]
  user: NameRef & { domain: NameRef; passwordExpiresAt: string | null }
  scope: TokenScope
  project?: NameRef & { domain: NameRef }
  domain?: NameRef
  roles: RoleRef[]
  appCred?: { id: string; name: string; restricted: boolean }
  isAdminProject: boolean
}

export type IssueRequest = {
  userId: string
  methods: string[]
  scope: TokenScope
  appCredId?: string
  /** Audit id of the token this one was made from (token method), so revoking it chains. */
  parentAuditId?: string
  /** A token made from another never outlives it. */
  notAfter?: Date
}

export type TokenServiceDeps = {
  db: Kysely<IdentityDb>
  provider: FernetTokenProvider
  revocations: RevocationList
  roles: RoleGraph
  expirationSec: number
  adminProjectName: string
}

// Validated tokens are remembered until any identity write (invalidateCache) or for this long,
// which bounds how stale another identity process's view can be.
const CACHE_TTL_MS = 30_000
const CACHE_MAX = 10_000

export class TokenService {
  #d: TokenServiceDeps
  #cache = new Map<string, { info: TokenInfo; at: number }>()
  #keyGeneration = 0

  constructor(deps: TokenServiceDeps) {
    this.#d = deps
  }

  /** Forgets every validated token; the identity API calls this after each change it makes. */
  invalidateCache(): void {
    this.#cache.clear()
  }

  /** Issues a token; fails with 401 when the user may not have that scope. */
  async issue(req: IssueRequest): Promise<TokenInfo> {
    return this.#issue(req, false)
  }

  async #issue(req: IssueRequest, retried: boolean): Promise<TokenInfo> {
    const issuedAtSec = Math.floor(Date.now() / 1000)
    let expiresMs = (issuedAtSec + this.#d.expirationSec) * 1000
    if (req.notAfter && req.notAfter.getTime() < expiresMs) expiresMs = req.notAfter.getTime()
    const payload: TokenPayload = {
      userId: req.userId, methods: req.methods, scope: req.scope, appCredId: req.appCredId,
      expiresAt: new Date(expiresMs), auditIds: [newAuditId(), ...(req.parentAuditId ? [req.parentAuditId] : [])],
    }
    const id = this.#d.provider.issue(payload, issuedAtSec)
    const info = await this.#resolve(id, payload, issuedAtSec)
    if (info === 'revoked' && !retried) {
      // Token times have one-second precision, so an event from earlier in this second (e.g. the
      // user's own password change) would catch the new token too: issue it in the next second.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5))
      return this.#issue(req, true)
    }
    if (!info || info === 'revoked') throw new AuthFailed(scopeFailure(req.scope))
    return info
  }

  /** The token's current meaning, or NotFound when it is invalid, expired, revoked or lost its scope. */
  async validate(token: string): Promise<TokenInfo> {
    const now = Date.now()
    // A rotation may have purged the key of a cached token.
    const keys = this.#d.provider.keyGeneration()
    if (keys !== this.#keyGeneration) {
      this.#cache.clear()
      this.#keyGeneration = keys
    }
    const hit = this.#cache.get(token)
    if (hit && now - hit.at < CACHE_TTL_MS && hit.info.expiresAt.getTime() > now) return hit.info
    const info = await this.#validateUncached(token)
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear()
    this.#cache.set(token, { info, at: now })
    return info
  }

  async #validateUncached(token: string): Promise<TokenInfo> {
    const decoded = this.#d.provider.decode(token)
    if (!decoded || decoded.payload.expiresAt.getTime() <= Date.now()) throw tokenNotFound()
    const info = await this.#resolve(token, decoded.payload, decoded.issuedAt.getTime() / 1000)
    if (!info || info === 'revoked') throw tokenNotFound()
    return info
  }

  async #resolve(id: string, p: TokenPayload, issuedAtSec: number): Promise<TokenInfo | 'revoked' | undefined> {
    const { db } = this.#d
    const projectId = p.scope.kind === 'project' ? p.scope.projectId : null
    const domainId = p.scope.kind === 'domain' ? p.scope.domainId : null
    // One statement: the user, its domain, the scope's project and domain, and the newest revocation.
    const row = await db
      .selectFrom('users as u')
      .innerJoin('domains as ud', 'ud.id', 'u.domain_id')
      .leftJoin('projects as p', (j) => j.on('p.id', '=', projectId ?? ''))
      .leftJoin('domains as sd', (j) =>
        projectId ? j.onRef('sd.id', '=', 'p.domain_id') : j.on('sd.id', '=', domainId ?? ''))
      .select([
        'u.name as user_name', 'u.enabled as user_enabled', 'u.password_expires_at',
        'ud.id as user_domain_id', 'ud.name as user_domain_name', 'ud.enabled as user_domain_enabled',
        'p.name as project_name', 'p.enabled as project_enabled', 'p.parent_id as project_parent_id',
        'sd.id as scope_domain_id', 'sd.name as scope_domain_name', 'sd.enabled as scope_domain_enabled',
        sql<number | null>`(SELECT MAX(id) FROM revocation_events)`.as('latest_revocation'),
      ])
      .where('u.id', '=', p.userId)
      .executeTakeFirst()
    if (!row || !fromDbBool(row.user_enabled) || !fromDbBool(row.user_domain_enabled)) return undefined
    if (p.scope.kind === 'project' || p.scope.kind === 'domain') {
      if (!row.scope_domain_id || !fromDbBool(row.scope_domain_enabled)) return undefined
      if (p.scope.kind === 'project' && (row.project_name === null || !fromDbBool(row.project_enabled))) return undefined
    }

    const target = roleTarget(p.scope, row.scope_domain_id, row.project_parent_id)
    let roles: RoleRef[] = []
    let appCred: TokenInfo['appCred']
    if (target) {
      roles = await this.#d.roles.expand(await grantedRoleIds(db, p.userId, target))
      if (p.appCredId) {
        // An application credential keeps only those of its roles the user still holds.
        const found = await this.#appCred(p.appCredId, p.userId)
        if (!found) return undefined
        appCred = found.info
        const allowed = new Set((await this.#d.roles.expand(found.roleIds)).map((r) => r.id))
        roles = roles.filter((r) => allowed.has(r.id))
      }
      if (roles.length === 0) return undefined
    }
    return this.#finish(id, p, issuedAtSec, row, roles, appCred)
  }

  async #finish(
    id: string, p: TokenPayload, issuedAtSec: number, row: ResolvedRow, roles: RoleRef[],
    appCred: TokenInfo['appCred'],
  ): Promise<TokenInfo | 'revoked'> {
    await this.#d.revocations.sync(row.latest_revocation)
    const projectId = p.scope.kind === 'project' ? p.scope.projectId : undefined
    const domainIds = [row.user_domain_id, ...(row.scope_domain_id ? [row.scope_domain_id] : [])]
    const revoked = this.#d.revocations.isRevoked({
      userId: p.userId, projectId, domainIds, roleIds: roles.map((r) => r.id), auditIds: p.auditIds,
      appCredId: p.appCredId, issuedAtSec,
    })
    if (revoked) return 'revoked'
    const scopeDomain = row.scope_domain_id ? { id: row.scope_domain_id, name: row.scope_domain_name! } : undefined
    return {
      id, methods: p.methods, issuedAt: new Date(issuedAtSec * 1000), expiresAt: p.expiresAt, auditIds: p.auditIds,
      user: {
        id: p.userId, name: row.user_name, domain: { id: row.user_domain_id, name: row.user_domain_name },
        passwordExpiresAt: row.password_expires_at,
      },
      scope: p.scope,
      project: projectId ? { id: projectId, name: row.project_name!, domain: scopeDomain! } : undefined,
      domain: p.scope.kind === 'domain' ? scopeDomain : undefined,
      roles, appCred,
      isAdminProject: projectId !== undefined && (!this.#d.adminProjectName || row.project_name === this.#d.adminProjectName),
    }
  }

  async #appCred(appCredId: string, userId: string) {
    const { db } = this.#d
    const cred = await db.selectFrom('app_creds').selectAll().where('id', '=', appCredId).executeTakeFirst()
    if (!cred || cred.user_id !== userId) return undefined
    if (cred.expires_at && parseUtc(cred.expires_at) <= Date.now()) return undefined
    const roleIds = (await db.selectFrom('app_cred_roles').select('role_id').where('app_cred_id', '=', appCredId).execute())
      .map((r) => r.role_id)
    return { info: { id: cred.id, name: cred.name, restricted: !fromDbBool(cred.unrestricted) }, roleIds }
  }
}

type ResolvedRow = {
  user_name: string; password_expires_at: string | null; user_domain_id: string; user_domain_name: string
  project_name: string | null; scope_domain_id: string | null; scope_domain_name: string | null
  latest_revocation: number | null
}

function roleTarget(scope: TokenScope, domainId: string | null, parentId: string | null): RoleTarget | undefined {
  switch (scope.kind) {
    case 'project':
      return { kind: 'project', projectId: scope.projectId, domainId: domainId!, parentId }
    case 'domain':
      return { kind: 'domain', domainId: scope.domainId }
    case 'system':
      return { kind: 'system' }
    default:
      return undefined
  }
}

function scopeFailure(scope: TokenScope): string {
  if (scope.kind === 'project') return `User has no access to project ${scope.projectId}`
  if (scope.kind === 'domain') return `User has no access to domain ${scope.domainId}`
  if (scope.kind === 'system') return 'User has no access to the system'
  return 'The request you have made requires authentication.'
}

function tokenNotFound(): NotFound {
  return new NotFound('Could not find token.')
}
