/**
 * @module The auth methods of POST /v3/auth/tokens (password, token, application_credential)
 * and scope selection. Every failure is the same 401 so a caller learns nothing from it.
 */
import type { Kysely } from 'kysely'
import { fromDbBool, parseUtc } from '../../common/db/columns.ts'
import { BadRequest } from '../../common/errors.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { IdentityConfig } from '../config.ts'
import type { IdentityDb, UserRow } from '../db/schema.ts'
import { AuthFailed } from '../errors.ts'
import type { IssueRequest, TokenInfo, TokenScope, TokenService } from '../tokens/token-service.ts'
import type { PasswordHasher } from './password-hasher.ts'
import { isLockedOut, isPasswordExpired, recordFailedAttempt, recordSuccess } from './security-compliance.ts'

type Ref = { id?: string; name?: string; domain?: { id?: string; name?: string } }
export type AuthBody = {
  auth: {
    identity: {
      methods: string[]
      password?: { user: Ref & { password: string } }
      token?: { id: string }
      application_credential?: { id?: string; name?: string; secret: string; user?: Ref }
    }
    scope?: 'unscoped' | { project?: Ref; domain?: { id?: string; name?: string }; system?: { all?: boolean } }
  }
}

export type AuthDeps = {
  db: Kysely<IdentityDb>
  hasher: PasswordHasher
  tokens: TokenService
  config: IdentityConfig
  log: Logger
}

export async function authenticate(deps: AuthDeps, body: AuthBody, opts: { unscopedRequested: boolean }): Promise<TokenInfo> {
  const { identity, scope } = body.auth
  const methods = [...new Set(identity.methods)]
  for (const m of methods) {
    if (!['password', 'token', 'application_credential'].includes(m)) throw new AuthFailed(`Unsupported authentication method: ${m}`)
    if (!(m in identity)) throw new BadRequest(`Invalid input for field 'identity': '${m}' is a required property`)
  }
  if (methods.length === 0) throw new BadRequest(`Invalid input for field 'identity.methods': [] is too short`)

  let req: IssueRequest
  if (methods.includes('application_credential')) {
    req = await appCredential(deps, identity.application_credential!)
    if (scope && scope !== 'unscoped') {
      const wanted = await resolveScope(deps.db, scope)
      if (wanted.kind !== 'project' || wanted.projectId !== (req.scope as { projectId: string }).projectId) {
        throw new AuthFailed('Application credentials cannot request a scope.')
      }
    }
    return deps.tokens.issue(req)
  }
  let userId: string
  let notAfter: Date | undefined
  let parentAuditId: string | undefined
  let inherited: string[] = []
  if (methods.includes('token')) {
    // An invalid, expired or revoked token is 404 here, as in Keystone (tempest checks it).
    const from = await deps.tokens.validate(identity.token!.id)
    if (from.appCred) throw new AuthFailed('A token created with an application credential cannot be rescoped.')
    userId = from.user.id
    notAfter = from.expiresAt
    parentAuditId = from.auditIds[0]
    inherited = from.methods
  }
  if (methods.includes('password')) {
    const user = await passwordUser(deps, identity.password!.user)
    if (methods.includes('token') && user.id !== userId!) throw new AuthFailed()
    userId = user.id
  }
  let tokenScope: TokenScope
  if (scope === 'unscoped' || opts.unscopedRequested) tokenScope = { kind: 'unscoped' }
  else if (scope) tokenScope = await resolveScope(deps.db, scope)
  else tokenScope = await defaultScope(deps.db, userId!)
  const allMethods = [...new Set([...methods, ...inherited])]
  req = { userId: userId!, methods: allMethods, scope: tokenScope, notAfter, parentAuditId }
  try {
    return await deps.tokens.issue(req)
  } catch (err) {
    // A default project the user lost access to falls back to an unscoped token, as Keystone does.
    if (err instanceof AuthFailed && !scope && tokenScope.kind === 'project') {
      return deps.tokens.issue({ ...req, scope: { kind: 'unscoped' } })
    }
    throw err
  }
}

async function passwordUser(deps: AuthDeps, ref: Ref & { password: string }): Promise<UserRow> {
  const { db, config, hasher, log } = deps
  const rules = config.securityCompliance
  const user = await findUser(db, ref)
  if (!user) {
    await hasher.verify(ref.password, null)
    throw new AuthFailed()
  }
  if (isLockedOut(user, rules)) {
    log.warn('refused a login: the account is locked after failed attempts', { user_id: user.id })
    throw new AuthFailed(`The account is locked for user: ${user.id}.`)
  }
  const ok = await hasher.verify(ref.password, user.password_hash)
  if (!ok) {
    await recordFailedAttempt(db, user, rules)
    throw new AuthFailed()
  }
  if (!fromDbBool(user.enabled)) throw new AuthFailed()
  const domain = await db.selectFrom('domains').select('enabled').where('id', '=', user.domain_id).executeTakeFirst()
  if (!domain || !fromDbBool(domain.enabled)) throw new AuthFailed()
  if (isPasswordExpired(user)) {
    throw new AuthFailed(`The password is expired and needs to be changed for user: ${user.id}.`)
  }
  await recordSuccess(db, user)
  return user
}

