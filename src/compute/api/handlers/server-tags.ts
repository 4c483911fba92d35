/**
 * /servers/{id}/tags (microversion 2.26): a server's tags listed, replaced, checked, added and
 * removed one at a time, with Nova's rules (1 to 60 characters, no "/" or ",", at most 50 per
 * server) and its refusal while the server is still building.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'

export const MAX_TAGS = 50
const TAG = /^[^,/]{1,60}$/

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || !TAG.test(tag)) {
    throw badRequest(`Invalid input for field/attribute tag. Value: ${JSON.stringify(tag)}. A tag is 1 to 60 characters without '/' or ','.`)
  }
  return tag
}

export function serverTagsRoutes(deps: ComputeApiDeps): Route[] {
  const server = async (req: ComputeRequest, action: string, changes: boolean): Promise<Instance> => {
    if (!atLeast(versionOf(req), '2.26')) throw notFound('The resource could not be found.')
    const i = await serverForCaller(deps, req, req.params.server_id)
    authorize(deps, req, `os-server-tags:${action}`, { project_id: i.project_id })
    if (changes && i.vm_state === 'building') {
      throw conflict(`Cannot '${action}' instance ${i.uuid} while it is in vm_state building`)
    }
    return i
  }
  const tagsOf = async (uuid: string): Promise<string[]> =>
    (await deps.db.selectFrom('instance_tags').select('tag').where('instance_uuid', '=', uuid).orderBy('tag').execute()).map((r) => r.tag)

  return [
    route('GET', '/servers/:server_id/tags', async (req: ComputeRequest) => {
      const i = await server(req, 'index', false)
      return { status: 200, body: { tags: await tagsOf(i.uuid) } }
    }),
    route('PUT', '/servers/:server_id/tags', async (req: ComputeRequest) => {
      const body = req.body as { tags?: unknown } | undefined
      if (!body || typeof body !== 'object' || !Array.isArray(body.tags) || Object.keys(body).length !== 1) {
        throw badRequest("Invalid input for field/attribute tags. The body must be {\"tags\": [...]}.")
      }
      const tags = [...new Set(body.tags.map(checkTag))]
      if (tags.length > MAX_TAGS) throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`)
      const i = await server(req, 'update_all', true)
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('instance_tags').where('instance_uuid', '=', i.uuid).execute()
        for (const tag of tags) await trx.insertInto('instance_tags').values({ instance_uuid: i.uuid, tag }).execute()
      })
      return { status: 200, body: { tags: await tagsOf(i.uuid) } }
    }),
    route('DELETE', '/servers/:server_id/tags', async (req: ComputeRequest) => {
      const i = await server(req, 'delete_all', true)
      await deps.db.deleteFrom('instance_tags').where('instance_uuid', '=', i.uuid).execute()
      return { status: 204 }
    }),
    route('GET', '/servers/:server_id/tags/:tag', async (req: ComputeRequest) => {
      const i = await server(req, 'show', false)
      const tag = req.params.tag
      if (!(await tagsOf(i.uuid)).includes(tag)) throw notFound(`Tag ${tag} could not be found.`)
      return { status: 204 }
    }),
    route('PUT', '/servers/:server_id/tags/:tag', async (req: ComputeRequest) => {
      const tag = checkTag(req.params.tag)
      const i = await server(req, 'update', true)
      const existing = await tagsOf(i.uuid)
      if (existing.includes(tag)) return { status: 204 }
      if (existing.length >= MAX_TAGS) throw badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`)
      await deps.db.insertInto('instance_tags').values({ instance_uuid: i.uuid, tag }).execute()
      return { status: 201, headers: { location: `${req.baseUrl}/v2.1/servers/${i.uuid}/tags/${encodeURIComponent(tag)}` } }
    }),
    route('DELETE', '/servers/:server_id/tags/:tag', async (req: ComputeRequest) => {
      const i = await server(req, 'delete', true)
      const tag = req.params.tag
      const gone = await deps.db.deleteFrom('instance_tags').where('instance_uuid', '=', i.uuid).where('tag', '=', tag).executeTakeFirst()
      if (!Number(gone.numDeletedRows)) throw notFound(`Tag ${tag} could not be found.`)
      return { status: 204 }
    }),
  ]
}
