/**
 * POST /reshaper (1.30): a provider tree's inventories and the allocations against them changed
 * in one transaction (moving VGPUs from a compute node to child providers, say). Inventory is
 * first widened (new classes added, changed ones set), then the allocations are replaced, then
 * the inventory is narrowed to what was asked, so allocations can move between providers without
 * ever sitting on inventory that is gone.
 */
import { errorCodes, PlacementBadRequest, PlacementConflict } from '../../errors.ts'
import { writeAllocations, type ConsumerWrite } from '../../db/allocation-writes.ts'
import { InventoryInUse, PlacementRefusal, ProviderGenerationConflict } from '../../db/conflicts.ts'
import { capacityOf, inventoryDefaults, replaceInventories, type InventoryFields } from '../../db/inventories.ts'
import { findProvider, findProvidersByUuid } from '../../db/providers.ts'
import { inTransaction, type Trx } from '../../db/transaction.ts'
import { atLeast, enforce, jsonBody, minorOf, noContent, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'
import { reshaperSchema } from '../allocation-schemas.ts'
import { allocationRefusal, toWrite, type DictBody } from './allocations.ts'
import { canonicalUuid } from './resource-providers.ts'

type Body = {
  inventories: Record<string, { resource_provider_generation: number; inventories: Record<string, Partial<InventoryFields> & { total: number }> }>
  allocations: Record<string, DictBody>
}

async function reshape(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:reshaper:reshape')
  const body = jsonBody<Body>(req, reshaperSchema(minorOf(req)))
  const found = await findProvidersByUuid(deps.db, Object.keys(body.inventories).map(canonicalUuid))
  const wanted = new Map<string, { generation: number; inventories: Map<number, InventoryFields> }>()
  for (const [raw, data] of Object.entries(body.inventories)) {
    const uuid = canonicalUuid(raw)
    const p = found.get(uuid)
    if (!p) {
      throw new PlacementBadRequest(`Resource provider ${uuid} in inventories not found: No resource provider with uuid ${uuid} found`, errorCodes.providerNotFound)
    }
    if (p.generation !== data.resource_provider_generation) {
      throw new PlacementConflict(
        `resource provider generation conflict for provider ${uuid}: actual: ${p.generation}, given: ${data.resource_provider_generation}`,
        errorCodes.concurrentUpdate,
      )
    }
    const names = Object.keys(data.inventories)
    const ids = await deps.names.classes.ids(names)
    const unknown = names.filter((n) => !ids.has(n))
    if (unknown.length) throw new PlacementBadRequest(`malformed reshaper data: No such resource class ${unknown[0]}.`)
    const invs = new Map<number, InventoryFields>()
    for (const [rc, r] of Object.entries(data.inventories)) {
      const f = { ...inventoryDefaults, ...r }
      if (atLeast(req, 26) ? capacityOf(f) < 0 : capacityOf(f) <= 0) {
        throw new PlacementBadRequest(`Unable to update inventory for resource provider ${uuid}: Invalid inventory for '${rc}' on resource provider '${uuid}'. The reserved value is greater than total.`)
      }
      invs.set(ids.get(rc)!, f)
    }
    wanted.set(uuid, { generation: p.generation, inventories: invs })
  }
  const writes: ConsumerWrite[] = []
  for (const [consumer, data] of Object.entries(body.allocations)) writes.push(await toWrite(deps, req, canonicalUuid(consumer), data))
  try {
    await inTransaction(deps.db, async (trx) => {
      // 1. Widen: what is asked, plus every class still there (it may hold allocations that are about to move).
      for (const [uuid, w] of wanted) {
        const p = await findProvider(trx, uuid)
        if (!p || p.generation !== w.generation) throw new ProviderGenerationConflict()
        const current = await currentInventories(trx, p.id)
        const widened = new Map(current)
        for (const [rc, f] of w.inventories) widened.set(rc, f)
        await replaceInventories(trx, p, widened, deps.names.classes, deps.log)
      }
      // 2. The allocations, checked against the widened inventory.
      await writeAllocations(trx, writes, deps.names.classes, deps.log)
      // 3. Narrow to exactly what was asked; a class still in use now refuses.
      for (const [uuid, w] of wanted) {
        const p = (await findProvider(trx, uuid))!
        await replaceInventories(trx, p, w.inventories, deps.names.classes, deps.log)
      }
    })
  } catch (err) {
    if (err instanceof ProviderGenerationConflict) throw new PlacementConflict(`update conflict: ${err.message}`, errorCodes.concurrentUpdate)
    if (err instanceof InventoryInUse) throw new PlacementConflict(`update conflict: ${err.message}`, errorCodes.inventoryInUse)
    const mapped = allocationRefusal(err)
    if (mapped === err && err instanceof PlacementRefusal) throw new PlacementBadRequest(`malformed reshaper data: ${err.message}`)
    throw mapped
  }
  return noContent()
}

async function currentInventories(trx: Trx, providerId: number): Promise<Map<number, InventoryFields>> {
  const rows = await trx.selectFrom('inventories').selectAll().where('resource_provider_id', '=', providerId).execute()
  return new Map(rows.map((r) => [Number(r.resource_class_id), {
    total: Number(r.total), reserved: Number(r.reserved), min_unit: Number(r.min_unit), max_unit: Number(r.max_unit),
    step_size: Number(r.step_size), allocation_ratio: Number(r.allocation_ratio),
  }]))
}

export const reshaperRoutes: PlacementRoute[] = [
  ['POST', '/reshaper', reshape, { minMinor: 30 }],
]
