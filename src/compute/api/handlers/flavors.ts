/**
 * /flavors: list and detail (public flavors, plus private ones given to the caller's project;
 * admins filter with is_public), show, create, update of the description (2.55) and delete.
 * Extra specs appear in the views from 2.61 for callers allowed to read them.
 */
import { randomUUID } from 'node:crypto'
import { nowIso } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { extraSpecsOf, findFlavor, rowToFlavor, type Flavor, type FlavorViewer } from '../../db/flavors.ts'
import { badRequest, conflict, flavorNotFound, notFound } from '../../errors.ts'
import { authorize, can, isAdmin, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { lastQuery, limitAndMarker, nextLinks, rejectUnknownQuery, resourceLinks, strictBool } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { createFlavorSchema, updateFlavorSchema } from '../schemas/flavors.ts'

export function flavorsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/flavors', (req) => listFlavors(deps, req, false)),
    route('GET', '/flavors/detail', (req) => listFlavors(deps, req, true)),
    route('GET', '/flavors/:flavor_id', (req) => showFlavor(deps, req)),
    route('POST', '/flavors', (req) => createFlavor(deps, req), { body: createFlavorSchema }),
    route('PUT', '/flavors/:flavor_id', (req) => updateFlavor(deps, req), { body: updateFlavorSchema }),
    route('DELETE', '/flavors/:flavor_id', (req) => deleteFlavor(deps, req)),
  ]
}

export function flavorViewer(deps: ComputeApiDeps, req: ComputeRequest): FlavorViewer {
  return { isAdmin: isAdmin(deps, req), projectId: callerOf(req).projectId }
}

/** The flavor the caller may see, or Nova's 404. */
export async function flavorForCaller(deps: ComputeApiDeps, req: ComputeRequest, id: string): Promise<Flavor> {
  const f = await findFlavor(deps.db, id, flavorViewer(deps, req))
  if (!f) throw flavorNotFound(id)
  return f
}

/** The detail view of one flavor at the request's microversion. */
export function flavorView(req: ComputeRequest, f: Flavor, extraSpecs?: Record<string, string>): Record<string, unknown> {
  const v = versionOf(req)
  const view: Record<string, unknown> = {
    id: f.flavorid, name: f.name, ram: f.memory_mb, disk: f.root_gb,
    swap: f.swap || (atLeast(v, '2.75') ? 0 : ''),
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb, 'OS-FLV-DISABLED:disabled': f.disabled, vcpus: f.vcpus,
    'os-flavor-access:is_public': f.is_public, rxtx_factor: f.rxtx_factor || '',
    links: resourceLinks(req, 'flavors', f.flavorid),
  }
  if (atLeast(v, '2.55')) view.description = f.description
  if (extraSpecs) view.extra_specs = extraSpecs
  return view
}

function briefView(req: ComputeRequest, f: Flavor): Record<string, unknown> {
  const view: Record<string, unknown> = { id: f.flavorid, name: f.name, links: resourceLinks(req, 'flavors', f.flavorid) }
  if (atLeast(versionOf(req), '2.55')) view.description = f.description
  return view
}

/** Whether views carry extra_specs: from 2.61, for callers allowed to list them. */
const showsExtraSpecs = (deps: ComputeApiDeps, req: ComputeRequest) => atLeast(versionOf(req), '2.61') && can(deps, req, 'os-flavor-extra-specs:index')

async function viewWithSpecs(deps: ComputeApiDeps, req: ComputeRequest, f: Flavor) {
  const specs = showsExtraSpecs(deps, req) ? (await extraSpecsOf(deps.db, [f.flavorid])).get(f.flavorid) : undefined
  return { status: 200, body: { flavor: flavorView(req, f, specs) } }
}

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name',
  'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'] as const
type SortKey = (typeof SORT_KEYS)[number]
const QUERY = ['limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir']

function sortValue(f: Flavor, key: SortKey): string | number | boolean | null {
  if (key === 'id' || key === 'vcpu_weight') return f.created_at
  return f[key]
}

