/** /v3/groups: CRUD and membership; membership changes revoke the tokens they affect. */
import { toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getDomain } from '../../db/lookups.ts'
import type { GroupRow, UserRow } from '../../db/schema.ts'
import { caller, collection, enforce, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId, queryBool } from '../ids.ts'
import { renderGroup, renderUser } from '../render.ts'
import { createGroupBody, updateGroupBody } from '../schemas/groups.ts'

type GroupBody = { id?: unknown; name?: string; domain_id?: string; description?: string | null }

const known = ['id', 'name', 'domain_id', 'description', 'links']
const conflict = (detail: string) => new Conflict(`Conflict occurred attempting to store group - Duplicate entry found with ${detail}.`)

export function groupsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const findGroup = (id: string) => db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst()
  const findUser = (id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  const groupTarget = (g: GroupRow) => ({ id: g.id, name: g.name, domain_id: g.domain_id })
  const groupNotFound = (id: string) => new NotFound(`Could not find group: ${id}.`)

  /** The group named in the path; policy is checked before existence, as Keystone does. */
  async function load(req: IdentityRequest, action: string, flat: Record<string, unknown> = {}): Promise<GroupRow> {
    const g = await findGroup(req.params.group_id)
    enforce(deps, req, action, { ...req.params, ...flat, target: g ? { group: groupTarget(g) } : {} })
    if (!g) throw groupNotFound(req.params.group_id)
    return g
  }

  /** The group and user of a membership path, checked against `action`; 404 for either missing. */
  async function pair(req: IdentityRequest, action: string): Promise<{ g: GroupRow; u: UserRow; member: boolean }> {
    const { group_id, user_id } = req.params
    const [g, u] = await Promise.all([findGroup(group_id), findUser(user_id)])
    enforce(deps, req, action, {
      group_id, user_id,
      target: { ...(g ? { group: groupTarget(g) } : {}), ...(u ? { user: { id: u.id, domain_id: u.domain_id } } : {}) },
    })
    if (!g) throw groupNotFound(group_id)
    if (!u) throw new NotFound(`Could not find user: ${user_id}.`)
    const row = await db.selectFrom('group_members').select('user_id').where('group_id', '=', g.id).where('user_id', '=', u.id).executeTakeFirst()
    return { g, u, member: row !== undefined }
  }
  const notMember = (g: GroupRow, u: UserRow) => new NotFound(`User '${u.id}' not found in group '${g.id}'`)

  return [
    route('POST', '/v3/groups', async (req: IdentityRequest) => {
      const body = (req.body as { group: GroupBody }).group
      // Keystone falls back to the domain of a domain-scoped token, then to the default domain.
      const domainId = body.domain_id || caller(req).domain?.id || 'default'
      enforce(deps, req, 'identity:create_group', { target: { group: { ...body, domain_id: domainId } } })
      await getDomain(db, domainId)
      const row: GroupRow = { id: newId(), name: body.name!.trim(), domain_id: domainId, description: body.description ?? '', extra: extraOf(body, known) }
      try {
        await db.insertInto('groups').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`name ${row.name} at domain ID ${domainId}`)
        throw err
      }
      deps.log.info('created group', { group_id: row.id, name: row.name, domain_id: domainId })
      return { status: 201, body: { group: renderGroup(req, row) } }
    }, { body: createGroupBody }),

    route('GET', '/v3/groups', async (req: IdentityRequest) => {
      const t = caller(req)
      const filters = Object.fromEntries(['domain_id', 'name'].flatMap((k) => req.query.has(k) ? [[k, req.query.get(k)]] : []))
      enforce(deps, req, 'identity:list_groups', { ...filters, target: t.domain ? { group: { domain_id: t.domain.id } } : {} })
      let q = db.selectFrom('groups').selectAll().orderBy('name')
      for (const key of ['domain_id', 'name'] as const) {
        const v = req.query.get(key)
        if (v !== null) q = q.where(key, '=', v)
      }
      // A domain-scoped caller sees only its own domain's groups.
      if (t.domain) q = q.where('domain_id', '=', t.domain.id)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'groups', rows.map((g) => renderGroup(req, g))) }
    }),

    route('GET', '/v3/groups/:group_id', async (req: IdentityRequest) => {
      const g = await load(req, 'identity:get_group')
      return { status: 200, body: { group: renderGroup(req, g) } }
    }),

    route('PATCH', '/v3/groups/:group_id', async (req: IdentityRequest) => {
      const g = await load(req, 'identity:update_group')
      const body = (req.body as { group: GroupBody }).group
      if (body.id != null && body.id !== g.id) throw new BadRequest('Cannot change ID')
      if (body.domain_id !== undefined && body.domain_id !== g.domain_id) throw new BadRequest('Cannot change Domain ID')
      const name = body.name?.trim() ?? g.name
      try {
        await db.updateTable('groups').set({
          name, description: body.description === undefined ? g.description : body.description ?? '',
          extra: JSON.stringify({ ...JSON.parse(g.extra), ...JSON.parse(extraOf(body, known)) }),
        }).where('id', '=', g.id).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`name ${name}`)
        throw err
      }
      return { status: 200, body: { group: renderGroup(req, (await findGroup(g.id))!) } }
    }, { body: updateGroupBody }),

    route('DELETE', '/v3/groups/:group_id', async (req: IdentityRequest) => {
      const g = await load(req, 'identity:delete_group')
      const hadRoles = await db.selectFrom('assignments').select('role_id').where('actor_id', '=', g.id).executeTakeFirst()
      const members = await db.selectFrom('group_members').select('user_id').where('group_id', '=', g.id).execute()
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('assignments').where('actor_id', '=', g.id).execute()
        await trx.deleteFrom('group_members').where('group_id', '=', g.id).execute()
        await trx.deleteFrom('groups').where('id', '=', g.id).execute()
        // Members lose the group's roles; without any, their tokens are unaffected (as in Keystone).
        if (hadRoles) for (const m of members) await revoke(deps, trx, { user_id: m.user_id })
      })
      deps.log.info('deleted group', { group_id: g.id, name: g.name, members: members.length })
      return { status: 204 }
    }),

    route('GET', '/v3/groups/:group_id/users', async (req: IdentityRequest) => {
      const t = caller(req)
      const filters = Object.fromEntries(['domain_id', 'enabled', 'name'].flatMap((k) => req.query.has(k) ? [[k, req.query.get(k)]] : []))
      const g = await load(req, 'identity:list_users_in_group', filters)
      let q = db.selectFrom('users').selectAll().orderBy('name')
        .where('id', 'in', (eb) => eb.selectFrom('group_members').select('user_id').where('group_id', '=', g.id))
      for (const key of ['domain_id', 'name'] as const) {
        const v = req.query.get(key)
        if (v !== null) q = q.where(key, '=', v)
      }
      const enabled = queryBool(req.query.get('enabled'))
      if (enabled !== undefined) q = q.where('enabled', '=', toDbBool(enabled))
      if (t.domain) q = q.where('domain_id', '=', t.domain.id)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'users', rows.map((u) => renderUser(req, u))) }
    }),

    // Also answers HEAD: 204 when the user is a member.
    route('GET', '/v3/groups/:group_id/users/:user_id', async (req: IdentityRequest) => {
      const { g, u, member } = await pair(req, 'identity:check_user_in_group')
      if (!member) throw notMember(g, u)
      return { status: 204 }
    }),

    route('PUT', '/v3/groups/:group_id/users/:user_id', async (req: IdentityRequest) => {
      const { g, u, member } = await pair(req, 'identity:add_user_to_group')
      if (!member) {
        try {
          await db.insertInto('group_members').values({ group_id: g.id, user_id: u.id }).execute()
        } catch (err) {
          // A concurrent PUT added it first: adding is idempotent.
          if (!isUniqueViolation(err)) throw err
        }
        deps.log.info('added user to group', { group_id: g.id, user_id: u.id })
      }
      return { status: 204 }
    }),

    route('DELETE', '/v3/groups/:group_id/users/:user_id', async (req: IdentityRequest) => {
      const { g, u, member } = await pair(req, 'identity:remove_user_from_group')
      if (!member) throw notMember(g, u)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('group_members').where('group_id', '=', g.id).where('user_id', '=', u.id).execute()
        await revoke(deps, trx, { user_id: u.id })
      })
      deps.log.info('removed user from group; its tokens are revoked', { group_id: g.id, user_id: u.id })
      return { status: 204 }
    }),
  ]
}
