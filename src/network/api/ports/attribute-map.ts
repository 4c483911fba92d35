/**
 * @module Neutron's request-body handling (neutron/api/v2/base.py prepare_request_body with
 * neutron-lib's AttributeInfo): resource attribute maps with allow_post/allow_put, defaults,
 * converters and validators, project_id/tenant_id population, unknown-attribute and read-only
 * checks, bulk bodies. Generic: subnets, subnet pools and ports use it; other resources may.
 */
import { badRequest, NeutronError } from '../../errors.ts'
import { validateIpAddress } from '../../ipam/ip-address.ts'
import { can, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'

/** Neutron's ATTR_NOT_SPECIFIED as a default: the attribute stays absent when not given. */
export const NOT_SPECIFIED = Symbol('ATTR_NOT_SPECIFIED')

export type AttrSpec = {
  post?: boolean
  put?: boolean
  /** Filled in on POST when absent; no `default` key means the attribute is required on POST. */
  default?: unknown
  /** Runs before validation; throws InvalidInput (e.g. convert_to_boolean). */
  convert?: (value: unknown) => unknown
  /** The reason the value is invalid, or undefined. */
  validate?: (value: unknown) => string | undefined
}

export type AttrMap = Record<string, AttrSpec>

export type Body = Record<string, unknown>

/** Python's repr(), as Neutron's messages print request data with %s on dicts and lists. */
export function pyRepr(value: unknown, nested = false): string {
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'string') return nested ? `'${value}'` : value
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, true)).join(', ')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `'${k}': ${pyRepr(v, true)}`).join(', ')}}`
  }
  return String(value)
}

const invalidInput = (message: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`)

// ---- converters (neutron_lib/api/converters.py) ----

/** convert_to_boolean (oslo strutils.bool_from_string, strict). */
export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (text !== undefined) {
    if (['1', 't', 'true', 'on', 'y', 'yes'].includes(text)) return true
    if (['0', 'f', 'false', 'off', 'n', 'no'].includes(text)) return false
  }
  throw invalidInput(`'${pyRepr(value)}' cannot be converted to boolean`)
}

/** convert_to_int: Python int() of a number or numeric string. */
export function toInt(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value)
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value)
  throw invalidInput(`'${pyRepr(value)}' is not an integer`)
}

/** convert_none_to_empty_list. */
export const noneToEmptyList = (value: unknown): unknown => (value === null ? [] : value)

// ---- validators (neutron_lib/api/validators) ----

export function validateString(value: unknown, maxLen?: number): string | undefined {
  if (typeof value !== 'string') return `'${pyRepr(value)}' is not a valid string`
  if (maxLen !== undefined && value.length > maxLen) return `'${value}' exceeds maximum length of ${maxLen}`
  return undefined
}

/** validate_name_string: a string of printable characters. */
export function validateName(value: unknown, maxLen = 255): string | undefined {
  const msg = validateString(value, maxLen)
  if (msg) return msg
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value as string)) return `'${String(value)}' is not a valid string`
  return undefined
}

export function validateNotEmptyName(value: unknown, maxLen = 255): string | undefined {
  const msg = validateString(value, maxLen)
  if (msg) return msg
  if (!(value as string).trim()) return `'${String(value)}' Blank strings are not permitted`
  return validateName(value, maxLen)
}

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** oslo uuidutils.is_uuid_like: any spelling that normalises to a UUID. */
export function validateUuid(value: unknown): string | undefined {
  if (typeof value === 'string' && uuidPattern.test(value.replace(/^urn:uuid:|[{}]/g, ''))) return undefined
  return `'${pyRepr(value)}' is not a valid UUID`
}

export const orNone = (v: (value: unknown) => string | undefined) => (value: unknown) => (value === null ? undefined : v(value))

export function validateValues(values: readonly unknown[]) {
  return (value: unknown): string | undefined => (values.includes(value) ? undefined : `${pyRepr(value)} is not in valid_values`)
}

export function validateNonNegative(value: unknown): string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n)) return `'${pyRepr(value)}' is not an integer`
  if (n < 0) return `'${pyRepr(value)}' should be non-negative`
  return undefined
}

export function validateUuidList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `'${pyRepr(value)}' is not a list`
  for (const item of value) {
    const msg = validateUuid(item)
    if (msg) return msg
  }
  if (new Set(value).size !== value.length) return `Duplicate items in the list: '${pyRepr(value)}'`
  return undefined
}

export function validateDictOrNone(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) return `'${pyRepr(value)}' is not a dictionary`
  return undefined
}

export const validateIpOrNone = orNone(validateIpAddress)

