/**
 * Role grants: a user or group holds a role on a project, a domain or the system, and (OS-INHERIT)
 * a grant on a domain or project that its projects below inherit.
 */
import type { Kysely } from 'kysely'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { AssignmentType, DomainRow, GroupRow, IdentityDb, ProjectRow, RoleRow, UserRow } from '../../db/schema.ts'
import { collection, enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { renderRole } from '../render.ts'
import { roleTarget } from './roles.ts'

type Db = Kysely<IdentityDb>
type Actor = 'user' | 'group'
type Target = 'project' | 'domain' | 'system'
type Spec = { actor: Actor; target: Target; inherited: boolean }
type Verb = 'check' | 'create' | 'revoke' | 'list'

const TYPES: Record<Actor, Record<Target, AssignmentType>> = {
  user: { project: 'UserProject', domain: 'UserDomain', system: 'UserSystem' },
  group: { project: 'GroupProject', domain: 'GroupDomain', system: 'GroupSystem' },
}

/** The objects a grant request names; missing ones stay undefined until after policy is enforced. */
type Found = {
  actorId: string; targetId: string; roleId?: string
  role?: RoleRow; user?: UserRow; group?: GroupRow; project?: ProjectRow; domain?: DomainRow
}

/** Descendants of a project (children, their children, ...), not the project itself. */
export async function subtreeIds(db: Db, projectId: string): Promise<string[]> {
  const out: string[] = []
  let level = [projectId]
  while (level.length) {
    const rows = await db.selectFrom('projects').select('id').where('parent_id', 'in', level).execute()
    level = rows.map((r) => r.id).filter((id) => id !== projectId && !out.includes(id))
    out.push(...level)
  }
  return out
}

export async function groupMemberIds(db: Db, groupId: string): Promise<string[]> {
  return (await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).execute()).map((m) => m.user_id)
}

