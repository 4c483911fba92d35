/**
 * Tags of any taggable resource (`standard-attr-tag`, `tag-creation`):
 * `/v2.0/<collection>/<id>/tags` GET, PUT (replace all), POST (add), DELETE (all), and
 * `/tags/<tag>` GET (204/404), PUT (201), DELETE. The resource must be visible to the caller
 * (its get_<resource> rule, else 404); the change itself needs <action>_<resource>:tags. A change
 * bumps the resource's revision, as Neutron's tags revise their resource.
 */
import type { Transaction } from 'kysely'
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkDb } from '../../db/schema.ts'
import { invalidInput, NeutronError } from '../../errors.ts'
import { can, enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { stringProblem, uniqueStringsProblem } from '../networks/attribute-values.ts'
import { TAG_RESOURCES, type TagResource } from '../networks/tag-resources.ts'
import { now, tagsOf } from '../standard-attrs.ts'

const MAX_TAGS = 50

const tagNotFound = (tag: string) => new NeutronError(404, 'TagNotFound', `Tag ${tag} could not be found.`)

function checkTag(tag: string): void {
  const problem = stringProblem(tag, 255)
  if (problem) throw invalidInput(problem)
}

/** `{"tags": [...]}`: unique strings of at most 255 characters. */
function tagsBody(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('tags' in body)) throw invalidInput('Invalid tags body')
  const tags = (body as { tags: unknown }).tags
  const problem = uniqueStringsProblem(tags, 255)
  if (problem) throw invalidInput(problem)
  return tags as string[]
}

function checkLimit(r: TagResource, tags: string[]): void {
  if (new Set(tags).size > MAX_TAGS) {
    throw new NeutronError(400, 'BadRequest', `Bad ${r.collection.replace('-', '_')} request: The number of tags exceed the per-resource limit of ${MAX_TAGS}.`)
  }
}

export function tagsRoutes(deps: NetworkDeps): Route[] {
  const { db } = deps

  /** The resource's id after the visibility check (404) and the tag action's rule (403). */
  async function authorize(req: NetworkRequest, r: TagResource, action: 'get' | 'create' | 'update' | 'delete'): Promise<string> {
    const id = req.params[r.param]
    const target = await r.target(db, id)
    if (!target || !can(deps, req, `get_${r.resource}`, target)) throw r.notFound(id)
    enforce(deps, req, `${action}_${r.resource}:tags`, target)
    return id
  }

  const current = async (db: NetworkDeps['db'] | Transaction<NetworkDb>, r: TagResource, id: string) => (await tagsOf(db, r.tagType, [id])).get(id)!

  /** Makes the resource's tags exactly `next`; bumps its revision when that changes anything. */
  async function setTags(trx: Transaction<NetworkDb>, r: TagResource, id: string, next: string[]): Promise<void> {
    const have = new Set(await current(trx, r, id))
    const want = new Set(next)
    const gone = [...have].filter((t) => !want.has(t))
    const added = [...want].filter((t) => !have.has(t))
    if (gone.length) {
      await trx.deleteFrom('resource_tags').where('resource_type', '=', r.tagType).where('resource_id', '=', id).where('tag', 'in', gone).execute()
    }
    for (const tag of added) await trx.insertInto('resource_tags').values({ resource_type: r.tagType, resource_id: id, tag }).execute()
    if (gone.length || added.length) {
      await trx.updateTable(r.table).set((eb) => ({ revision_number: eb('revision_number', '+', 1), updated_at: now() })).where('id', '=', id).execute()
    }
  }

  const change = (work: (trx: Transaction<NetworkDb>) => Promise<void>) => db.transaction().execute(work)

  return TAG_RESOURCES.flatMap((r) => {
    const base = `/v2.0/${r.collection}/:${r.param}/tags`
    return [
      route('GET', base, async (req: NetworkRequest) => {
        const id = await authorize(req, r, 'get')
        return { status: 200, body: { tags: await current(db, r, id) } }
      }),
      route('PUT', base, async (req: NetworkRequest) => {
        const tags = tagsBody(req.body)
        const id = await authorize(req, r, 'update')
        checkLimit(r, tags)
        await change((trx) => setTags(trx, r, id, tags))
        return { status: 200, body: { tags } }
      }),
      route('POST', base, async (req: NetworkRequest) => {
        const tags = tagsBody(req.body)
        const id = await authorize(req, r, 'create')
        await change(async (trx) => {
          const all = [...new Set([...(await current(trx, r, id)), ...tags])]
          checkLimit(r, all)
          await setTags(trx, r, id, all)
        })
        return { status: 201, body: { tags } }
      }),
      route('DELETE', base, async (req: NetworkRequest) => {
        const id = await authorize(req, r, 'delete')
        await change((trx) => setTags(trx, r, id, []))
        return { status: 204 }
      }),
      route('GET', `${base}/:tag`, async (req: NetworkRequest) => {
        checkTag(req.params.tag)
        const id = await authorize(req, r, 'get')
        if (!(await current(db, r, id)).includes(req.params.tag)) throw tagNotFound(req.params.tag)
        return { status: 204 }
      }),
      route('PUT', `${base}/:tag`, async (req: NetworkRequest) => {
        const tag = req.params.tag
        checkTag(tag)
        const id = await authorize(req, r, 'update')
        await change(async (trx) => {
          const have = await current(trx, r, id)
          if (have.includes(tag)) return
          checkLimit(r, [...have, tag])
          await setTags(trx, r, id, [...have, tag])
        })
        return { status: 201 }
      }),
      route('DELETE', `${base}/:tag`, async (req: NetworkRequest) => {
        const tag = req.params.tag
        checkTag(tag)
        const id = await authorize(req, r, 'delete')
        await change(async (trx) => {
          const have = await current(trx, r, id)
          if (!have.includes(tag)) throw tagNotFound(tag)
          await setTags(trx, r, id, have.filter((t) => t !== tag))
        })
        return { status: 204 }
      }),
    ]
  })
}
