/** GET /resource_providers/{uuid}/usages and GET /usages (1.9; grouped by consumer type from 1.38). */
import { PlacementBadRequest } from '../../errors.ts'
import { projectUsages, providerUsages } from '../../db/usages.ts'
import { atLeast, checkQueryKeys, enforce, json, providerOrNotFound, queryValue, type PlacementDeps, type PlacementRequest, type PlacementRoute } from '../context.ts'

async function forProvider(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:resource_providers:usages')
  const uuid = req.params.uuid
  const p = await providerOrNotFound(deps, uuid, `No resource provider with uuid ${uuid} found`)
  return json(req, { resource_provider_generation: p.generation, usages: await providerUsages(deps.db, p.id, deps.names.classes) })
}

const TYPE_PATTERN = /^[A-Z0-9_]+$|^all$|^unknown$/

async function total(deps: PlacementDeps, req: PlacementRequest) {
  const projectId = queryValue(req, 'project_id')
  enforce(deps, req, 'placement:usages', { project_id: projectId })
  const byType = atLeast(req, 38)
  checkQueryKeys(req, ['project_id', 'user_id', ...(byType ? ['consumer_type'] : [])])
  if (projectId === undefined) throw new PlacementBadRequest("Invalid query string parameters: 'project_id' is a required property")
  for (const key of ['project_id', 'user_id', 'consumer_type']) {
    const v = queryValue(req, key)
    if (v !== undefined && (v.length < 1 || v.length > 255)) throw new PlacementBadRequest(`Invalid query string parameters: '${v}' is too ${v.length < 1 ? 'short' : 'long'}`)
  }
  const consumerType = queryValue(req, 'consumer_type')
  if (consumerType !== undefined && !TYPE_PATTERN.test(consumerType)) {
    throw new PlacementBadRequest(`Invalid query string parameters: '${consumerType}' does not match '^[A-Z0-9_]+$|^all|^unknown$'`)
  }
  const { rows, consumers } = await projectUsages(deps.db, projectId, queryValue(req, 'user_id') || undefined, deps.names.classes)
  if (!byType) {
    const usages: Record<string, number> = {}
    for (const r of rows) usages[r.resourceClass] = (usages[r.resourceClass] ?? 0) + r.used
    return json(req, { usages })
  }
  const keyOf = (t: string | null): string | undefined => {
    if (consumerType === 'all') return 'all'
    const name = t ?? 'unknown'
    if (consumerType !== undefined && consumerType !== name) return undefined
    return name
  }
  const usages: Record<string, Record<string, number>> = {}
  for (const r of rows) {
    const k = keyOf(r.consumerType)
    if (k === undefined) continue
    usages[k] ??= {}
    usages[k][r.resourceClass] = (usages[k][r.resourceClass] ?? 0) + r.used
  }
  for (const [k, u] of Object.entries(usages)) {
    u.consumer_count = new Set(consumers.filter((c) => keyOf(c.consumerType) === k).map((c) => c.uuid)).size
  }
  return json(req, { usages })
}

export const usageRoutes: PlacementRoute[] = [
  ['GET', '/resource_providers/:uuid/usages', forProvider],
  ['GET', '/usages', total, { minMinor: 9 }],
]
