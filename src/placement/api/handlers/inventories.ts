/** /resource_providers/{uuid}/inventories: the whole set (GET, PUT, DELETE 1.5) and one class at a time (POST, GET, PUT, DELETE). */
import { errorCodes, PlacementBadRequest, PlacementConflict, PlacementNotFound } from '../../errors.ts'
import { InventoryInUse, ProviderGenerationConflict } from '../../db/conflicts.ts'
import { capacityOf, getInventories, inventoryDefaults, MAX_INT, replaceInventories, type Inventory, type InventoryFields } from '../../db/inventories.ts'
import { findProvider, type Provider } from '../../db/providers.ts'
import { inTransaction } from '../../db/transaction.ts'
import {
  atLeast, enforce, json, jsonBody, newest, noContent, providerOrNotFound, providerPath, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'

const RC_PATTERN = '^[A-Z0-9_]+$'
const SQL_SP_FLOAT_MAX = 3.40282e+38
const intField = (minimum: number) => ({ type: 'integer', maximum: MAX_INT, minimum })
const recordProps = {
  total: intField(1), reserved: intField(0), min_unit: intField(1), max_unit: intField(1), step_size: intField(1),
  allocation_ratio: { type: 'number', maximum: SQL_SP_FLOAT_MAX },
}
const generation = { resource_provider_generation: { type: 'integer' } }
const record = { type: 'object', additionalProperties: false, required: ['total'], properties: { ...generation, ...recordProps } }
const putAllSchema = {
  type: 'object', additionalProperties: false, required: ['resource_provider_generation', 'inventories'],
  properties: { ...generation, inventories: { type: 'object', patternProperties: { [RC_PATTERN]: record }, additionalProperties: false } },
}
const postSchema = {
  type: 'object', additionalProperties: false, required: ['total', 'resource_class'],
  properties: { ...generation, ...recordProps, resource_class: { type: 'string', pattern: RC_PATTERN } },
}
const putOneSchema = { ...record, required: ['total', 'resource_provider_generation'] }

type RecordBody = Partial<InventoryFields> & { total: number }

const fieldsOf = (r: RecordBody): InventoryFields => ({ ...inventoryDefaults, ...stripGeneration(r) })
function stripGeneration(r: RecordBody & { resource_provider_generation?: number; resource_class?: string }): RecordBody {
  const { resource_provider_generation: _g, resource_class: _c, ...rest } = r
  return rest
}

const render = (i: Inventory) => ({
  total: i.total, reserved: i.reserved, min_unit: i.min_unit, max_unit: i.max_unit, step_size: i.step_size, allocation_ratio: i.allocation_ratio,
})

/** Placement's capacity check: reserved below total (or equal from 1.26). */
function checkCapacity(req: PlacementRequest, p: Provider, rc: string, f: InventoryFields): void {
  const cap = capacityOf(f)
  if (atLeast(req, 26) ? cap < 0 : cap <= 0) {
    const which = atLeast(req, 26) ? 'greater than' : 'greater than or equal to'
    throw new PlacementBadRequest(`Unable to update inventory for resource provider ${p.uuid}: Invalid inventory for '${rc}' on resource provider '${p.uuid}'. The reserved value is ${which} total.`)
  }
}

async function inventoriesOf(deps: PlacementDeps, p: Provider) {
  return getInventories(deps.db, p.id, deps.names.classes)
}

/** Writes `wanted` (class name → fields) as the provider's whole inventory, from generation `gen`. */
async function write(deps: PlacementDeps, req: PlacementRequest, p: Provider, gen: number, wanted: Map<string, InventoryFields>, conflictPrefix = 'update conflict: '): Promise<Provider> {
  const ids = await deps.names.classes.ids(wanted.keys())
  const unknown = [...wanted.keys()].filter((n) => !ids.has(n))
  if (unknown.length) {
    throw new PlacementBadRequest(`Unknown resource class in inventory for resource provider ${p.uuid}: No such resource class ${unknown[0]}.`)
  }
  for (const [rc, f] of wanted) checkCapacity(req, p, rc, f)
  try {
    await inTransaction(deps.db, async (trx) => {
      const fresh = await findProvider(trx, p.uuid)
      if (!fresh || fresh.generation !== gen) throw new ProviderGenerationConflict()
      await replaceInventories(trx, fresh, new Map([...wanted].map(([n, f]) => [ids.get(n)!, f])), deps.names.classes, deps.log)
    })
  } catch (err) {
    if (err instanceof ProviderGenerationConflict) {
      throw new PlacementConflict(`${conflictPrefix}${err.message}`, errorCodes.concurrentUpdate)
    }
    if (err instanceof InventoryInUse) throw new PlacementConflict(`${conflictPrefix}${err.message}`, errorCodes.inventoryInUse)
    throw err
  }
  return (await findProvider(deps.db, p.uuid))!
}

async function listAll(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:list')
  const p = await providerOrNotFound(deps, req.params.uuid, `No resource provider with uuid ${req.params.uuid} found : Resource provider ${req.params.uuid} could not be found.`)
  return sendAll(deps, req, p)
}

async function sendAll(deps: PlacementDeps, req: PlacementRequest, p: Provider) {
  const invs = await inventoriesOf(deps, p)
  return json(req, {
    resource_provider_generation: p.generation, inventories: Object.fromEntries(invs.map((i) => [i.resource_class, render(i)])),
  }, { modified: newest(...invs.map((i) => i.updated_at)) })
}

async function putAll(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:update')
  const p = await providerOrNotFound(deps, req.params.uuid)
  const body = jsonBody<{ resource_provider_generation: number; inventories: Record<string, RecordBody> }>(req, putAllSchema)
  if (body.resource_provider_generation !== p.generation) {
    throw new PlacementConflict('resource provider generation conflict', errorCodes.concurrentUpdate)
  }
  const wanted = new Map(Object.entries(body.inventories).map(([rc, r]) => [rc, fieldsOf(r)]))
  return sendAll(deps, req, await write(deps, req, p, body.resource_provider_generation, wanted))
}

async function deleteAll(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:delete')
  const p = await providerOrNotFound(deps, req.params.uuid)
  try {
    await write(deps, req, p, p.generation, new Map(), '')
  } catch (err) {
    if (err instanceof PlacementConflict && err.code === errorCodes.concurrentUpdate) {
      throw new PlacementConflict('Unable to delete inventory for resource provider ' + p.uuid + ' because the inventory was updated by another process. Please retry your request.', errorCodes.concurrentUpdate)
    }
    throw err
  }
  return noContent()
}

const current = async (deps: PlacementDeps, p: Provider) =>
  new Map((await inventoriesOf(deps, p)).map((i) => [i.resource_class, i as InventoryFields & { updated_at: string }]))

async function createOne(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:create')
  const p = await providerOrNotFound(deps, req.params.uuid)
  const body = jsonBody<RecordBody & { resource_class: string }>(req, postSchema)
  const have = await current(deps, p)
  if (have.has(body.resource_class)) {
    throw new PlacementConflict(`Update conflict: Inventory for ${body.resource_class} on resource provider ${p.uuid} already exists.`, errorCodes.concurrentUpdate)
  }
  const wanted = new Map([...have].map(([rc, i]) => [rc, pick(i)]))
  wanted.set(body.resource_class, fieldsOf(body))
  const after = await write(deps, req, p, p.generation, wanted, 'Update conflict: ')
  const res = await sendOne(deps, req, after, body.resource_class, 201)
  res.headers = { ...res.headers, location: `${providerPath(p.uuid)}/inventories/${body.resource_class}` }
  return res
}

const pick = (i: InventoryFields): InventoryFields => ({
  total: i.total, reserved: i.reserved, min_unit: i.min_unit, max_unit: i.max_unit, step_size: i.step_size, allocation_ratio: i.allocation_ratio,
})

async function sendOne(deps: PlacementDeps, req: PlacementRequest, p: Provider, rc: string, status = 200) {
  const inv = (await inventoriesOf(deps, p)).find((i) => i.resource_class === rc)
  if (!inv) throw new PlacementNotFound(`No inventory of class ${rc} for ${p.uuid}`)
  return json(req, { resource_provider_generation: p.generation, ...render(inv) }, { status, modified: inv.updated_at })
}

async function showOne(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:show')
  const p = await providerOrNotFound(deps, req.params.uuid)
  return sendOne(deps, req, p, req.params.resource_class)
}

async function putOne(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:update')
  const p = await providerOrNotFound(deps, req.params.uuid)
  const rc = req.params.resource_class
  const body = jsonBody<RecordBody & { resource_provider_generation: number }>(req, putOneSchema)
  if (body.resource_provider_generation !== p.generation) {
    throw new PlacementConflict('resource provider generation conflict', errorCodes.concurrentUpdate)
  }
  const have = await current(deps, p)
  // Before 1.26 only an existing class could be PUT; placement has always answered 400 for a new one here.
  if (!have.has(rc)) throw new PlacementBadRequest(`No inventory record with resource class for resource provider ${p.uuid}: No inventory of class ${rc} found.`)
  const wanted = new Map([...have].map(([n, i]) => [n, pick(i)]))
  wanted.set(rc, fieldsOf(body))
  return sendOne(deps, req, await write(deps, req, p, body.resource_provider_generation, wanted), rc)
}

async function deleteOne(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:inventories:delete')
  const p = await providerOrNotFound(deps, req.params.uuid)
  const rc = req.params.resource_class
  const have = await current(deps, p)
  if (!have.has(rc)) throw new PlacementNotFound(`No inventory of class ${rc} found for delete: No inventory of class ${rc} found.`)
  const wanted = new Map([...have].filter(([n]) => n !== rc).map(([n, i]) => [n, pick(i)]))
  await write(deps, req, p, p.generation, wanted, `Unable to delete inventory of class ${rc}: `)
  return noContent()
}

export const inventoryRoutes: PlacementRoute[] = [
  ['GET', '/resource_providers/:uuid/inventories', listAll],
  ['PUT', '/resource_providers/:uuid/inventories', putAll, { changes: 'provider' }],
  ['POST', '/resource_providers/:uuid/inventories', createOne, { changes: 'provider' }],
  ['DELETE', '/resource_providers/:uuid/inventories', deleteAll, { minMinor: 5, tooOldIs405: true, changes: 'provider' }],
  ['GET', '/resource_providers/:uuid/inventories/:resource_class', showOne],
  ['PUT', '/resource_providers/:uuid/inventories/:resource_class', putOne, { changes: 'provider' }],
  ['DELETE', '/resource_providers/:uuid/inventories/:resource_class', deleteOne, { changes: 'provider' }],
]
