/**
 * /flavors/{id}/os-extra_specs: list, set (merge), update one key, show one key, delete one key.
 * From 2.86 the values of the extra specs Nova knows are validated.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { extraSpecsOf, setExtraSpecs } from '../../db/flavors.ts'
import { badRequest, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { createExtraSpecsSchema, updateExtraSpecSchema } from '../schemas/flavor-extra-specs.ts'
import { flavorForCaller } from './flavors.ts'

export function flavorExtraSpecsRoutes(deps: ComputeApiDeps): Route[] {
  const base = '/flavors/:flavor_id/os-extra_specs'
  return [
    route('GET', base, async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-extra-specs:index')
      return { status: 200, body: { extra_specs: await specsOf(deps, req) } }
    }),
    route('POST', base, async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-extra-specs:create')
      const specs = (req.body as { extra_specs: Record<string, string | number> }).extra_specs
      checkValues(req, specs)
      const f = await flavorForCaller(deps, req, req.params.flavor_id)
      await setExtraSpecs(deps.db, f.flavorid, stringify(specs))
      return { status: 200, body: req.body }
    }, { body: createExtraSpecsSchema }),
    route('GET', `${base}/:key`, async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-extra-specs:show')
      const specs = await specsOf(deps, req)
      const key = req.params.key
      if (!Object.hasOwn(specs, key)) throw noSuchKey(req.params.flavor_id, key)
      return { status: 200, body: { [key]: specs[key] } }
    }),
    route('PUT', `${base}/:key`, async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-extra-specs:update')
      const body = req.body as Record<string, string | number>
      checkValues(req, body)
      if (!Object.hasOwn(body, req.params.key)) throw badRequest('Request body and URI mismatch')
      const f = await flavorForCaller(deps, req, req.params.flavor_id)
      await setExtraSpecs(deps.db, f.flavorid, stringify(body))
      return { status: 200, body }
    }, { body: updateExtraSpecSchema }),
    route('DELETE', `${base}/:key`, async (req: ComputeRequest) => {
      authorize(deps, req, 'os-flavor-extra-specs:delete')
      const f = await flavorForCaller(deps, req, req.params.flavor_id)
      const r = await deps.db.deleteFrom('flavor_extra_specs').where('flavorid', '=', f.flavorid).where('key', '=', req.params.key).executeTakeFirst()
      if (Number(r.numDeletedRows) === 0) throw noSuchKey(f.flavorid, req.params.key)
      return { status: 200 }
    }),
  ]
}

const noSuchKey = (flavorId: string, key: string) => notFound(`Flavor ${flavorId} has no extra specs with key ${key}.`)

async function specsOf(deps: ComputeApiDeps, req: ComputeRequest): Promise<Record<string, string>> {
  const f = await flavorForCaller(deps, req, req.params.flavor_id)
  return (await extraSpecsOf(deps.db, [f.flavorid])).get(f.flavorid)!
}

const stringify = (specs: Record<string, string | number>) => Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)]))

/** Values of well-known extra specs (a subset of nova/api/validation/extra_specs), checked from 2.86. */
const KNOWN: Record<string, { enum?: string[]; min?: number; pattern?: RegExp }> = {
  'hw:cpu_policy': { enum: ['dedicated', 'shared', 'mixed'] },
  'hw:cpu_thread_policy': { enum: ['prefer', 'isolate', 'require'] },
  'hw:emulator_threads_policy': { enum: ['share', 'isolate'] },
  'hw:numa_nodes': { min: 1 },
  'hw:cpu_sockets': { min: 1 },
  'hw:cpu_cores': { min: 1 },
  'hw:cpu_threads': { min: 1 },
  'hw:cpu_max_sockets': { min: 1 },
  'hw:cpu_max_cores': { min: 1 },
  'hw:cpu_max_threads': { min: 1 },
  'hw:mem_page_size': { pattern: /^(large|small|any|\d+([kKmMgGtT]i?[bB]?)?)$/ },
  'hw:watchdog_action': { enum: ['none', 'pause', 'poweroff', 'reset', 'disabled'] },
  'hw:boot_menu': { enum: ['true', 'false', 'True', 'False', '1', '0', 'yes', 'no'] },
  'hw_rng:allowed': { enum: ['true', 'false', 'True', 'False', '1', '0', 'yes', 'no'] },
  'hw_rng:rate_bytes': { min: 0 },
  'hw_rng:rate_period': { min: 0 },
  'hw_video:ram_max_mb': { min: 0 },
}

function checkValues(req: ComputeRequest, specs: Record<string, string | number>): void {
  for (const [key, raw] of Object.entries(specs)) {
    const value = String(raw)
    if (typeof raw === 'number' && value.length > 255) throw badRequest('Invalid input received: extra_specs value has more than 255 characters.')
    if (!atLeast(versionOf(req), '2.86')) continue
    const rule = KNOWN[key]
    if (!rule) continue
    const fail = (why: string) => badRequest(`Validation failed; '${value}' is not valid for '${key}': ${why}`)
    if (rule.enum && !rule.enum.includes(value)) throw fail(`must be one of ${rule.enum.join(', ')}`)
    if (rule.min !== undefined && (!/^\d+$/.test(value) || Number(value) < rule.min)) throw fail(`must be an integer of at least ${rule.min}`)
    if (rule.pattern && !rule.pattern.test(value)) throw fail(`must match ${rule.pattern.source}`)
  }
}
