/** /resource_providers/{uuid}/aggregates (1.1): a provider's aggregate set; from 1.19 under its generation. */
import { errorCodes, PlacementConflict } from '../../errors.ts'
import { providerAggregates, setProviderAggregates } from '../../db/aggregates.ts'
import { ProviderGenerationConflict } from '../../db/conflicts.ts'
import { findProvider } from '../../db/providers.ts'
import { inTransaction } from '../../db/transaction.ts'
import { atLeast, enforce, json, jsonBody, providerOrNotFound, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'

const uuids = { type: 'array', uniqueItems: true, items: { type: 'string', format: 'uuid' } }
const schemaV1_19 = {
  type: 'object', additionalProperties: false, required: ['aggregates', 'resource_provider_generation'],
  properties: { aggregates: uuids, resource_provider_generation: { type: 'integer' } },
}

function send(req: PlacementRequest, aggregates: string[], generation: number) {
  return json(req, { aggregates, ...(atLeast(req, 19) ? { resource_provider_generation: generation } : {}) })
}

async function list(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:aggregates:list')
  const p = await providerOrNotFound(deps, req.params.uuid)
  return send(req, await providerAggregates(deps.db, p.id), p.generation)
}

async function update(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:aggregates:update')
  const withGeneration = atLeast(req, 19)
  const p = await providerOrNotFound(deps, req.params.uuid)
  let aggregates: string[]
  if (withGeneration) {
    const body = jsonBody<{ aggregates: string[]; resource_provider_generation: number }>(req, schemaV1_19)
    if (body.resource_provider_generation !== p.generation) {
      throw new PlacementConflict("Resource provider's generation already changed. Please update the generation and try again.", errorCodes.concurrentUpdate)
    }
    aggregates = body.aggregates
  } else {
    aggregates = jsonBody<string[]>(req, uuids)
  }
  let generation: number
  try {
    generation = await inTransaction(deps.db, async (trx) => {
      const fresh = await findProvider(trx, p.uuid)
      if (!fresh || (withGeneration && fresh.generation !== p.generation)) throw new ProviderGenerationConflict()
      return setProviderAggregates(trx, fresh, aggregates, withGeneration)
    })
  } catch (err) {
    if (err instanceof ProviderGenerationConflict) throw new PlacementConflict(`Update conflict: ${err.message}`, errorCodes.concurrentUpdate)
    throw err
  }
  return send(req, aggregates, generation)
}

export const aggregateRoutes: PlacementRoute[] = [
  ['GET', '/resource_providers/:uuid/aggregates', list, { minMinor: 1 }],
  ['PUT', '/resource_providers/:uuid/aggregates', update, { minMinor: 1, changes: 'provider' }],
]
