/** /v3/auth/*: issue, validate, check and revoke tokens; the catalog and scopes a token may use. */
import { fromDbBool } from '../../../common/db/columns.ts'
import { NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { heldBy } from '../../assignments/effective-roles.ts'
import { authenticate, type AuthBody } from '../../auth/authenticate.ts'
import type { TokenInfo } from '../../tokens/token-service.ts'
import { caller, collection, enforce, links, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { keystoneTime, renderDomain, renderProject } from '../render.ts'
import { authTokensBody } from '../schemas/auth.ts'
import { tagsOf } from './project-tags.ts'

export function authRoutes(deps: IdentityDeps): Route[] {
  async function renderToken(t: TokenInfo, withCatalog: boolean): Promise<Record<string, unknown>> {
    const token: Record<string, unknown> = {
      methods: t.methods,
      user: {
        domain: t.user.domain, id: t.user.id, name: t.user.name,
        password_expires_at: t.user.passwordExpiresAt ? keystoneTime(t.user.passwordExpiresAt) : null,
      },
      audit_ids: t.auditIds,
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
    }
    if (t.project) Object.assign(token, { project: t.project, is_domain: false })
    if (t.domain) token.domain = t.domain
    if (t.scope.kind === 'system') token.system = { all: true }
    if (t.scope.kind !== 'unscoped') token.roles = t.roles.map((r) => ({ id: r.id, name: r.name }))
    if (t.appCred) token.application_credential = t.appCred
    if (withCatalog && t.scope.kind !== 'unscoped') token.catalog = await deps.catalog.forProject(t.project?.id)
    return { token }
  }

  const wantsCatalog = (req: IdentityRequest) => req.query.get('nocatalog') === null

  /** The token named by X-Subject-Token, or 404 as Keystone answers for a bad one. */
  async function subject(req: IdentityRequest): Promise<TokenInfo> {
    const id = req.headers['x-subject-token']
    if (typeof id !== 'string' || !id) throw new NotFound('Could not find token.')
    return deps.tokens.validate(id)
  }

  const tokenTarget = (t: TokenInfo) => ({ target: { token: { user_id: t.user.id } }, token: { user_id: t.user.id } })

  return [
    route('POST', '/v3/auth/tokens', async (req: IdentityRequest) => {
      const t = await authenticate(deps, req.body as AuthBody, { unscopedRequested: false })
      deps.log.info('issued a token', { user_id: t.user.id, scope: t.scope.kind, methods: t.methods.join(',') })
      return { status: 201, headers: { 'x-subject-token': t.id }, body: await renderToken(t, wantsCatalog(req)) }
    }, { body: authTokensBody, public: true }),

    route('GET', '/v3/auth/tokens', async (req: IdentityRequest) => {
      const t = await subject(req)
      enforce(deps, req, 'identity:validate_token', tokenTarget(t))
      return { status: 200, headers: { 'x-subject-token': t.id }, body: await renderToken(t, wantsCatalog(req)) }
    }),

    route('HEAD', '/v3/auth/tokens', async (req: IdentityRequest) => {
      const t = await subject(req)
      enforce(deps, req, 'identity:check_token', tokenTarget(t))
      return { status: 200, headers: { 'x-subject-token': t.id } }
    }),

    route('DELETE', '/v3/auth/tokens', async (req: IdentityRequest) => {
      const t = await subject(req)
      enforce(deps, req, 'identity:revoke_token', tokenTarget(t))
      await revoke(deps, deps.db, { audit_id: t.auditIds[0] })
      deps.log.info('revoked a token', { user_id: t.user.id, audit_id: t.auditIds[0] })
      return { status: 204 }
    }),

    route('GET', '/v3/auth/catalog', async (req: IdentityRequest) => {
      const t = caller(req)
      if (t.scope.kind === 'unscoped') throw new NotFound('Could not find catalog: a scoped token is required.')
      return { status: 200, body: { catalog: await deps.catalog.forProject(t.project?.id), links: links(req, 'auth/catalog') } }
    }),

    route('GET', '/v3/auth/projects', async (req: IdentityRequest) => {
      const rows = await projectsOf(deps, caller(req).user.id)
      const tags = await tagsOf(deps.db, rows.map((p) => p.id))
      return { status: 200, body: collection(req, 'projects', rows.map((p) => renderProject(req, p, tags.get(p.id)!))) }
    }),

    route('GET', '/v3/auth/domains', async (req: IdentityRequest) => {
      const userId = caller(req).user.id
      const rows = await deps.db.selectFrom('domains').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('assignments').select('target_id')
          .where('type', 'in', ['UserDomain', 'GroupDomain']).where('inherited', '=', 0).where(heldBy(userId)))
        .execute()
      const enabled = rows.filter((d) => fromDbBool(d.enabled))
      return { status: 200, body: collection(req, 'domains', enabled.map((d) => renderDomain(req, d))) }
    }),

    route('GET', '/v3/auth/system', async (req: IdentityRequest) => {
      const userId = caller(req).user.id
      const has = await deps.db.selectFrom('assignments').select('role_id').where('target_id', '=', 'system')
        .where(heldBy(userId)).executeTakeFirst()
      return { status: 200, body: { system: has ? [{ all: true }] : [], links: links(req, 'auth/system') } }
    }),
  ]
}

/** Enabled projects where the user holds a role directly, through a group, or by inheritance. */
export async function projectsOf(deps: IdentityDeps, userId: string) {
  const actor = heldBy(userId)
  const direct = deps.db.selectFrom('assignments').select('target_id')
    .where('type', 'in', ['UserProject', 'GroupProject']).where(actor)
  const inheritedDomains = deps.db.selectFrom('assignments').select('target_id')
    .where('type', 'in', ['UserDomain', 'GroupDomain']).where('inherited', '=', 1).where(actor)
  const rows = await deps.db.selectFrom('projects').selectAll()
    .where((w) => w.or([w('id', 'in', direct), w('domain_id', 'in', inheritedDomains)]))
    .orderBy('name').execute()
  return rows.filter((p) => fromDbBool(p.enabled))
}
