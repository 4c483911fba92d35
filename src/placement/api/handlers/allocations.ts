/**
 * /allocations/{consumer} (GET, PUT, DELETE), POST /allocations (1.13: several consumers at once)
 * and GET /resource_providers/{uuid}/allocations. Writes go through allocation-writes.ts, which
 * checks capacity and generations in one transaction.
 */
import { errorCodes, PlacementBadRequest, PlacementConflict, PlacementNotFound } from '../../errors.ts'
import { consumerAllocations, consumerTypeId, deleteConsumerAllocations, providerAllocations } from '../../db/allocations.ts'
import { ConsumerGenerationMismatch, replaceAllocations, type ConsumerWrite } from '../../db/allocation-writes.ts'
import { ConsumerGenerationConflict, InvalidInventory, ProviderGenerationConflict, ProviderNotFound } from '../../db/conflicts.ts'
import { atLeast, enforce, json, jsonBody, minorOf, noContent, providerOrNotFound, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'
import { isUuidLike } from '../json-schema.ts'
import { postAllocationsSchema, putAllocationsSchema } from '../allocation-schemas.ts'
import { canonicalUuid } from './resource-providers.ts'

export type DictBody = {
  allocations: Record<string, { resources: Record<string, number> }>
  project_id?: string
  user_id?: string
  consumer_generation?: number | null
  consumer_type?: string
}
type ListBody = { allocations: Array<{ resource_provider: { uuid: string }; resources: Record<string, number> }>; project_id?: string; user_id?: string }

async function showForConsumer(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:allocations:list')
  const got = await consumerAllocations(deps.db, req.params.consumer_uuid, deps.names.classes)
  const out: Record<string, unknown> = {
    allocations: Object.fromEntries([...got.providers].map(([rp, a]) => [rp, { generation: a.generation, resources: a.resources }])),
  }
  if (got.consumer && atLeast(req, 12)) {
    out.project_id = got.consumer.project_id
    out.user_id = got.consumer.user_id
    if (atLeast(req, 28)) out.consumer_generation = got.consumer.generation
    if (atLeast(req, 38)) out.consumer_type = got.consumer.consumer_type ?? 'unknown'
  }
  return json(req, out, { modified: got.lastModified })
}

async function showForProvider(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:allocations:list')
  const uuid = req.params.uuid
  const p = await providerOrNotFound(deps, uuid, `Resource provider '${uuid}' not found: No resource provider with uuid ${uuid} found`)
  const { consumers, lastModified } = await providerAllocations(deps.db, p.id, deps.names.classes)
  const allocations = Object.fromEntries([...consumers].map(([c, a]) => [c, {
    resources: a.resources, ...(atLeast(req, 28) ? { consumer_generation: a.generation } : {}),
  }]))
  return json(req, { allocations, resource_provider_generation: p.generation }, { modified: lastModified })
}

/** One consumer's body as a write: class names resolved, project/user defaulted before 1.8. */
export async function toWrite(deps: PlacementDeps, req: PlacementRequest, consumer: string, body: DictBody): Promise<ConsumerWrite> {
  const names = [...new Set(Object.values(body.allocations).flatMap((a) => Object.keys(a.resources)))]
  const ids = await deps.names.classes.ids(names)
  const unknown = names.filter((n) => !ids.has(n))
  if (unknown.length) throw new PlacementBadRequest(`Unable to allocate inventory for consumer ${consumer}: No such resource class ${unknown[0]}.`)
  const projectId = body.project_id ?? deps.config.incompleteConsumerProjectId
  const userId = body.project_id === undefined ? deps.config.incompleteConsumerUserId : body.user_id ?? deps.config.incompleteConsumerUserId
  return {
    uuid: consumer, projectId, userId,
    consumerTypeId: atLeast(req, 38) && body.consumer_type ? await consumerTypeId(deps.db, body.consumer_type) : undefined,
    generation: atLeast(req, 28) ? body.consumer_generation ?? null : undefined,
    allocations: Object.entries(body.allocations).map(([rp, a]) => ({
      provider: rp, resources: new Map(Object.entries(a.resources).map(([rc, n]) => [ids.get(rc)!, n])),
    })),
  }
}

/** An allocation write's refusal as placement answers it; other errors pass through. */
export function allocationRefusal(err: unknown): unknown {
  if (err instanceof ConsumerGenerationMismatch) return new PlacementConflict(err.message, errorCodes.concurrentUpdate)
  if (err instanceof ProviderNotFound) return new PlacementBadRequest(`Allocation for resource provider '${err.uuid}' that does not exist.`)
  if (err instanceof InvalidInventory) return new PlacementConflict(`Unable to allocate inventory: ${err.message}`)
  if (err instanceof ProviderGenerationConflict || err instanceof ConsumerGenerationConflict) {
    return new PlacementConflict(`Inventory and/or allocations changed while attempting to allocate: ${err.message}`, errorCodes.concurrentUpdate)
  }
  return err
}

/** Runs the write, reports the providers it touched, and turns its refusals into placement's answers. */
async function write(deps: PlacementDeps, req: PlacementRequest, writes: ConsumerWrite[]): Promise<void> {
  try {
    req.ctx.changed = await replaceAllocations(deps.db, writes, { classes: deps.names.classes, log: deps.log, retries: deps.config.allocationConflictRetryCount })
  } catch (err) {
    // A refused write committed nothing.
    req.ctx.changed = []
    throw allocationRefusal(err)
  }
}

async function putForConsumer(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:allocations:update')
  const raw = req.params.consumer_uuid
  if (!isUuidLike(raw)) throw new PlacementBadRequest(`Malformed consumer_uuid: ${raw}`)
  const consumer = canonicalUuid(raw)
  const minor = minorOf(req)
  let body: DictBody
  if (minor < 12) {
    const list = jsonBody<ListBody>(req, putAllocationsSchema(minor))
    const allocations: DictBody['allocations'] = {}
    for (const a of list.allocations) allocations[a.resource_provider.uuid] = { resources: a.resources }
    body = { allocations, project_id: list.project_id, user_id: list.user_id }
  } else {
    body = jsonBody<DictBody>(req, putAllocationsSchema(minor))
  }
  await write(deps, req, [await toWrite(deps, req, consumer, body)])
  return noContent()
}

async function postMany(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:allocations:manage')
  const body = jsonBody<Record<string, DictBody>>(req, postAllocationsSchema(minorOf(req)))
  const writes: ConsumerWrite[] = []
  for (const [consumer, data] of Object.entries(body)) writes.push(await toWrite(deps, req, canonicalUuid(consumer), data))
  await write(deps, req, writes)
  return noContent()
}

async function deleteForConsumer(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:allocations:delete')
  const consumer = req.params.consumer_uuid
  req.ctx.changed = await deleteConsumerAllocations(deps.db, consumer)
  if (!req.ctx.changed.length) throw new PlacementNotFound(`No allocations for consumer '${consumer}'`)
  return noContent()
}

export const allocationRoutes: PlacementRoute[] = [
  ['GET', '/allocations/:consumer_uuid', showForConsumer],
  ['PUT', '/allocations/:consumer_uuid', putForConsumer],
  ['DELETE', '/allocations/:consumer_uuid', deleteForConsumer],
  ['POST', '/allocations', postMany, { minMinor: 13 }],
  ['GET', '/resource_providers/:uuid/allocations', showForProvider],
]
