/** /v3/users: CRUD, self-service password change, and a user's groups and projects. */
import { fromDbBool, nowIso, toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { checkPasswordChange, storePassword } from '../../auth/security-compliance.ts'
import { getDomain, getProject, getUser } from '../../db/lookups.ts'
import type { UserRow } from '../../db/schema.ts'
import { AuthFailed } from '../../errors.ts'
import { caller, collection, enforce, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId, queryBool } from '../ids.ts'
import { renderGroup, renderProject, renderUser } from '../render.ts'
import { changePasswordBody, createUserBody, updateUserBody } from '../schemas/users.ts'
import { projectsOf } from './auth.ts'
import { tagsOf } from './project-tags.ts'

const known = ['id', 'name', 'domain_id', 'default_project_id', 'description', 'enabled', 'password', 'options', 'federated', 'links']
type UserBody = { name?: string; domain_id?: string; default_project_id?: string | null; description?: string | null; enabled?: boolean; password?: string | null }

export function userRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const rules = deps.config.securityCompliance
  const target = (u: Pick<UserRow, 'id' | 'domain_id'>) => ({ target: { user: { id: u.id, domain_id: u.domain_id } } })

  return [
    route('POST', '/v3/users', async (req: IdentityRequest) => {
      const body = (req.body as { user: UserBody }).user
      const t = caller(req)
      const domainId = body.domain_id ?? t.domain?.id ?? 'default'
      enforce(deps, req, 'identity:create_user', { target: { user: { domain_id: domainId } } })
      await getDomain(db, domainId)
      if (body.default_project_id) await getProject(db, body.default_project_id)
      const row: UserRow = {
        id: newId(), name: body.name!.trim(), domain_id: domainId, enabled: toDbBool(body.enabled ?? true),
        default_project_id: body.default_project_id ?? null, description: body.description ?? '',
        extra: extraOf(body, known), created_at: nowIso(), password_hash: null, password_created_at: null,
        password_expires_at: null, failed_auth_count: 0, failed_auth_at: null, last_active_at: null,
      }
      try {
        await db.insertInto('users').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${row.name} at domain ID ${domainId}.`)
        }
        throw err
      }
      if (body.password) await storePassword(db, deps.hasher, row.id, body.password, rules, { expireNow: rules.changePasswordUponFirstUse })
      deps.log.info('created user', { user_id: row.id, name: row.name, domain_id: domainId })
      return { status: 201, body: { user: renderUser(req, await getUser(db, row.id)) } }
    }, { body: createUserBody }),

    route('GET', '/v3/users', async (req: IdentityRequest) => {
      const t = caller(req)
      const domainFilter = req.query.get('domain_id') ?? (t.domain ? t.domain.id : undefined)
      enforce(deps, req, 'identity:list_users', { target: { domain_id: domainFilter } , domain_id: domainFilter })
      let q = db.selectFrom('users').selectAll().orderBy('name')
      if (domainFilter) q = q.where('domain_id', '=', domainFilter)
      const name = req.query.get('name')
      if (name !== null) q = q.where('name', '=', name)
      const enabled = queryBool(req.query.get('enabled'))
      if (enabled !== undefined) q = q.where('enabled', '=', toDbBool(enabled))
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'users', rows.map((u) => renderUser(req, u))) }
    }),

    route('GET', '/v3/users/:user_id', async (req: IdentityRequest) => {
      const u = await getUser(db, req.params.user_id)
      enforce(deps, req, 'identity:get_user', target(u))
      return { status: 200, body: { user: renderUser(req, u) } }
    }),

    route('PATCH', '/v3/users/:user_id', async (req: IdentityRequest) => {
      const u = await getUser(db, req.params.user_id)
      enforce(deps, req, 'identity:update_user', target(u))
      const body = (req.body as { user: UserBody & { id?: string } }).user
      if (body.id !== undefined && body.id !== u.id) throw new BadRequest('Cannot change user ID')
      if (body.domain_id !== undefined && body.domain_id !== u.domain_id) throw new BadRequest('Cannot change Domain ID')
      if (body.default_project_id) await getProject(db, body.default_project_id)
      const extra = { ...JSON.parse(u.extra), ...JSON.parse(extraOf(body, known)) }
      try {
        await db.updateTable('users').set({
          name: body.name?.trim() ?? u.name,
          enabled: body.enabled === undefined ? u.enabled : toDbBool(body.enabled),
          default_project_id: body.default_project_id === undefined ? u.default_project_id : body.default_project_id,
          description: body.description === undefined ? u.description : body.description ?? '',
          extra: JSON.stringify(extra),
        }).where('id', '=', u.id).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${body.name} at domain ID ${u.domain_id}.`)
        throw err
      }
      if (body.password) {
        await storePassword(db, deps.hasher, u.id, body.password, rules)
        await revoke(deps, db, { user_id: u.id })
      }
      if (body.enabled === false && fromDbBool(u.enabled)) {
        await revoke(deps, db, { user_id: u.id })
        deps.log.info('disabled user; its tokens are revoked', { user_id: u.id })
      }
      return { status: 200, body: { user: renderUser(req, await getUser(db, u.id)) } }
    }, { body: updateUserBody }),

    route('DELETE', '/v3/users/:user_id', async (req: IdentityRequest) => {
      const u = await getUser(db, req.params.user_id)
      enforce(deps, req, 'identity:delete_user', target(u))
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('assignments').where('actor_id', '=', u.id).execute()
        await trx.deleteFrom('credentials').where('user_id', '=', u.id).execute()
        await trx.deleteFrom('users').where('id', '=', u.id).execute()
        await revoke(deps, trx, { user_id: u.id })
      })
      deps.log.info('deleted user', { user_id: u.id, name: u.name })
      return { status: 204 }
    }),

    // Self-service: authenticated by the original password, so an expired password can be changed.
    route('POST', '/v3/users/:user_id/password', async (req: IdentityRequest) => {
      const { password, original_password } = (req.body as { user: { password: string; original_password: string } }).user
      const u = await db.selectFrom('users').selectAll().where('id', '=', req.params.user_id).executeTakeFirst()
      if (!u || !(await deps.hasher.verify(original_password, u.password_hash))) throw new AuthFailed()
      await checkPasswordChange(db, deps.hasher, u, password, rules, true)
      await storePassword(db, deps.hasher, u.id, password, rules)
      await revoke(deps, db, { user_id: u.id })
      deps.log.info('user changed its password; earlier tokens are revoked', { user_id: u.id })
      return { status: 204 }
    }, { body: changePasswordBody, public: true }),

    route('GET', '/v3/users/:user_id/groups', async (req: IdentityRequest) => {
      const u = await getUser(db, req.params.user_id)
      enforce(deps, req, 'identity:list_groups_for_user', target(u))
      const rows = await db.selectFrom('groups').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('group_members').select('group_id').where('user_id', '=', u.id))
        .orderBy('name').execute()
      return { status: 200, body: collection(req, 'groups', rows.map((g) => renderGroup(req, g))) }
    }),

    route('GET', '/v3/users/:user_id/projects', async (req: IdentityRequest) => {
      const u = await getUser(db, req.params.user_id)
      enforce(deps, req, 'identity:list_user_projects', target(u))
      const rows = await projectsOf(deps, u.id)
      const tags = await tagsOf(db, rows.map((p) => p.id))
      return { status: 200, body: collection(req, 'projects', rows.map((p) => renderProject(req, p, tags.get(p.id)!))) }
    }),
  ]
}
