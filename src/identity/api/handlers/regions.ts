/** /v3/regions: a tree of regions; ids may be chosen by the caller. */
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { RegionRow } from '../../db/schema.ts'
import { collection, enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId } from '../ids.ts'
import { renderRegion } from '../render.ts'
import { createRegionBody, updateRegionBody } from '../schemas/catalog.ts'

type RegionBody = { id?: string | null; description?: string | null; parent_region_id?: string | null }

const known = ['id', 'description', 'parent_region_id', 'links']
const regionNotFound = (id: string) => new NotFound(`Could not find region: ${id}.`)
const duplicate = (id: string) => new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`)

export function regionsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const find = (id: string) => db.selectFrom('regions').selectAll().where('id', '=', id).executeTakeFirst()

  async function load(id: string): Promise<RegionRow> {
    const r = await find(id)
    if (!r) throw regionNotFound(id)
    return r
  }

  async function create(req: IdentityRequest, body: RegionBody, id: string) {
    if (await find(id)) throw duplicate(id)
    const parent = body.parent_region_id ?? null
    if (parent !== null && !(await find(parent))) throw regionNotFound(parent)
    const row: RegionRow = { id, description: body.description ?? '', parent_region_id: parent, extra: extraOf(body, known) }
    try {
      await db.insertInto('regions').values(row).execute()
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(id)
      throw err
    }
    deps.log.info('created region', { region: id, parent_region_id: parent })
    return { status: 201, body: { region: renderRegion(req, row) } }
  }

  /** Regions below `id`, nearest first. */
  async function descendants(id: string): Promise<string[]> {
    const all = await db.selectFrom('regions').select(['id', 'parent_region_id']).execute()
    const out: string[] = []
    const seen = new Set([id])
    for (let i = -1; i < out.length; i++) {
      const parent = i < 0 ? id : out[i]
      for (const r of all) {
        if (r.parent_region_id === parent && !seen.has(r.id)) {
          seen.add(r.id)
          out.push(r.id)
        }
      }
    }
    return out
  }

  return [
    route('GET', '/v3/regions', async (req: IdentityRequest) => {
      const parent = req.query.get('parent_region_id')
      enforce(deps, req, 'identity:list_regions', parent !== null ? { parent_region_id: parent } : {})
      let q = db.selectFrom('regions').selectAll().orderBy('id')
      if (parent !== null) q = q.where('parent_region_id', '=', parent)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'regions', rows.map((r) => renderRegion(req, r))) }
    }),

    route('POST', '/v3/regions', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_region')
      const body = (req.body as { region: RegionBody }).region
      return create(req, body, body.id || newId())
    }, { body: createRegionBody }),

    route('GET', '/v3/regions/:region_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_region', { ...req.params })
      return { status: 200, body: { region: renderRegion(req, await load(req.params.region_id)) } }
    }),

    // Create with the id in the path.
    route('PUT', '/v3/regions/:region_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_region', { ...req.params })
      const body = (req.body as { region: RegionBody }).region
      const id = req.params.region_id
      if ('id' in body && body.id !== id) throw new BadRequest(`Conflicting region IDs specified: "${id}" != "${body.id}"`)
      return create(req, body, id)
    }, { body: createRegionBody }),

    route('PATCH', '/v3/regions/:region_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_region', { ...req.params })
      const body = (req.body as { region: RegionBody }).region
      if (body.id != null && body.id !== req.params.region_id) throw new BadRequest('Cannot change ID')
      const r = await load(req.params.region_id)
      const parent = body.parent_region_id === undefined ? r.parent_region_id : body.parent_region_id
      if (body.parent_region_id != null) {
        await load(body.parent_region_id)
        // Walk up from the new parent: meeting this region again would close a loop.
        const seen = new Set<string>()
        for (let at: string | null = body.parent_region_id; at !== null && !seen.has(at); at = (await find(at))?.parent_region_id ?? null) {
          if (at === r.id) throw new BadRequest(`The specified parent region ${r.id} would create a circular region hierarchy.`)
          seen.add(at)
        }
      }
      await db.updateTable('regions').set({
        parent_region_id: parent,
        description: body.description === undefined ? r.description : body.description ?? '',
        extra: JSON.stringify({ ...JSON.parse(r.extra), ...JSON.parse(extraOf(body, known)) }),
      }).where('id', '=', r.id).execute()
      return { status: 200, body: { region: renderRegion(req, await load(r.id)) } }
    }, { body: updateRegionBody }),

    // As Keystone: child regions go too, unless any region of the subtree still has endpoints.
    route('DELETE', '/v3/regions/:region_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_region', { ...req.params })
      const r = await load(req.params.region_id)
      const ids = [r.id, ...(await descendants(r.id))]
      await db.transaction().execute(async (trx) => {
        if (await trx.selectFrom('endpoints').select('id').where('region_id', 'in', ids).executeTakeFirst()) {
          throw new Forbidden(`Unable to delete region ${r.id} because it or its child regions have associated endpoints.`)
        }
        await trx.deleteFrom('regions').where('id', 'in', ids).execute()
      })
      deps.log.info('deleted region', { region: r.id, children: ids.length - 1 })
      return { status: 204 }
    }),
  ]
}
