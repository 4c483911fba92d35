/** /resource_providers: list with filters, create (a tree under a parent from 1.14), show, update (re-parent 1.37), delete. */
import { randomUUID } from 'node:crypto'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { errorCodes, PlacementBadRequest, PlacementConflict, PlacementNotFound } from '../../errors.ts'
import { inTransaction } from '../../db/transaction.ts'
import {
  createProvider, deleteProvider, findProvider, hasAllocations, hasChildren, listProviders, renameProvider, setParent, subtreeIds,
  type Provider, type ProviderFilter,
} from '../../db/providers.ts'
import {
  atLeast, checkQueryKeys, enforce, json, jsonBody, newest, noContent, providerOrNotFound, providerPath, queryValue,
  type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'
import { isUuidLike } from '../json-schema.ts'
import { classIds, parseMemberOf, parseResources, parseTraits, traitIds } from '../query-params.ts'

const uuidOrNull = { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] }
const postSchema = (req: PlacementRequest) => ({
  type: 'object', additionalProperties: false, required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 200 }, uuid: { type: 'string', format: 'uuid' },
    ...(atLeast(req, 14) ? { parent_provider_uuid: uuidOrNull } : {}),
  },
})
const putSchema = (req: PlacementRequest) => ({
  type: 'object', additionalProperties: false, required: ['name'],
  properties: { name: { type: 'string', maxLength: 200 }, ...(atLeast(req, 14) ? { parent_provider_uuid: uuidOrNull } : {}) },
})

