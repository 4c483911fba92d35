/** /v3/projects: CRUD inside a domain's hierarchy and tag filters; domains appear here as projects acting as domains. */
import type { Kysely } from 'kysely'
import { fromDbBool, nowIso, toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { DomainRow, IdentityDb, ProjectRow } from '../../db/schema.ts'
import { caller, collection, enforce, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId, queryBool } from '../ids.ts'
import { renderProject } from '../render.ts'
import { asBool, createProjectBody, updateProjectBody } from '../schemas/projects.ts'
import { projectsOf } from './auth.ts'
import { matchesTags, setTags, tagsOf } from './project-tags.ts'
import {
  createDomainProject, deleteDomainProject, domainProjectTarget, listDomainProjects, renderDomainProject, updateDomainProject,
} from './projects-as-domains.ts'

type Db = Kysely<IdentityDb>
type ProjectBody = {
  name?: string; description?: string | null; enabled?: unknown; is_domain?: unknown
  domain_id?: string | null; parent_id?: string | null; tags?: string[]; id?: unknown
}

const known = ['id', 'name', 'domain_id', 'parent_id', 'description', 'enabled', 'is_domain', 'tags', 'options', 'links']
/** Keystone's default max_project_tree_depth (5), plus one for the domain at the root. */
const MAX_DEPTH = 6

/** The project's parents, nearest first, up to (not including) its domain. */
async function parentsOf(db: Db, p: ProjectRow): Promise<ProjectRow[]> {
  const out: ProjectRow[] = []
  const seen = new Set([p.id])
  let next = p.parent_id
  while (next && next !== p.domain_id && !seen.has(next)) {
    const row = await db.selectFrom('projects').selectAll().where('id', '=', next).executeTakeFirst()
    if (!row) break
    out.push(row)
    seen.add(row.id)
    next = row.parent_id
  }
  return out
}

/** Every project below `p`, parents before their children. */
async function subtreeOf(db: Db, p: ProjectRow): Promise<ProjectRow[]> {
  const all = await db.selectFrom('projects').selectAll().where('domain_id', '=', p.domain_id).orderBy('name').execute()
  const children = Map.groupBy(all, (r) => r.parent_id ?? r.domain_id)
  const out: ProjectRow[] = []
  const seen = new Set([p.id])
  for (let i = -1; i < out.length; i++) {
    for (const c of children.get(i < 0 ? p.id : out[i].id) ?? []) {
      if (!seen.has(c.id)) out.push(c)
      seen.add(c.id)
    }
  }
  return out
}

/** Keystone's `parents_as_ids`: {parent: {grandparent: {domain: null}}}. */
function parentsAsIds(parents: ProjectRow[], domainId: string): Record<string, unknown> {
  return parents.reduceRight<Record<string, unknown>>((tree, p) => ({ [p.id]: tree }), { [domainId]: null })
}

/** Keystone's `subtree_as_ids`: {child: {grandchild: null}}, or null without children. */
function subtreeAsIds(rootId: string, subtree: ProjectRow[]): Record<string, unknown> | null {
  const kids = subtree.filter((r) => r.parent_id === rootId)
  return kids.length ? Object.fromEntries(kids.map((k) => [k.id, subtreeAsIds(k.id, subtree)])) : null
}

const conflict = (name: string, id: string) => new Conflict('Conflict occurred attempting to store project - it is not permitted to have '
  + `two projects with either the same name or same id in the same domain: name is ${name}, project id ${id}.`)

export function projectsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const target = (p: ProjectRow) => ({ target: { project: { id: p.id, domain_id: p.domain_id, parent_id: p.parent_id } } })

  /** The project named in the path, or the domain it names (a project acting as a domain); policy comes before existence. */
  async function load(req: IdentityRequest, action: string): Promise<ProjectRow | DomainRow> {
    const id = req.params.project_id
    const p = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
    const d = p ? undefined : await db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst()
    enforce(deps, req, action, { ...req.params, ...(p ? target(p) : d ? domainProjectTarget(d) : {}) })
    if (!p && !d) throw new NotFound(`Could not find project: ${id}.`)
    return (p ?? d)!
  }
  const isProject = (r: ProjectRow | DomainRow): r is ProjectRow => 'domain_id' in r

  async function show(req: IdentityRequest, p: ProjectRow): Promise<Record<string, unknown>> {
    return renderProject(req, p, (await tagsOf(db, [p.id])).get(p.id)!)
  }

  /** Projects among `rows` the caller holds a role on, as `parents_as_list`/`subtree_as_list` return them. */
  async function visible(req: IdentityRequest, rows: ProjectRow[]): Promise<unknown[]> {
    const mine = new Set((await projectsOf(deps, caller(req).user.id)).map((p) => p.id))
    const kept = rows.filter((r) => mine.has(r.id))
    return Promise.all(kept.map(async (r) => ({ project: await show(req, r) })))
  }

  /** Keystone's hierarchy rules for a new project: known domain and parent, same domain, enabled branch, depth. */
  async function checkPlacement(domainId: string, parentId: string): Promise<void> {
    const domain = await db.selectFrom('domains').selectAll().where('id', '=', domainId).executeTakeFirst()
    if (!domain) throw new BadRequest(`Could not find domain: ${domainId}.`)
    const branch: Array<{ id: string; enabled: number }> = []
    if (parentId !== domainId) {
      const parent = await db.selectFrom('projects').selectAll().where('id', '=', parentId).executeTakeFirst()
      if (!parent && (await db.selectFrom('domains').select('id').where('id', '=', parentId).executeTakeFirst())) {
        throw new BadRequest(`Cannot create project, the parent (${parentId}) is acting as a domain, `
          + `but this project's domain id (${domainId}) does not match the parent's id.`)
      }
      if (!parent) throw new BadRequest(`Could not find project: ${parentId}.`)
      if (parent.domain_id !== domainId) {
        throw new BadRequest(`Cannot create project, since it specifies its domain_id ${domainId}, `
          + `but specifies a parent in a different domain (${parent.domain_id}).`)
      }
      branch.push(parent, ...(await parentsOf(db, parent)))
    }
    branch.push(domain)
    const disabled = branch.find((r) => !fromDbBool(r.enabled))
    if (disabled) throw new BadRequest(`cannot create a project in a branch containing a disabled project: ${disabled.id}`)
    if (branch.length + 1 > MAX_DEPTH) throw new Forbidden(`Max hierarchy depth reached for ${parentId} branch.`)
  }

  return [
    route('POST', '/v3/projects', async (req: IdentityRequest) => {
      const body = (req.body as { project: ProjectBody }).project
      const t = caller(req)
      const actsAsDomain = body.is_domain !== undefined && asBool(body.is_domain)
      // Keystone falls back to the domain of a domain-scoped token, then to the default domain; a domain has none.
      const domainId = body.domain_id || t.domain?.id || 'default'
      enforce(deps, req, 'identity:create_project', { target: { project: { ...body, domain_id: actsAsDomain ? body.domain_id ?? null : domainId } } })
      if (actsAsDomain) return { status: 201, body: { project: await createDomainProject(deps, req, body, extraOf(body, known)) } }
      const parentId = body.parent_id || domainId
      await checkPlacement(domainId, parentId)
      const row: ProjectRow = {
        id: newId(), name: body.name!.trim(), domain_id: domainId, parent_id: parentId, description: body.description ?? '',
        enabled: toDbBool(body.enabled === undefined || asBool(body.enabled)), extra: extraOf(body, known), created_at: nowIso(),
      }
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('projects').values(row).execute()
          if (body.tags) await setTags(trx, row.id, body.tags)
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(row.name, row.id)
        throw err
      }
      deps.log.info('created project', { project_id: row.id, name: row.name, domain_id: domainId, parent_id: parentId })
      return { status: 201, body: { project: await show(req, row) } }
    }, { body: createProjectBody }),

    route('GET', '/v3/projects', async (req: IdentityRequest) => {
      const t = caller(req)
      const q = req.query
      const filters = Object.fromEntries(['domain_id', 'enabled', 'name', 'parent_id', 'is_domain'].flatMap((k) => q.has(k) ? [[k, q.get(k)]] : []))
      enforce(deps, req, 'identity:list_projects', { ...filters, target: t.domain ? { domain_id: t.domain.id } : {} })
      if (queryBool(q.get('is_domain'))) return { status: 200, body: collection(req, 'projects', await listDomainProjects(deps, req)) }
      let sel = db.selectFrom('projects').selectAll().orderBy('name')
      for (const key of ['name', 'domain_id'] as const) {
        const v = q.get(key)
        if (v !== null) sel = sel.where(key, '=', v)
      }
      if (t.domain) sel = sel.where('domain_id', '=', t.domain.id)
      const enabled = queryBool(q.get('enabled'))
      if (enabled !== undefined) sel = sel.where('enabled', '=', toDbBool(enabled))
      const parent = q.get('parent_id')
      if (parent !== null) {
        sel = sel.where((w) => w.or([w('parent_id', '=', parent), w.and([w('parent_id', 'is', null), w('domain_id', '=', parent)])]))
      }
      const rows = await sel.execute()
      const tags = await tagsOf(db, rows.map((r) => r.id))
      const kept = rows.filter((r) => matchesTags(tags.get(r.id)!, q))
      return { status: 200, body: collection(req, 'projects', kept.map((r) => renderProject(req, r, tags.get(r.id)!))) }
    }),

    route('GET', '/v3/projects/:project_id', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:get_project')
      if (!isProject(p)) return { status: 200, body: { project: renderDomainProject(req, p) } }
      const flag = (k: string) => req.query.has(k) && req.query.get(k) !== '0'
      for (const kind of ['parents', 'subtree']) {
        if (flag(`${kind}_as_list`) && flag(`${kind}_as_ids`)) {
          throw new BadRequest(`Cannot use ${kind}_as_list and ${kind}_as_ids query params at the same time.`)
        }
      }
      const out = await show(req, p)
      if (flag('parents_as_ids')) out.parents = parentsAsIds(await parentsOf(db, p), p.domain_id)
      if (flag('parents_as_list')) out.parents = await visible(req, await parentsOf(db, p))
      if (flag('subtree_as_ids')) out.subtree = subtreeAsIds(p.id, await subtreeOf(db, p))
      if (flag('subtree_as_list')) out.subtree = await visible(req, await subtreeOf(db, p))
      return { status: 200, body: { project: out } }
    }),

    route('PATCH', '/v3/projects/:project_id', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:update_project')
      const body = (req.body as { project: ProjectBody }).project
      if (body.id != null && body.id !== p.id) throw new BadRequest('Cannot change ID')
      if (!isProject(p)) return { status: 200, body: { project: await updateDomainProject(deps, req, p, body) } }
      if ('domain_id' in body && body.domain_id !== p.domain_id) throw new BadRequest('Cannot change Domain ID')
      if ('parent_id' in body && body.parent_id !== (p.parent_id ?? p.domain_id)) throw new Forbidden('Update of `parent_id` is not allowed.')
      if ('is_domain' in body && body.is_domain !== false) throw new BadRequest('Update of `is_domain` is not allowed.')
      const wasEnabled = fromDbBool(p.enabled)
      const enabled = body.enabled === undefined ? wasEnabled : asBool(body.enabled)
      if (enabled && !wasEnabled) {
        const domain = await db.selectFrom('domains').select(['id', 'enabled']).where('id', '=', p.domain_id).executeTakeFirst()
        const branch = [...(await parentsOf(db, p)), ...(domain ? [domain] : [])]
        if (branch.some((r) => !fromDbBool(r.enabled))) throw new Forbidden(`Cannot enable project ${p.id} since it has disabled parents`)
      }
      if (!enabled && wasEnabled && (await subtreeOf(db, p)).some((c) => fromDbBool(c.enabled))) {
        throw new Forbidden(`Cannot disable project ${p.id} since its subtree contains enabled projects.`)
      }
      const name = body.name?.trim() ?? p.name
      try {
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('projects').set({
            name, enabled: toDbBool(enabled),
            description: body.description === undefined ? p.description : body.description ?? '',
            extra: JSON.stringify({ ...JSON.parse(p.extra), ...JSON.parse(extraOf(body, known)) }),
          }).where('id', '=', p.id).execute()
          if (body.tags) await setTags(trx, p.id, body.tags)
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(name, p.id)
        throw err
      }
      if (!enabled && wasEnabled) {
        await revoke(deps, db, { project_id: p.id })
        deps.log.info('disabled project; its tokens are revoked', { project_id: p.id })
      }
      const updated = await db.selectFrom('projects').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow()
      return { status: 200, body: { project: await show(req, updated) } }
    }, { body: updateProjectBody }),

    route('DELETE', '/v3/projects/:project_id', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:delete_project')
      if (!isProject(p)) {
        await deleteDomainProject(deps, p)
        return { status: 204 }
      }
      if (await db.selectFrom('projects').select('id').where('parent_id', '=', p.id).executeTakeFirst()) {
        throw new Forbidden(`Cannot delete the project ${p.id} since it is not a leaf in the hierarchy. `
          + 'Use the cascade option if you want to delete a whole subtree.')
      }
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('assignments').where('target_id', '=', p.id).where('type', 'in', ['UserProject', 'GroupProject']).execute()
        await trx.deleteFrom('credentials').where('project_id', '=', p.id).execute()
        await trx.deleteFrom('app_creds').where('project_id', '=', p.id).execute()
        await trx.deleteFrom('project_tags').where('project_id', '=', p.id).execute()
        for (const table of ['project_endpoints', 'project_endpoint_groups'] as const) {
          await trx.deleteFrom(table).where('project_id', '=', p.id).execute()
        }
        await trx.deleteFrom('projects').where('id', '=', p.id).execute()
        await revoke(deps, trx, { project_id: p.id })
      })
      deps.log.info('deleted project', { project_id: p.id, name: p.name })
      return { status: 204 }
    }),
  ]
}
