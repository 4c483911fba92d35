/** /v3/projects/{project_id}/tags: a project's tags as a sub-resource, and the tag helpers projects.ts uses. */
import type { Kysely } from 'kysely'
import { NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { validator } from '../../../common/http/validation.ts'
import type { IdentityDb, ProjectRow } from '../../db/schema.ts'
import { enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { projectTagsBody, tagListSchema, tagSchema } from '../schemas/projects.ts'

type Db = Kysely<IdentityDb>
const checkTag = validator(tagSchema)
const checkTagList = validator(tagListSchema)

/** Tags of the given projects, sorted by name. */
export async function tagsOf(db: Db, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map(ids.map((id) => [id, [] as string[]]))
  if (ids.length === 0) return out
  let q = db.selectFrom('project_tags').selectAll().orderBy('name')
  if (ids.length <= 500) q = q.where('project_id', 'in', ids)
  for (const r of await q.execute()) out.get(r.project_id)?.push(r.name)
  return out
}

/** Replaces a project's tags (trimmed, without repeats). */
export async function setTags(db: Db, projectId: string, tags: string[]): Promise<void> {
  await db.deleteFrom('project_tags').where('project_id', '=', projectId).execute()
  const names = [...new Set(tags.map((t) => t.trim()))]
  if (names.length) await db.insertInto('project_tags').values(names.map((name) => ({ project_id: projectId, name }))).execute()
}

/** The tag query filters: tags (all of), tags-any, not-tags (not all of), not-tags-any (none of). */
export function matchesTags(have: string[], q: URLSearchParams): boolean {
  const list = (k: string) => q.get(k)?.split(',')
  const has = (t: string) => have.includes(t)
  const [all, any, notAll, notAny] = ['tags', 'tags-any', 'not-tags', 'not-tags-any'].map(list)
  return (!all || all.every(has)) && (!any || any.some(has)) && (!notAll || !notAll.every(has)) && (!notAny || !notAny.some(has))
}

export function projectTagsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  /** The project named in the path; policy is checked before existence, as Keystone does. */
  async function load(req: IdentityRequest, action: string): Promise<ProjectRow> {
    const p = await db.selectFrom('projects').selectAll().where('id', '=', req.params.project_id).executeTakeFirst()
    const target = p ? { target: { project: { id: p.id, domain_id: p.domain_id, parent_id: p.parent_id } } } : {}
    enforce(deps, req, action, { ...req.params, ...target })
    if (!p) throw new NotFound(`Could not find project: ${req.params.project_id}.`)
    return p
  }

  const tagList = async (req: IdentityRequest, id: string) =>
    ({ tags: (await tagsOf(db, [id])).get(id)!, links: { self: `${req.baseUrl}${req.path}` } })
  const hasTag = async (id: string, tag: string) =>
    (await db.selectFrom('project_tags').select('name').where('project_id', '=', id).where('name', '=', tag).executeTakeFirst()) !== undefined
  const tagNotFound = (tag: string) => new NotFound(`Could not find project tag: ${tag}.`)

  return [
    route('GET', '/v3/projects/:project_id/tags', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:list_project_tags')
      return { status: 200, body: await tagList(req, p.id) }
    }),
    route('PUT', '/v3/projects/:project_id/tags', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:update_project_tags')
      await db.transaction().execute((trx) => setTags(trx, p.id, (req.body as { tags: string[] }).tags))
      return { status: 200, body: await tagList(req, p.id) }
    }, { body: projectTagsBody }),
    route('DELETE', '/v3/projects/:project_id/tags', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:delete_project_tags')
      await setTags(db, p.id, [])
      return { status: 204 }
    }),
    route('GET', '/v3/projects/:project_id/tags/:tag', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:get_project_tag')
      if (!(await hasTag(p.id, req.params.tag))) throw tagNotFound(req.params.tag)
      return { status: 204 }
    }),
    route('PUT', '/v3/projects/:project_id/tags/:tag', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:create_project_tag')
      checkTag(req.params.tag)
      const tag = req.params.tag.trim()
      // Keystone validates the grown list, so a repeated tag or an 81st one is a 400.
      checkTagList([...(await tagsOf(db, [p.id])).get(p.id)!, tag])
      await db.insertInto('project_tags').values({ project_id: p.id, name: tag }).execute()
      return { status: 201, headers: { location: `${req.baseUrl}/v3/projects/${p.id}/tags/${encodeURIComponent(tag)}` } }
    }),
    route('DELETE', '/v3/projects/:project_id/tags/:tag', async (req: IdentityRequest) => {
      const p = await load(req, 'identity:delete_project_tag')
      if (!(await hasTag(p.id, req.params.tag))) throw tagNotFound(req.params.tag)
      await db.deleteFrom('project_tags').where('project_id', '=', p.id).where('name', '=', req.params.tag).execute()
      return { status: 204 }
    }),
  ]
}