function compare(a: Flavor, b: Flavor, key: SortKey): number {
  const x = sortValue(a, key)
  const y = sortValue(b, key)
  if (x === y) return a.flavorid < b.flavorid ? -1 : a.flavorid > b.flavorid ? 1 : 0
  if (x === null) return -1
  if (y === null) return 1
  return x < y ? -1 : 1
}

function intFilter(req: ComputeRequest, name: string): number | undefined {
  const v = lastQuery(req, name)
  if (v === null) return undefined
  if (!/^\s*[-+]?\d+\s*$/.test(v)) throw badRequest(`Invalid ${name} filter [${v}]`)
  return Number(v)
}

async function listFlavors(deps: ComputeApiDeps, req: ComputeRequest, detail: boolean) {
  rejectUnknownQuery(req, QUERY, '2.75')
  const viewer = flavorViewer(deps, req)
  const { limit, marker } = limitAndMarker(req, deps.config.maxLimit)
  const sortKey = (lastQuery(req, 'sort_key') || 'flavorid') as SortKey
  const sortDir = lastQuery(req, 'sort_dir') || 'asc'
  if (!SORT_KEYS.includes(sortKey)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${sortKey}. '${sortKey}' is not one of ${JSON.stringify(SORT_KEYS)}`)
  if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${sortDir}. '${sortDir}' is not one of ['asc', 'desc']`)

  // Non-admins see public flavors and those given to their project; admins choose with is_public (default true, "none" for all).
  let isPublic: boolean | undefined = true
  const param = lastQuery(req, 'is_public')
  if (viewer.isAdmin && param !== null) {
    if (param.trim().toLowerCase() === 'none') isPublic = undefined
    else {
      isPublic = strictBool(param)
      if (isPublic === undefined) throw badRequest(`Invalid is_public filter [${param}]`)
    }
  }
  const minRam = intFilter(req, 'minRam')
  const minDisk = intFilter(req, 'minDisk')

  let q = deps.db.selectFrom('flavors').selectAll()
  if (!viewer.isAdmin) q = q.where('disabled', '=', 0)
  if (minRam !== undefined) q = q.where('memory_mb', '>=', minRam)
  if (minDisk !== undefined) q = q.where('root_gb', '>=', minDisk)
  const project = viewer.projectId ?? ''
  const granted = deps.db.selectFrom('flavor_projects').select('flavorid').where('project_id', '=', project)
  if (isPublic === true) q = q.where((eb) => eb.or([eb('is_public', '=', 1), eb('flavorid', 'in', granted)]))
  else if (isPublic === false) q = q.where('is_public', '=', 0)
  let flavors = (await q.execute()).map(rowToFlavor)
  const dir = sortDir === 'asc' ? 1 : -1
  flavors.sort((a, b) => dir * compare(a, b, sortKey))

  if (marker !== undefined) {
    const at = await findFlavor(deps.db, marker, viewer)
    if (!at) throw badRequest(`marker [${marker}] not found`)
    flavors = flavors.filter((f) => dir * compare(f, at, sortKey) > 0)
  }
  const page = flavors.slice(0, limit)
  let views: Record<string, unknown>[]
  if (detail) {
    const specs = showsExtraSpecs(deps, req) ? await extraSpecsOf(deps.db, page.map((f) => f.flavorid)) : undefined
    views = page.map((f) => flavorView(req, f, specs?.get(f.flavorid)))
  } else {
    views = page.map((f) => briefView(req, f))
  }
  const body: Record<string, unknown> = { flavors: views }
  const links = nextLinks(req, detail ? 'flavors/detail' : 'flavors', page.length, limit, page.at(-1)?.flavorid)
  if (links) body.flavors_links = links
  return { status: 200, body }
}

async function showFlavor(deps: ComputeApiDeps, req: ComputeRequest) {
  return viewWithSpecs(deps, req, await flavorForCaller(deps, req, req.params.flavor_id))
}

type CreateBody = {
  flavor: {
    name: string
    id?: string | number | null
    ram: number | string
    vcpus: number | string
    disk: number | string
    'OS-FLV-EXT-DATA:ephemeral'?: number | string
    swap?: number | string
    rxtx_factor?: number | string
    'os-flavor-access:is_public'?: boolean | string
    description?: string | null
  }
}

const MAX_INT = 0x7fffffff

