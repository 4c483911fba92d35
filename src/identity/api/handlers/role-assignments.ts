/**
 * GET /v3/role_assignments: the grants that exist (direct), or what they amount to for each user
 * (effective: group grants expanded to members, inherited grants onto the projects below, implied roles added).
 */
import type { Kysely } from 'kysely'
import { BadRequest } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getProject } from '../../db/lookups.ts'
import type { AssignmentRow, AssignmentType, IdentityDb, ProjectRow, RoleRow } from '../../db/schema.ts'
import { caller, collection, enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'

type Db = Kysely<IdentityDb>
type Indirect = { group_id?: string; project_id?: string; domain_id?: string; role_id?: string }
/** One assignment as Keystone's assignment manager describes it, before it is formatted for the API. */
type Ref = {
  user_id?: string; group_id?: string; project_id?: string; domain_id?: string; system?: true
  role_id: string; inherited: boolean; indirect: Indirect; seen?: string[]
}
type Filters = {
  userId?: string; groupId?: string; roleId?: string; projectId?: string; domainId?: string; system: boolean
  inherited?: boolean; effective: boolean; names: boolean; subtree: boolean
}

const FILTERS = ['group.id', 'role.id', 'scope.domain.id', 'scope.project.id', 'scope.OS-INHERIT:inherited_to', 'user.id', 'scope.system']
const USER_TYPES: AssignmentType[] = ['UserProject', 'UserDomain', 'UserSystem']
const GROUP_TYPES: AssignmentType[] = ['GroupProject', 'GroupDomain', 'GroupSystem']

/** Keystone's boolean query flags: present and not '0' means true. */
const flag = (q: URLSearchParams, k: string) => q.has(k) && q.get(k) !== '0'

function toRef(a: AssignmentRow): Ref {
  const actor = a.type.startsWith('User') ? { user_id: a.actor_id } : { group_id: a.actor_id }
  const target = a.type.endsWith('Project') ? { project_id: a.target_id }
    : a.type.endsWith('Domain') ? { domain_id: a.target_id } : { system: true as const }
  return { ...actor, ...target, role_id: a.role_id, inherited: a.inherited === 1, indirect: {} }
}

function validate(q: URLSearchParams, f: Filters): void {
  const has = (k: string) => Boolean(q.get(k))
  if (has('scope.domain.id') && has('scope.project.id')) throw new BadRequest('Specify a domain or project, not both')
  if (has('scope.domain.id') && has('scope.system')) throw new BadRequest('Specify system or domain, not both')
  if (has('scope.project.id') && has('scope.system')) throw new BadRequest('Specify system or project, not both')
  if (has('user.id') && has('group.id')) throw new BadRequest('Specify a user or group, not both')
  if (f.effective && has('group.id')) throw new BadRequest('Combining effective and group filter will always result in an empty list.')
  if (f.effective && f.inherited && has('scope.domain.id')) {
    throw new BadRequest('Combining effective, domain and inherited filters will always result in an empty list.')
  }
}

export function roleAssignmentsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  return [
    route('GET', '/v3/role_assignments', async (req: IdentityRequest) => {
      const q = req.query
      const t = caller(req)
      const inheritedTo = q.get('scope.OS-INHERIT:inherited_to')
      const f: Filters = {
        userId: q.get('user.id') || undefined, groupId: q.get('group.id') || undefined, roleId: q.get('role.id') || undefined,
        projectId: q.get('scope.project.id') || undefined, domainId: q.get('scope.domain.id') || undefined,
        system: q.get('scope.system') === 'all', inherited: inheritedTo === null ? undefined : inheritedTo === 'projects',
        effective: flag(q, 'effective'), names: flag(q, 'include_names'), subtree: flag(q, 'include_subtree'),
      }
      const filters = Object.fromEntries(FILTERS.filter((k) => q.has(k)).map((k) => [k, q.get(k)]))
      if (f.subtree) {
        const p = f.projectId ? await getProject(db, f.projectId) : undefined
        const target = p ? { project: { id: p.id, domain_id: p.domain_id }, domain_id: p.domain_id } : {}
        enforce(deps, req, 'identity:list_role_assignments_for_tree', { ...filters, target })
        if (!p) throw new BadRequest('scope.project.id must be specified if include_subtree is also specified')
        f.system = false
      } else {
        enforce(deps, req, 'identity:list_role_assignments', { ...filters, target: t.domain ? { domain_id: t.domain.id } : {} })
      }
      validate(q, f)

      const ctx = new Lookup(db)
      let refs = f.effective ? await effective(ctx, f) : await direct(ctx, f)
      if (t.domain) {
        // A domain-scoped caller sees only what concerns its domain.
        const projects = await ctx.projects()
        refs = refs.filter((r) => r.domain_id === t.domain!.id || (r.project_id && projects.get(r.project_id)?.domain_id === t.domain!.id))
      }
      const names = f.names ? await ctx.names(refs) : undefined
      return { status: 200, body: collection(req, 'role_assignments', refs.map((r) => format(req, r, names))) }
    }),
  ]
}

