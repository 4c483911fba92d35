/** /traits (1.6): list with name and associated filters, create CUSTOM_*, show, delete; and each provider's trait set. */
import { errorCodes, PlacementBadRequest, PlacementConflict, PlacementNotFound } from '../../errors.ts'
import { ProviderGenerationConflict } from '../../db/conflicts.ts'
import { findProvider } from '../../db/providers.ts'
import { inTransaction } from '../../db/transaction.ts'
import { createTrait, deleteTrait, findTrait, listTraits, providerTraits, setProviderTraits, traitInUse, type TraitFilter } from '../../db/traits.ts'
import { standardTraits } from '../../standard-traits.ts'
import {
  checkQueryKeys, enforce, json, jsonBody, newest, noContent, providerOrNotFound, queryValue, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'

const CUSTOM = /^CUSTOM_[A-Z0-9_]+$/
const setSchema = {
  type: 'object', additionalProperties: false, required: ['traits', 'resource_provider_generation'],
  properties: { traits: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 } }, resource_provider_generation: { type: 'integer' } },
}

async function list(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:traits:list')
  checkQueryKeys(req, ['name', 'associated'])
  const f: TraitFilter = {}
  const name = queryValue(req, 'name')
  if (name !== undefined) {
    const i = name.indexOf(':')
    if (i < 0) {
      throw new PlacementBadRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`)
    }
    const [op, value] = [name.slice(0, i), name.slice(i + 1)]
    if (op === 'in') f.nameIn = value.split(',')
    else if (op === 'startswith') f.prefix = value
  }
  const associated = queryValue(req, 'associated')
  if (associated !== undefined) {
    if (!['true', 'false'].includes(associated.toLowerCase())) throw new PlacementBadRequest('The query parameter "associated" only accepts "true" or "false"')
    f.associated = associated.toLowerCase() === 'true'
  }
  const traits = await listTraits(deps.db, f)
  return json(req, { traits: traits.map((t) => t.name) }, { modified: newest(...traits.map((t) => t.updated_at)) })
}

async function put(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:traits:update')
  const name = req.params.name
  if (!CUSTOM.test(name) || name.length > 255) {
    throw new PlacementBadRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"')
  }
  let created = false
  if (!(await findTrait(deps.db, name))) created = await createTrait(deps.db, name)
  if (created) deps.names.traits.invalidate()
  const t = (await findTrait(deps.db, name))!
  const res = json(req, undefined, { status: created ? 201 : 204, modified: t.created_at })
  delete res.headers!['content-type']
  res.headers!.location = `/traits/${name}`
  return res
}

async function show(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:traits:show')
  const t = await findTrait(deps.db, req.params.name)
  if (!t) throw new PlacementNotFound(`No such trait(s): ${req.params.name}.`)
  const res = json(req, undefined, { status: 204, modified: t.created_at })
  delete res.headers!['content-type']
  return res
}

async function remove(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:traits:delete')
  const name = req.params.name
  const t = await findTrait(deps.db, name)
  if (!t) throw new PlacementNotFound(`No such trait(s): ${name}.`)
  if (standardTraits.includes(name) || !name.startsWith('CUSTOM_')) throw new PlacementBadRequest(`Cannot delete standard trait ${name}.`)
  if (await traitInUse(deps.db, t.id)) throw new PlacementConflict(`The trait ${name} is in use by a resource provider.`)
  await deleteTrait(deps.db, t.id)
  deps.names.traits.invalidate()
  return noContent()
}

async function providerList(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:traits:list')
  const p = await providerOrNotFound(deps, req.params.uuid, `No resource provider with uuid ${req.params.uuid} found: No resource provider with uuid ${req.params.uuid} found`)
  const traits = await providerTraits(deps.db, p.id)
  return json(req, { traits: traits.map((t) => t.name), resource_provider_generation: p.generation }, { modified: newest(...traits.map((t) => t.updated_at)) })
}

const staleGeneration = () => new PlacementConflict("Resource provider's generation already changed. Please update the generation and try again.", errorCodes.concurrentUpdate)

async function providerSet(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:traits:update')
  const body = jsonBody<{ traits: string[]; resource_provider_generation: number }>(req, setSchema)
  const p = await providerOrNotFound(deps, req.params.uuid)
  if (p.generation !== body.resource_provider_generation) throw staleGeneration()
  const wanted = [...new Set(body.traits)]
  const ids = await deps.names.traits.ids(wanted)
  const missing = wanted.filter((n) => !ids.has(n))
  if (missing.length) throw new PlacementBadRequest(`No such trait ${missing.join(', ')}`)
  let generation: number
  try {
    generation = await inTransaction(deps.db, async (trx) => {
      const fresh = await findProvider(trx, p.uuid)
      if (!fresh || fresh.generation !== body.resource_provider_generation) throw new ProviderGenerationConflict()
      return setProviderTraits(trx, fresh, [...ids.values()])
    })
  } catch (err) {
    if (err instanceof ProviderGenerationConflict) throw staleGeneration()
    throw err
  }
  const traits = await listTraits(deps.db, { nameIn: wanted })
  return json(req, { traits: traits.map((t) => t.name), resource_provider_generation: generation }, { modified: newest(...traits.map((t) => t.updated_at)) })
}

async function providerClear(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:traits:delete')
  const p = await providerOrNotFound(deps, req.params.uuid)
  try {
    await inTransaction(deps.db, async (trx) => {
      const fresh = await findProvider(trx, p.uuid)
      if (!fresh) throw new ProviderGenerationConflict()
      await setProviderTraits(trx, fresh, [])
    })
  } catch (err) {
    if (err instanceof ProviderGenerationConflict) throw new PlacementConflict(err.message, errorCodes.concurrentUpdate)
    throw err
  }
  return noContent()
}

export const traitRoutes: PlacementRoute[] = [
  ['GET', '/traits', list, { minMinor: 6 }],
  ['GET', '/traits/:name', show, { minMinor: 6 }],
  ['PUT', '/traits/:name', put, { minMinor: 6, changes: 'none' }],
  ['DELETE', '/traits/:name', remove, { minMinor: 6, changes: 'none' }],
  ['GET', '/resource_providers/:uuid/traits', providerList, { minMinor: 6 }],
  ['PUT', '/resource_providers/:uuid/traits', providerSet, { minMinor: 6, changes: 'provider' }],
  ['DELETE', '/resource_providers/:uuid/traits', providerClear, { minMinor: 6, changes: 'provider' }],
]