/** Tags given when creating a port (tag-ports-during-bulk-creation): unique strings of at most 255 characters, at most 50. */
export function validateTags(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `'${pyRepr(value)}' is not a list`
  for (const tag of value) {
    const msg = validateString(tag, 255)
    if (msg) return msg
  }
  if (new Set(value).size !== value.length) return `Duplicate items in the list: '${pyRepr(value)}'`
  if (value.length > 50) return 'The number of tags exceed the per-resource limit of 50'
  return undefined
}

/** Attributes every resource with standard attributes and an owner shares. */
export const ownerAttrs: AttrMap = {
  tenant_id: { post: true, validate: (v) => validateString(v, 255) },
  project_id: { post: true, validate: (v) => validateString(v, 255) },
  description: { post: true, put: true, default: '', validate: (v) => validateString(v, 255) },
  /** Set through /tags; only ports accept them on POST (see the port attribute map). */
  tags: {},
  created_at: {}, updated_at: {}, revision_number: {},
}

export type PrepareOptions = {
  resource: string
  attrs: AttrMap
  isCreate: boolean
  allowBulk?: boolean
}

/** Whether the caller may create resources for another project (Neutron's can_set_project_id). */
function canSetProject(deps: NetworkDeps, req: NetworkRequest): boolean {
  return isAdmin(deps, req) || can(deps, req, 'service_api', {})
}

function prepareOne(deps: NetworkDeps, req: NetworkRequest, res: unknown, opts: PrepareOptions): Body {
  if (res === undefined || res === null) throw badRequest(`Unable to find '${opts.resource}' in request body`)
  if (typeof res !== 'object' || Array.isArray(res)) throw badRequest(`Object '${opts.resource}' contains invalid data`)
  const body: Body = { ...(res as Body) }
  if ('tenant_id' in body && !('project_id' in body)) body.project_id = body.tenant_id
  else if ('project_id' in body && !('tenant_id' in body)) body.tenant_id = body.project_id
  if (body.project_id !== body.tenant_id) throw badRequest("'project_id' and 'tenant_id' do not match")
  if ('project_id' in body && body.project_id !== req.ctx.auth?.projectId && !canSetProject(deps, req)) {
    throw badRequest("Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
  }
  if (opts.isCreate && !('project_id' in body)) body.project_id = body.tenant_id = projectOf(req)
  const extra = Object.keys(body).filter((k) => !(k in opts.attrs))
  if (extra.length) throw badRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`)
  for (const [name, spec] of Object.entries(opts.attrs)) {
    if (opts.isCreate) {
      if (spec.post) {
        if (!(name in body)) {
          if (!('default' in spec)) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`)
          if (spec.default !== NOT_SPECIFIED) body[name] = structuredClone(spec.default)
        }
      } else if (name in body) {
        throw badRequest(`Attribute '${name}' not allowed in POST`)
      }
    } else if (name in body && !spec.put) {
      throw badRequest(`Cannot update read-only attribute ${name}`)
    }
  }
  for (const [name, spec] of Object.entries(opts.attrs)) {
    if (!(name in body)) continue
    if (spec.convert) body[name] = spec.convert(body[name])
    const reason = spec.validate?.(body[name])
    if (reason) throw badRequest(`Invalid input for ${name}. Reason: ${reason}.`)
  }
  return body
}

/**
 * The request's resource dicts, validated and (on create) with defaults filled in and the owner
 * set: one for `{"port": {...}}`, several for a bulk `{"ports": [...]}`.
 */
export function prepareRequestBody(deps: NetworkDeps, req: NetworkRequest, opts: PrepareOptions): { items: Body[]; bulk: boolean } {
  const body = req.body
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.keys(body).length) throw badRequest('Resource body required')
  const collection = `${opts.resource}s`
  if (collection in body) {
    if (!opts.allowBulk) throw badRequest('Bulk operation not supported')
    const list = (body as Body)[collection]
    if (!Array.isArray(list)) throw badRequest('Body contains invalid data')
    if (!list.length) throw badRequest('Resources required')
    const items = list.map((item) => {
      const wrapped = item && typeof item === 'object' && opts.resource in item ? (item as Body)[opts.resource] : item
      return prepareOne(deps, req, wrapped, opts)
    })
    return { items, bulk: true }
  }
  return { items: [prepareOne(deps, req, (body as Body)[opts.resource], opts)], bulk: false }
}

/**
 * The body keys whose attribute rules Neutron checks on create: those present and different from
 * the attribute's default (neutron/policy.py _is_attribute_explicitly_set).
 */
export function explicitlySet(body: Body, attrs: AttrMap): Body {
  const out: Body = {}
  for (const [k, v] of Object.entries(body)) {
    const spec = attrs[k]
    if (spec && 'default' in spec && spec.default !== NOT_SPECIFIED && JSON.stringify(spec.default) === JSON.stringify(v)) continue
    out[k] = v
  }
  return out
}