/** Rows the listing needs, each read at most once per request. */
class Lookup {
  db: Db
  #projects?: Promise<Map<string, ProjectRow>>
  #roles?: Promise<Map<string, RoleRow>>
  constructor(db: Db) {
    this.db = db
  }

  projects(): Promise<Map<string, ProjectRow>> {
    this.#projects ??= this.db.selectFrom('projects').selectAll().execute().then((rows) => new Map(rows.map((p) => [p.id, p])))
    return this.#projects
  }

  roles(): Promise<Map<string, RoleRow>> {
    this.#roles ??= this.db.selectFrom('roles').selectAll().execute().then((rows) => new Map(rows.map((r) => [r.id, r])))
    return this.#roles
  }

  /** Descendants of `projectId`, not itself. */
  async below(projectId: string): Promise<string[]> {
    const all = [...(await this.projects()).values()]
    const out: string[] = []
    let level = [projectId]
    while (level.length) {
      level = all.filter((p) => p.parent_id && level.includes(p.parent_id) && p.id !== projectId && !out.includes(p.id)).map((p) => p.id)
      out.push(...level)
    }
    return out
  }

  async interest(f: Filters): Promise<string[]> {
    return [f.projectId!, ...(f.subtree ? await this.below(f.projectId!) : [])]
  }

  async names(refs: Ref[]) {
    const ids = (k: 'user_id' | 'group_id') => [...new Set(refs.map((r) => r[k]).filter((v): v is string => !!v))]
    const userIds = ids('user_id')
    const groupIds = ids('group_id')
    const users = new Map(userIds.length ? (await this.db.selectFrom('users').select(['id', 'name', 'domain_id'])
      .where('id', 'in', userIds).execute()).map((u) => [u.id, u]) : [])
    const groups = new Map(groupIds.length ? (await this.db.selectFrom('groups').select(['id', 'name', 'domain_id'])
      .where('id', 'in', groupIds).execute()).map((g) => [g.id, g]) : [])
    const domains = new Map((await this.db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.id, d.name]))
    return { users, groups, domains, projects: await this.projects(), roles: await this.roles() }
  }
}

async function direct(ctx: Lookup, f: Filters): Promise<Ref[]> {
  let sel = ctx.db.selectFrom('assignments').selectAll()
  if (f.roleId) sel = sel.where('role_id', '=', f.roleId)
  if (f.userId) sel = sel.where('actor_id', '=', f.userId).where('type', 'in', USER_TYPES)
  if (f.groupId) sel = sel.where('actor_id', '=', f.groupId).where('type', 'in', GROUP_TYPES)
  if (f.projectId) sel = sel.where('target_id', 'in', await ctx.interest(f)).where('type', 'in', ['UserProject', 'GroupProject'])
  else if (f.domainId) sel = sel.where('target_id', '=', f.domainId).where('type', 'in', ['UserDomain', 'GroupDomain'])
  else if (f.system) sel = sel.where('type', 'in', ['UserSystem', 'GroupSystem'])
  if (f.inherited !== undefined) sel = sel.where('inherited', '=', f.inherited ? 1 : 0)
  return (await sel.execute()).map(toRef)
}

async function effective(ctx: Lookup, f: Filters): Promise<Ref[]> {
  const { db } = ctx
  let sel = db.selectFrom('assignments').selectAll()
  if (f.userId) {
    const groups = (await db.selectFrom('group_members').select('group_id').where('user_id', '=', f.userId).execute()).map((g) => g.group_id)
    sel = sel.where('actor_id', 'in', [f.userId, ...groups])
  }
  // Domains inherit nothing, so a domain filter means the grants on the domain itself.
  if (f.domainId) sel = sel.where('target_id', '=', f.domainId).where('type', 'in', ['UserDomain', 'GroupDomain']).where('inherited', '=', 0)
  else if (f.system) sel = sel.where('type', 'in', ['UserSystem', 'GroupSystem'])
  const rows = (await sel.execute()).map(toRef)

  const groupIds = [...new Set(rows.map((r) => r.group_id).filter((g): g is string => !!g))]
  const members = new Map<string, string[]>()
  if (!f.userId && groupIds.length) {
    for (const m of await db.selectFrom('group_members').selectAll().where('group_id', 'in', groupIds).execute()) {
      members.set(m.group_id, [...(members.get(m.group_id) ?? []), m.user_id])
    }
  }
  const interest = f.projectId ? new Set(await ctx.interest(f)) : undefined
  const projects = await ctx.projects()
  let refs: Ref[] = []
  for (const base of rows) {
    const users = base.group_id ? (f.userId ? [f.userId] : members.get(base.group_id) ?? []) : [base.user_id!]
    for (const userId of users) {
      const indirect: Indirect = base.group_id ? { group_id: base.group_id } : {}
      const ref: Ref = { ...base, user_id: userId, group_id: undefined, indirect }
      delete ref.group_id
      if (!base.inherited) {
        refs.push(ref)
        continue
      }
      const targets = base.domain_id ? [...projects.values()].filter((p) => p.domain_id === base.domain_id).map((p) => p.id)
        : await ctx.below(base.project_id!)
      const source = base.domain_id ? { domain_id: base.domain_id } : { project_id: base.project_id! }
      for (const projectId of targets) {
        if (interest && !interest.has(projectId)) continue
        refs.push({ user_id: userId, project_id: projectId, role_id: base.role_id, inherited: false, indirect: { ...indirect, ...source } })
      }
    }
  }
  if (interest) refs = refs.filter((r) => r.project_id && interest.has(r.project_id))
  const derived = (r: Ref) => Boolean(r.indirect.domain_id || r.indirect.project_id)
  if (f.inherited !== undefined) refs = refs.filter((r) => derived(r) === f.inherited)

  refs = await withImplied(ctx, refs)
  const roles = await ctx.roles()
  // Domain-specific roles only serve to imply others; they are not effective themselves.
  refs = refs.filter((r) => roles.get(r.role_id)?.domain_id === '')
  return f.roleId ? refs.filter((r) => r.role_id === f.roleId) : refs
}