export function grantsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  async function load(req: IdentityRequest, spec: Spec): Promise<Found> {
    const p = req.params
    const f: Found = { actorId: p[`${spec.actor}_id`], targetId: spec.target === 'system' ? 'system' : p[`${spec.target}_id`], roleId: p.role_id }
    if (f.roleId) f.role = await db.selectFrom('roles').selectAll().where('id', '=', f.roleId).executeTakeFirst()
    if (spec.actor === 'user') f.user = await db.selectFrom('users').selectAll().where('id', '=', f.actorId).executeTakeFirst()
    else f.group = await db.selectFrom('groups').selectAll().where('id', '=', f.actorId).executeTakeFirst()
    if (spec.target === 'project') f.project = await db.selectFrom('projects').selectAll().where('id', '=', f.targetId).executeTakeFirst()
    if (spec.target === 'domain') f.domain = await db.selectFrom('domains').selectAll().where('id', '=', f.targetId).executeTakeFirst()
    return f
  }

  function authorize(req: IdentityRequest, spec: Spec, verb: Verb, f: Found): void {
    const target: Record<string, unknown> = {}
    if (f.roleId) target.role = f.role ? roleTarget(f.role) : {}
    if (spec.actor === 'user') target.user = f.user ? { id: f.user.id, domain_id: f.user.domain_id } : {}
    else target.group = f.group ? { id: f.group.id, domain_id: f.group.domain_id } : {}
    if (spec.target === 'project') target.project = f.project ? { id: f.project.id, domain_id: f.project.domain_id } : {}
    if (spec.target === 'domain') target.domain = f.domain ? { id: f.domain.id } : {}
    const action = spec.target !== 'system' ? `identity:${verb}_grant${verb === 'list' ? 's' : ''}`
      : verb === 'list' ? `identity:list_system_grants_for_${spec.actor}` : `identity:${verb}_system_grant_for_${spec.actor}`
    enforce(deps, req, action, { ...req.params, target })
  }

  /** 404 for whatever the request names that does not exist (a deleted actor may still lose its grants). */
  function mustFind(f: Found, spec: Spec, actorMayBeGone = false): void {
    if (f.roleId && !f.role) throw new NotFound(`Could not find role: ${f.roleId}.`)
    if (!actorMayBeGone && spec.actor === 'user' && !f.user) throw new NotFound(`Could not find user: ${f.actorId}.`)
    if (!actorMayBeGone && spec.actor === 'group' && !f.group) throw new NotFound(`Could not find group: ${f.actorId}.`)
    if (spec.target === 'project' && !f.project) throw new NotFound(`Could not find project: ${f.targetId}.`)
    if (spec.target === 'domain' && !f.domain) throw new NotFound(`Could not find domain: ${f.targetId}.`)
  }

  const grantQuery = (trx: Db, spec: Spec, f: Found) => trx.selectFrom('assignments')
    .where('type', '=', TYPES[spec.actor][spec.target]).where('actor_id', '=', f.actorId)
    .where('target_id', '=', f.targetId).where('inherited', '=', spec.inherited ? 1 : 0)

  async function mustExist(spec: Spec, f: Found): Promise<void> {
    const row = await grantQuery(db, spec, f).select('role_id').where('role_id', '=', f.roleId!).executeTakeFirst()
    if (!row) {
      throw new NotFound(`Could not find role assignment with role: ${f.roleId}, user or group: ${f.actorId}, project, domain, or system: ${f.targetId}.`)
    }
  }

  function routesFor(spec: Spec): Route[] {
    const actorPart = `${spec.actor}s/:${spec.actor}_id/roles`
    const base = spec.target === 'system' ? `/v3/system/${actorPart}` : spec.inherited
      ? `/v3/OS-INHERIT/${spec.target}s/:${spec.target}_id/${actorPart}` : `/v3/${spec.target}s/:${spec.target}_id/${actorPart}`
    const one = `${base}/:role_id${spec.inherited ? '/inherited_to_projects' : ''}`
    const out: Route[] = [
      route('PUT', one, async (req: IdentityRequest) => {
        const f = await load(req, spec)
        authorize(req, spec, 'create', f)
        mustFind(f, spec)
        const role = f.role!
        if (spec.target === 'project' && role.domain_id && role.domain_id !== f.project!.domain_id) {
          throw new Forbidden(`Project ${f.targetId} must be in the same domain as the role ${role.id} being assigned.`)
        }
        if (spec.target === 'system' && role.domain_id) {
          throw new BadRequest(`Role ${role.id} is a domain-specific role. Unable to use a domain-specific role in a system assignment.`)
        }
        try {
          await db.insertInto('assignments').values({
            type: TYPES[spec.actor][spec.target], actor_id: f.actorId, target_id: f.targetId, role_id: role.id,
            inherited: spec.inherited ? 1 : 0,
          }).execute()
          deps.log.info('granted role', { role_id: role.id, [`${spec.actor}_id`]: f.actorId, [spec.target]: f.targetId, inherited: spec.inherited })
        } catch (err) {
          // Granting what is already granted changes nothing.
          if (!isUniqueViolation(err)) throw err
        }
        return { status: 204 }
      }),

      route('GET', one, async (req: IdentityRequest) => {
        const f = await load(req, spec)
        authorize(req, spec, 'check', f)
        mustFind(f, spec)
        await mustExist(spec, f)
        return { status: 204 }
      }),

      route('DELETE', one, async (req: IdentityRequest) => {
        const f = await load(req, spec)
        authorize(req, spec, 'revoke', f)
        mustFind(f, spec, true)
        await mustExist(spec, f)
        // Tokens need no revocation event: validation recomputes roles, so a token that loses
        // the role that scoped it stops working at once, and one that keeps others loses just this.
        await db.deleteFrom('assignments').where('type', '=', TYPES[spec.actor][spec.target]).where('actor_id', '=', f.actorId)
          .where('target_id', '=', f.targetId).where('role_id', '=', f.roleId!).where('inherited', '=', spec.inherited ? 1 : 0)
          .execute()
        deps.log.info('revoked role grant',
          { role_id: f.roleId, [`${spec.actor}_id`]: f.actorId, [spec.target]: f.targetId, inherited: spec.inherited })
        return { status: 204 }
      }),
    ]
    // OS-INHERIT lists inherited grants on domains only.
    if (!spec.inherited || spec.target === 'domain') {
      out.push(route('GET', spec.inherited ? `${base}/inherited_to_projects` : base, async (req: IdentityRequest) => {
        const f = await load(req, spec)
        authorize(req, spec, 'list', f)
        mustFind(f, spec)
        const roles = await db.selectFrom('roles').selectAll()
          .where('id', 'in', grantQuery(db, spec, f).select('role_id')).orderBy('name').execute()
        return { status: 200, body: collection(req, 'roles', roles.map((r) => renderRole(req, r))) }
      }))
    }
    return out
  }

  const specs: Spec[] = []
  for (const actor of ['user', 'group'] as const) {
    for (const target of ['project', 'domain', 'system'] as const) specs.push({ actor, target, inherited: false })
    for (const target of ['domain', 'project'] as const) specs.push({ actor, target, inherited: true })
  }
  return specs.flatMap(routesFor)
}
