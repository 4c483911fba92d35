/**
 * Which quota resources os-quota-sets and os-quota-class-sets show and take at a microversion,
 * and the check of their PUT bodies (nova/api/openstack/compute/schemas/quota_sets.py and
 * quota_classes.py), worded as Nova's JSON-schema errors.
 */
import { QUOTA_RESOURCES, type QuotaResource, type QuotaValues } from '../../db/quotas.ts'
import { badRequest } from '../../errors.ts'
import { looseBool } from '../list-query.ts'
import { atLeast, type Microversion } from '../microversion.ts'

const NOVA_NETWORK: readonly QuotaResource[] = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules']
const PERSONALITY: readonly QuotaResource[] = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes']
const SERVER_GROUPS: readonly QuotaResource[] = ['server_groups', 'server_group_members']

const without = (drop: readonly QuotaResource[]) => (r: QuotaResource) => !drop.includes(r)

/** os-quota-sets: 2.36 drops nova-network's resources, 2.57 the personality files'. */
export function quotaSetResources(v: Microversion): QuotaResource[] {
  let rs = [...QUOTA_RESOURCES]
  if (atLeast(v, '2.36')) rs = rs.filter(without(NOVA_NETWORK))
  if (atLeast(v, '2.57')) rs = rs.filter(without(PERSONALITY))
  return rs
}

/**
 * os-quota-class-sets: nova-network's resources until 2.50, server groups shown only from 2.50
 * (though taken before it), personality files until 2.57.
 */
export function quotaClassResources(v: Microversion, use: 'view' | 'body'): QuotaResource[] {
  let rs = [...QUOTA_RESOURCES]
  if (atLeast(v, '2.50')) rs = rs.filter(without(NOVA_NETWORK))
  else if (use === 'view') rs = rs.filter(without(SERVER_GROUPS))
  if (atLeast(v, '2.57')) rs = rs.filter(without(PERSONALITY))
  return rs
}

/** Python's repr() of a JSON value, as Nova's validation messages embed it. */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replaceAll("'", "\\'")}'`
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`
}

const invalid = (field: string, value: unknown, why: string) =>
  badRequest(`Invalid input for field/attribute ${field}. Value: ${typeof value === 'string' ? value : pyRepr(value)}. ${why}`)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const MAX_INT = 0x7fffffff
const QUOTA_PATTERN = /^-?[0-9]+$/

/** One limit: an integer or a string of one, from -1 (unlimited) to the database's MAX_INT. */
function quotaValue(resource: string, v: unknown): number {
  if (!((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'string')) {
    throw invalid(resource, v, `${pyRepr(v)} is not of type 'integer', 'string'`)
  }
  if (typeof v === 'string' && !QUOTA_PATTERN.test(v)) throw invalid(resource, v, `${pyRepr(v)} does not match '^-?[0-9]+$'`)
  const n = Number(v)
  if (n < -1) throw invalid(resource, v, `${n} is less than the minimum of -1`)
  if (n > MAX_INT) throw invalid(resource, v, `${n} is greater than the maximum of ${MAX_INT}`)
  return n
}

const BOOLEANS = [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']

function forceValue(v: unknown): boolean {
  if (typeof v !== 'boolean' && typeof v !== 'string') throw invalid('force', v, `${pyRepr(v)} is not of type 'boolean', 'string'`)
  if (!BOOLEANS.includes(v)) throw invalid('force', v, `${pyRepr(v)} is not one of ${pyRepr(BOOLEANS)}`)
  return typeof v === 'boolean' ? v : looseBool(v)
}

export type QuotaBody = { values: Partial<QuotaValues>; force: boolean }

/**
 * Checks `{"<wrapper>": {resource: limit, ...}}` as Nova's schema does: only `allowed`
 * resources (and `force` where `allowForce`), each an integer (or a string of one) >= -1.
 * Values keep the body's order, as Nova checks them in it.
 */
export function parseQuotaBody(body: unknown, wrapper: 'quota_set' | 'quota_class_set', allowed: readonly QuotaResource[], allowForce: boolean): QuotaBody {
  if (!isObject(body)) throw badRequest(`${pyRepr(body)} is not of type 'object'`)
  const set = body[wrapper]
  if (set !== undefined) {
    if (!isObject(set)) throw invalid(wrapper, set, `${pyRepr(set)} is not of type 'object'`)
    const values: Partial<QuotaValues> = {}
    let force = false
    for (const [key, v] of Object.entries(set)) {
      if (key === 'force' && allowForce) force = forceValue(v)
      else if ((allowed as readonly string[]).includes(key)) values[key as QuotaResource] = quotaValue(key, v)
    }
    const unknown = Object.keys(set).filter((k) => !(allowed as readonly string[]).includes(k) && !(k === 'force' && allowForce))
    if (unknown.length) {
      const list = unknown.map((k) => `'${k}'`).join(', ')
      throw invalid(wrapper, set, `Additional properties are not allowed (${list} ${unknown.length > 1 ? 'were' : 'was'} unexpected)`)
    }
    const extra = Object.keys(body).filter((k) => k !== wrapper)
    if (extra.length) throw badRequest(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`)
    return { values, force }
  }
  throw badRequest(`'${wrapper}' is a required property`)
}