/** Adds an assignment for each role the assigned ones imply, noting the prior role as the source. */
async function withImplied(ctx: Lookup, refs: Ref[]): Promise<Ref[]> {
  const implies = new Map<string, string[]>()
  for (const r of await ctx.db.selectFrom('implied_roles').selectAll().execute()) {
    implies.set(r.prior_role_id, [...(implies.get(r.prior_role_id) ?? []), r.implied_role_id])
  }
  const out = [...refs]
  const stack = [...refs]
  while (stack.length) {
    const r = stack.pop()!
    const seen = r.seen ?? [r.role_id]
    for (const implied of implies.get(r.role_id) ?? []) {
      if (seen.includes(implied)) continue
      const next: Ref = { ...r, role_id: implied, indirect: { ...r.indirect, role_id: r.role_id }, seen: [...seen, implied] }
      out.push(next)
      stack.push(next)
    }
  }
  return out
}

type Names = Awaited<ReturnType<Lookup['names']>>

/** Keystone's role_assignment entity, with a link to the grant API it came from. */
function format(req: IdentityRequest, r: Ref, n: Names | undefined): Record<string, unknown> {
  const url = (path: string) => `${req.baseUrl}/v3${path}`
  const out: Record<string, any> = { links: {} }
  const domain = (id: string) => ({ id, name: n?.domains.get(id) ?? '' })
  let link: string
  let inherited = r.inherited
  if (r.project_id) {
    const p = n?.projects.get(r.project_id)
    out.scope = { project: n ? { id: r.project_id, name: p?.name ?? '', domain: domain(p?.domain_id ?? '') } : { id: r.project_id } }
    inherited ||= Boolean(r.indirect.domain_id || r.indirect.project_id)
    link = r.indirect.domain_id ? `/domains/${r.indirect.domain_id}`
      : `/projects/${r.indirect.project_id ?? r.project_id}`
  } else if (r.domain_id) {
    out.scope = { domain: n ? domain(r.domain_id) : { id: r.domain_id } }
    link = `/domains/${r.domain_id}`
  } else {
    out.scope = { system: { all: true } }
    link = '/system'
  }
  if (r.user_id) {
    const u = n?.users.get(r.user_id)
    out.user = n ? { id: r.user_id, name: u?.name ?? '', domain: domain(u?.domain_id ?? '') } : { id: r.user_id }
    if (r.indirect.group_id) {
      out.links.membership = url(`/groups/${r.indirect.group_id}/users/${r.user_id}`)
      link += `/groups/${r.indirect.group_id}`
    } else link += `/users/${r.user_id}`
  } else {
    const g = n?.groups.get(r.group_id!)
    out.group = n ? { id: r.group_id, name: g?.name ?? '', domain: domain(g?.domain_id ?? '') } : { id: r.group_id }
    link += `/groups/${r.group_id}`
  }
  const role = n?.roles.get(r.role_id)
  out.role = n ? { id: r.role_id, name: role?.name ?? '', ...(role?.domain_id ? { domain: domain(role.domain_id) } : {}) } : { id: r.role_id }
  link += `/roles/${r.indirect.role_id ?? r.role_id}`
  if (inherited) {
    out.scope['OS-INHERIT:inherited_to'] = 'projects'
    link = `/OS-INHERIT${link}/inherited_to_projects`
  }
  out.links.assignment = url(link)
  if (r.indirect.role_id) out.links.prior_role = url(`/prior_role/${r.role_id}/implies/${r.indirect.role_id}`)
  return out
}