async function findUser(db: Kysely<IdentityDb>, ref: Ref): Promise<UserRow | undefined> {
  if (ref.id) return db.selectFrom('users').selectAll().where('id', '=', ref.id).executeTakeFirst()
  if (!ref.name) throw new BadRequest(`Invalid input for field 'user': 'id' or 'name' is a required property`)
  if (!ref.domain?.id && !ref.domain?.name) {
    throw new BadRequest(`Invalid input for field 'user': a user given by name needs its domain (id or name)`)
  }
  let q = db.selectFrom('users as u').innerJoin('domains as d', 'd.id', 'u.domain_id').selectAll('u').where('u.name', '=', ref.name)
  q = ref.domain.id ? q.where('d.id', '=', ref.domain.id) : q.where('d.name', '=', ref.domain.name!)
  return q.executeTakeFirst()
}

async function appCredential(deps: AuthDeps, ac: NonNullable<AuthBody['auth']['identity']['application_credential']>): Promise<IssueRequest> {
  const { db, hasher } = deps
  let q = db.selectFrom('app_creds').selectAll()
  if (ac.id) q = q.where('id', '=', ac.id)
  else if (ac.name && ac.user) {
    const user = await findUser(db, ac.user)
    if (!user) throw new AuthFailed()
    q = q.where('name', '=', ac.name).where('user_id', '=', user.id)
  } else throw new BadRequest(`Invalid input for field 'application_credential': give 'id', or 'name' and 'user'`)
  const cred = await q.executeTakeFirst()
  if (!cred || !(await hasher.verify(ac.secret, cred.secret_hash))) throw new AuthFailed()
  if (cred.expires_at && parseUtc(cred.expires_at) <= Date.now()) throw new AuthFailed()
  const user = await db.selectFrom('users').select(['enabled']).where('id', '=', cred.user_id).executeTakeFirst()
  if (!user || !fromDbBool(user.enabled)) throw new AuthFailed()
  return {
    userId: cred.user_id, methods: ['application_credential'], appCredId: cred.id,
    scope: { kind: 'project', projectId: cred.project_id },
  }
}

async function resolveScope(db: Kysely<IdentityDb>, scope: Exclude<NonNullable<AuthBody['auth']['scope']>, 'unscoped'>): Promise<TokenScope> {
  const given = [scope.project, scope.domain, scope.system].filter((s) => s !== undefined).length
  if (given > 1) throw new BadRequest('Specify only one scope: project, domain or system.')
  if (scope.system) {
    if (scope.system.all !== true) throw new BadRequest(`Invalid input for field 'scope.system': 'all' must be true`)
    return { kind: 'system' }
  }
  if (scope.domain) {
    const d = scope.domain.id
      ? await db.selectFrom('domains').select('id').where('id', '=', scope.domain.id).executeTakeFirst()
      : await db.selectFrom('domains').select('id').where('name', '=', scope.domain.name ?? '').executeTakeFirst()
    if (!d) throw new AuthFailed()
    return { kind: 'domain', domainId: d.id }
  }
  const p = scope.project!
  if (p.id) return { kind: 'project', projectId: p.id }
  if (!p.name || (!p.domain?.id && !p.domain?.name)) {
    throw new BadRequest(`Invalid input for field 'scope.project': give 'id', or 'name' and 'domain'`)
  }
  let q = db.selectFrom('projects as p').innerJoin('domains as d', 'd.id', 'p.domain_id').select('p.id').where('p.name', '=', p.name)
  q = p.domain.id ? q.where('d.id', '=', p.domain.id) : q.where('d.name', '=', p.domain.name!)
  const row = await q.executeTakeFirst()
  if (!row) throw new AuthFailed()
  return { kind: 'project', projectId: row.id }
}

async function defaultScope(db: Kysely<IdentityDb>, userId: string): Promise<TokenScope> {
  const u = await db.selectFrom('users').select('default_project_id').where('id', '=', userId).executeTakeFirst()
  return u?.default_project_id ? { kind: 'project', projectId: u.default_project_id } : { kind: 'unscoped' }
}
