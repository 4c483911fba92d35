/**
 * /v3/users/{user_id}/application_credentials: a secret a user hands to an application so it can get
 * tokens for one project with (a subset of) the user's roles there, without the user's password.
 */
import { randomBytes } from 'node:crypto'
import { fromDbBool, nowIso, parseUtc, toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { AppCredRow, RoleRow } from '../../db/schema.ts'
import type { TokenInfo } from '../../tokens/token-service.ts'
import { caller, collection, enforce, links, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { newId } from '../ids.ts'
import { createAppCredBody } from '../schemas/credentials.ts'

type AppCredBody = {
  name: string; description?: string | null; secret?: string | null; expires_at?: string | null
  unrestricted?: boolean | null; access_rules?: unknown[]; roles?: Array<{ id?: string; name?: string }>
}

const VALIDATION_TAIL = ' The server could not comply with the request since it is either malformed or otherwise incorrect.'
  + ' The client is assumed to be in error.'
const invalid = (detail: string) => new BadRequest(`Invalid application credential: ${detail}`)

function forbidden(action: string): Forbidden {
  return new Forbidden(`You are not authorized to perform the requested action: ${action}.`)
}

/** A token from a restricted application credential may not manage application credentials. */
function checkUnrestricted(t: TokenInfo): void {
  if (t.appCred?.restricted) {
    throw forbidden("Using method 'application_credential' is not allowed for managing additional application credentials")
  }
}

/** Keystone's generated secret: 64 random bytes, urlsafe base64 without padding. */
const generateSecret = () => randomBytes(64).toString('base64url')

export function applicationCredentialsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const base = '/v3/users/:user_id/application_credentials'

  async function rolesOf(ids: string[]): Promise<Map<string, RoleRow[]>> {
    const out = new Map<string, RoleRow[]>()
    if (ids.length === 0) return out
    const rows = await db.selectFrom('app_cred_roles as a').innerJoin('roles as r', 'r.id', 'a.role_id')
      .select(['a.app_cred_id', 'r.id', 'r.name', 'r.domain_id', 'r.description', 'r.options'])
      .where('a.app_cred_id', 'in', ids).orderBy('r.name').execute()
    for (const { app_cred_id, ...role } of rows) out.set(app_cred_id, [...(out.get(app_cred_id) ?? []), role])
    return out
  }

  const render = (req: IdentityRequest, c: AppCredRow, roles: RoleRow[]) => ({
    id: c.id, name: c.name, description: c.description || null, user_id: c.user_id, project_id: c.project_id,
    expires_at: c.expires_at, unrestricted: fromDbBool(c.unrestricted), access_rules: [],
    roles: roles.map((r) => ({ id: r.id, name: r.name, domain_id: r.domain_id || null })),
    links: links(req, `users/${c.user_id}/application_credentials/${c.id}`),
  })

  /**
   * The credential named by the path, with policy enforced on its real owner (not the path's user,
   * which a caller controls); 404 after enforcement when it does not exist under that user.
   */
  async function guarded(req: IdentityRequest, action: string): Promise<AppCredRow> {
    const { user_id: userId, application_credential_id: id } = req.params
    const c = await db.selectFrom('app_creds').selectAll().where('id', '=', id).executeTakeFirst()
    enforce(deps, req, action, { ...req.params, user_id: c?.user_id ?? userId })
    if (!c || c.user_id !== userId) throw new NotFound(`Could not find Application Credential: ${id}.`)
    return c
  }

  /** The roles asked for (by id or name) plus what they imply; every one must be in the caller's token. */
  async function chosenRoles(t: TokenInfo, wanted: AppCredBody['roles']): Promise<string[]> {
    const tokenRoles = t.roles.map((r) => r.id)
    if (!wanted || wanted.length === 0) return tokenRoles
    const ids: string[] = []
    for (const w of wanted) {
      if (w.id) {
        ids.push(w.id)
        continue
      }
      const found = await db.selectFrom('roles').select('id').where('name', '=', w.name!).execute()
      if (found.length === 0) throw new NotFound(`Could not find role: ${w.name}.`)
      if (found.length > 1) {
        throw new BadRequest(`There are multiple role entities named '${w.name}'. Please use ID instead of names to resolve the ambiguity.`)
      }
      ids.push(found[0].id)
    }
    const all = (await deps.roles.expand(ids)).map((r) => r.id)
    const withImplied = [...new Set([...ids, ...all])]
    if (withImplied.some((id) => !tokenRoles.includes(id))) throw invalid('Cannot create an application credential with unassigned role')
    return withImplied
  }

  return [
    route('POST', base, async (req: IdentityRequest) => {
      const userId = req.params.user_id
      enforce(deps, req, 'identity:create_application_credential', { user_id: userId })
      const body = (req.body as { application_credential: AppCredBody }).application_credential
      const t = caller(req)
      checkUnrestricted(t)
      if (t.user.id !== userId) throw forbidden('Cannot create an application credential for another user.')
      if (!t.project) throw invalid('an application credential is made with a project-scoped token')
      if (body.access_rules && body.access_rules.length > 0) throw invalid('access rules are not supported')
      if (body.expires_at) {
        const at = parseUtc(body.expires_at)
        if (Number.isNaN(at)) throw new BadRequest(`Timestamp not in expected format.${VALIDATION_TAIL}`)
        if (at <= Date.now()) throw new BadRequest(`The 'expires_at' must not be before now.${VALIDATION_TAIL}`)
      }
      const roleIds = await chosenRoles(t, body.roles)
      const secret = body.secret || generateSecret()
      const row: AppCredRow = {
        id: newId(), name: body.name, user_id: userId, project_id: t.project.id, secret_hash: await deps.hasher.hash(secret),
        description: body.description ?? '', expires_at: body.expires_at || null, unrestricted: toDbBool(body.unrestricted === true),
        created_at: nowIso(),
      }
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('app_creds').values(row).execute()
          if (roleIds.length) await trx.insertInto('app_cred_roles').values(roleIds.map((role_id) => ({ app_cred_id: row.id, role_id }))).execute()
        })
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new Conflict(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${row.name}.`)
        }
        throw err
      }
      deps.log.info('created application credential', { app_cred_id: row.id, user_id: userId, project_id: row.project_id })
      const roles = (await rolesOf([row.id])).get(row.id) ?? []
      return { status: 201, body: { application_credential: { ...render(req, row, roles), secret } } }
    }, { body: createAppCredBody }),

    route('GET', base, async (req: IdentityRequest) => {
      const userId = req.params.user_id
      const name = req.query.get('name')
      enforce(deps, req, 'identity:list_application_credentials', { user_id: userId, ...(name !== null ? { name } : {}) })
      let q = db.selectFrom('app_creds').selectAll().where('user_id', '=', userId).orderBy('name')
      if (name !== null) q = q.where('name', '=', name)
      const rows = await q.execute()
      const roles = await rolesOf(rows.map((c) => c.id))
      return { status: 200, body: collection(req, 'application_credentials', rows.map((c) => render(req, c, roles.get(c.id) ?? []))) }
    }),

    route('GET', `${base}/:application_credential_id`, async (req: IdentityRequest) => {
      const c = await guarded(req, 'identity:get_application_credential')
      return { status: 200, body: { application_credential: render(req, c, (await rolesOf([c.id])).get(c.id) ?? []) } }
    }),

    route('DELETE', `${base}/:application_credential_id`, async (req: IdentityRequest) => {
      const c = await guarded(req, 'identity:delete_application_credential')
      checkUnrestricted(caller(req))
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('app_cred_roles').where('app_cred_id', '=', c.id).execute()
        await trx.deleteFrom('app_creds').where('id', '=', c.id).execute()
        await revoke(deps, trx, { app_cred_id: c.id })
      })
      deps.log.info('deleted application credential; its tokens are revoked', { app_cred_id: c.id, user_id: c.user_id })
      return { status: 204 }
    }),
  ]
}