/** Nova's validate_integer for strings the schema let through ("ram must be >= 1"). */
function flavorInt(value: number | string | undefined, name: string, min: number, fallback = 0): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n)) throw badRequest(`Invalid input received: ${name} must be an integer`)
  if (n < min) throw badRequest(`Invalid input received: ${name} must be >= ${min}`)
  if (n > MAX_INT) throw badRequest(`Invalid input received: ${name} must be <= ${MAX_INT}`)
  return n
}

async function createFlavor(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-flavor-manage:create')
  const f = (req.body as CreateBody).flavor
  const v = versionOf(req)
  if (f.description !== undefined && !atLeast(v, '2.55')) {
    throw badRequest("Invalid input for field/attribute flavor. Additional properties are not allowed ('description' was unexpected)")
  }
  const name = f.name.trim()
  const flavorid = f.id === undefined || f.id === null || f.id === '' ? randomUUID() : String(f.id)
  const rxtx = Number(f.rxtx_factor ?? 1)
  if (!(rxtx > 0 && rxtx <= 3.40282e38)) throw badRequest("Invalid input received: 'rxtx_factor' argument must be a float between 0 and 3.40282e+38")
  const values = {
    flavorid, name,
    memory_mb: flavorInt(f.ram, 'ram', 1), vcpus: flavorInt(f.vcpus, 'vcpus', 1), root_gb: flavorInt(f.disk, 'disk', 0),
    ephemeral_gb: flavorInt(f['OS-FLV-EXT-DATA:ephemeral'], 'ephemeral', 0), swap: flavorInt(f.swap, 'swap', 0),
    rxtx_factor: rxtx, is_public: f['os-flavor-access:is_public'] === undefined ? 1 : strictBool(String(f['os-flavor-access:is_public'])) ? 1 : 0,
    disabled: 0, description: f.description ?? null, created_at: nowIso(), updated_at: null,
  }
  const duplicate = async () => {
    if (await deps.db.selectFrom('flavors').select('flavorid').where('flavorid', '=', flavorid).executeTakeFirst()) {
      return conflict(`Flavor with ID ${flavorid} already exists.`)
    }
    if (await deps.db.selectFrom('flavors').select('flavorid').where('name', '=', name).executeTakeFirst()) {
      return conflict(`Flavor with name ${name} already exists.`)
    }
    return undefined
  }
  const known = await duplicate()
  if (known) throw known
  try {
    await deps.db.insertInto('flavors').values(values).execute()
  } catch (err) {
    if (isUniqueViolation(err)) throw (await duplicate()) ?? conflict(`Flavor with name ${name} already exists.`)
    throw err
  }
  deps.log.info(`created flavor ${name}`, { request_id: req.requestId, flavor: flavorid })
  const flavor = (await findFlavor(deps.db, flavorid))!
  return { status: 200, body: { flavor: flavorView(req, flavor, showsExtraSpecs(deps, req) ? {} : undefined) } }
}

async function updateFlavor(deps: ComputeApiDeps, req: ComputeRequest) {
  if (!atLeast(versionOf(req), '2.55')) throw notFound('The resource could not be found.')
  authorize(deps, req, 'os-flavor-manage:update')
  const id = req.params.flavor_id
  const description = (req.body as { flavor: { description: string | null } }).flavor.description
  const r = await deps.db.updateTable('flavors').set({ description, updated_at: nowIso() }).where('flavorid', '=', id).executeTakeFirst()
  if (Number(r.numUpdatedRows) === 0) throw flavorNotFound(id)
  return viewWithSpecs(deps, req, (await findFlavor(deps.db, id))!)
}

async function deleteFlavor(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-flavor-manage:delete')
  const id = req.params.flavor_id
  const deleted = await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('flavor_extra_specs').where('flavorid', '=', id).execute()
    await trx.deleteFrom('flavor_projects').where('flavorid', '=', id).execute()
    const r = await trx.deleteFrom('flavors').where('flavorid', '=', id).executeTakeFirst()
    return Number(r.numDeletedRows)
  })
  if (!deleted) throw flavorNotFound(id)
  deps.log.info('deleted flavor', { request_id: req.requestId, flavor: id })
  return { status: 202 }
}