/** Canonical UUID text, as Python's str(uuid.UUID(s)) gives it. */
export function canonicalUuid(s: string): string {
  const hex = s.replace(/^(urn:)?(uuid:)?/i, '').replace(/[{}-]/g, '').toLowerCase()
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function renderProvider(req: PlacementRequest, p: Provider): Record<string, unknown> {
  const self = providerPath(p.uuid)
  const rels = ['inventories', 'usages']
  if (atLeast(req, 1)) rels.push('aggregates')
  if (atLeast(req, 6)) rels.push('traits')
  if (atLeast(req, 11)) rels.push('allocations')
  const out: Record<string, unknown> = {
    uuid: p.uuid, name: p.name, generation: p.generation,
    links: [{ rel: 'self', href: self }, ...rels.map((rel) => ({ rel, href: `${self}/${rel}` }))],
  }
  if (atLeast(req, 14)) Object.assign(out, { parent_provider_uuid: p.parent_uuid, root_provider_uuid: p.root_uuid })
  return out
}

async function list(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:list')
  const allowed = ['name', 'uuid']
  if (atLeast(req, 3)) allowed.push('member_of')
  if (atLeast(req, 4)) allowed.push('resources')
  if (atLeast(req, 14)) allowed.push('in_tree')
  if (atLeast(req, 18)) allowed.push('required')
  checkQueryKeys(req, allowed)
  const f: ProviderFilter = {}
  const uuid = queryValue(req, 'uuid')
  if (uuid !== undefined) {
    if (!isUuidLike(uuid)) throw new PlacementBadRequest(`Invalid query string parameters: '${uuid}' is not a 'uuid'`)
    f.uuid = canonicalUuid(uuid)
  }
  const name = queryValue(req, 'name')
  if (name !== undefined) f.name = name
  if (req.query.has('member_of')) {
    const m = parseMemberOf(req, 'member_of')
    f.memberOf = m.required
    f.forbiddenAggregates = m.forbidden
  }
  if (req.query.has('required')) {
    const t = await traitIds(deps.names, parseTraits(req, 'required'))
    f.requiredTraits = t.required
    f.forbiddenTraits = t.forbidden
  }
  const resources = queryValue(req, 'resources')
  if (resources !== undefined) f.resources = await classIds(deps.names, parseResources(resources))
  const inTree = queryValue(req, 'in_tree')
  if (inTree !== undefined) {
    if (!isUuidLike(inTree)) throw new PlacementBadRequest(`Invalid query string parameters: '${inTree}' is not a 'uuid'`)
    const anchor = await findProvider(deps.db, canonicalUuid(inTree))
    if (!anchor) return json(req, { resource_providers: [] })
    f.rootId = anchor.root_id
  }
  const found = await listProviders(deps.db, f)
  return json(req, { resource_providers: found.map((p) => renderProvider(req, p)) }, { modified: newest(...found.map((p) => p.updated_at)) })
}

async function create(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:create')
  const body = jsonBody<{ name: string; uuid?: string; parent_provider_uuid?: string | null }>(req, postSchema(req))
  const uuid = body.uuid ? canonicalUuid(body.uuid) : randomUUID()
  const p = await inTransaction(deps.db, async (trx) => {
    let parent: Provider | undefined
    if (body.parent_provider_uuid) {
      parent = await findProvider(trx, canonicalUuid(body.parent_provider_uuid))
      if (!parent) {
        throw new PlacementBadRequest(`Unable to create resource provider "${body.name}", ${uuid}: Object action create failed because: parent provider UUID does not exist.`)
      }
    }
    return createProvider(trx, uuid, body.name, parent)
  }).catch(async (err) => {
    // The failed insert aborted the transaction on PostgreSQL; tell which column clashed from a fresh read.
    if (isUniqueViolation(err)) {
      const which = (await findProvider(deps.db, uuid)) ? `uuid: ${uuid}` : `name: ${body.name}`
      throw new PlacementConflict(`Conflicting resource provider ${which} already exists.`, errorCodes.duplicateName)
    }
    throw err
  })
  req.ctx.changed = [p.id]
  const location = providerPath(p.uuid)
  if (!atLeast(req, 20)) return { status: 201, headers: { location } }
  return json(req, renderProvider(req, p), { headers: { location }, modified: p.updated_at })
}

async function show(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:show')
  const p = await providerOrNotFound(deps, req.params.uuid)
  return json(req, renderProvider(req, p), { modified: p.updated_at })
}

async function update(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:update')
  const uuid = req.params.uuid
  await providerOrNotFound(deps, uuid)
  const body = jsonBody<{ name: string; parent_provider_uuid?: string | null }>(req, putSchema(req))
  const failed = (reason: string) => new PlacementBadRequest(`Unable to save resource provider ${uuid}: Object action update failed because: ${reason}`)
  try {
    const p = await inTransaction(deps.db, async (trx) => {
      const p = await findProvider(trx, uuid)
      if (!p) throw new PlacementNotFound(`No resource provider with uuid ${uuid} found`)
      if ('parent_provider_uuid' in body) {
        const parentUuid = body.parent_provider_uuid ? canonicalUuid(body.parent_provider_uuid) : null
        if (parentUuid) {
          const parent = await findProvider(trx, parentUuid)
          if (!parent) throw new PlacementBadRequest(`Unable to save resource provider ${uuid}: Object action create failed because: parent provider UUID does not exist.`)
          if (parent.id !== p.parent_id) {
            if (p.parent_id !== null && !atLeast(req, 37)) throw failed('re-parenting a provider is not currently allowed.')
            const subtree = await subtreeIds(trx, p)
            if (subtree.includes(parent.id)) throw failed('creating loop in the provider tree is not allowed.')
            await setParent(trx, p, parent, subtree)
          }
        } else if (p.parent_id !== null) {
          if (!atLeast(req, 37)) throw failed('un-parenting a provider is not currently allowed.')
          await setParent(trx, p, null, await subtreeIds(trx, p))
        }
      }
      if (body.name !== p.name) await renameProvider(trx, p, body.name)
      return (await findProvider(trx, uuid))!
    })
    return json(req, renderProvider(req, p), { modified: p.updated_at })
  } catch (err) {
    if (isUniqueViolation(err)) throw new PlacementConflict(`Conflicting resource provider ${body.name} already exists.`, errorCodes.duplicateName)
    throw err
  }
}

async function remove(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:delete')
  const uuid = req.params.uuid
  await inTransaction(deps.db, async (trx) => {
    const p = await findProvider(trx, uuid)
    if (!p) throw new PlacementNotFound(`No resource provider with uuid ${uuid} found for delete`)
    if (await hasAllocations(trx, p.id)) {
      throw new PlacementConflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, errorCodes.providerInUse)
    }
    if (await hasChildren(trx, p.id)) {
      throw new PlacementConflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, errorCodes.cannotDeleteParent)
    }
    await deleteProvider(trx, p.id)
  })
  return noContent()
}

export const providerRoutes: PlacementRoute[] = [
  ['GET', '/resource_providers', list],
  ['POST', '/resource_providers', create],
  ['GET', '/resource_providers/:uuid', show],
  ['PUT', '/resource_providers/:uuid', update],
  ['DELETE', '/resource_providers/:uuid', remove, { changes: 'provider' }],
]
