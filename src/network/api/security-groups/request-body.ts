/**
 * @module Neutron's request body handling for one resource (neutron/api/v2/base.py
 * prepare_request_body with neutron-lib's AttributeInfo): the envelope, project_id/tenant_id,
 * unknown and read-only attributes, defaults, then each attribute's converter and validator, with
 * upstream's messages and order.
 */
import { badRequest, invalidInput } from '../../errors.ts'
import { pyStr } from './protocols.ts'

export type AttributeSpec = {
  /** Allowed in POST bodies. */
  post: boolean
  /** Allowed in PUT bodies. */
  put: boolean
  /** Present (even as null) when the attribute may be left out of a POST; absent means required. */
  default?: unknown
  /** neutron-lib convert_to: returns the stored value or throws Neutron's error. */
  convert?: (value: unknown) => unknown
  /** neutron-lib validators: the reason text when invalid. */
  validate?: (value: unknown) => string | undefined
}

/** Attributes in upstream's attribute map order (which decides which error a bad body gets first). */
export type AttributeMap = Readonly<Record<string, AttributeSpec>>

export type BodyOptions = {
  resource: string
  collection: string
  attributes: AttributeMap
  isCreate: boolean
  allowBulk: boolean
  /** The caller's project, filled in on create when the body names none. */
  callerProject: string
  /** Admins and services may create resources for other projects. */
  canSetProjectId: boolean
}

/** The prepared items and whether the client used the bulk form (`{"<collection>": [...]}`). */
export type PreparedBody = { items: Record<string, unknown>[]; bulk: boolean }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function prepareBody(body: unknown, o: BodyOptions): PreparedBody {
  // Python truthiness: null, '', 0, {} and [] are all "no body".
  const empty = !body || (typeof body === 'object' && Object.keys(body).length === 0)
  if (empty) throw badRequest('Resource body required')
  if (!isObject(body)) throw badRequest('Body contains invalid data')
  if (o.collection in body) {
    if (!o.allowBulk) throw badRequest('Bulk operation not supported')
    const list = body[o.collection]
    if (!list || (Array.isArray(list) && list.length === 0)) throw badRequest('Resources required')
    if (!Array.isArray(list)) throw badRequest('Body contains invalid data')
    const items = list.map((item) => prepareItem(isObject(item) && o.resource in item ? item[o.resource] : item, o))
    return { items, bulk: true }
  }
  const item = body[o.resource]
  if (item === undefined || item === null) throw badRequest(`Unable to find '${o.resource}' in request body`)
  return { items: [prepareItem(item, o)], bulk: false }
}

function prepareItem(raw: unknown, o: BodyOptions): Record<string, unknown> {
  if (!isObject(raw)) throw badRequest(`Object '${o.resource}' contains invalid data`)
  const item: Record<string, unknown> = { ...raw }
  // populate_project_info, then _validate_privileges, then the caller's project on create.
  if ('tenant_id' in item && !('project_id' in item)) item.project_id = item.tenant_id
  else if ('project_id' in item && !('tenant_id' in item)) item.tenant_id = item.project_id
  if (item.project_id !== item.tenant_id) throw badRequest("'project_id' and 'tenant_id' do not match")
  if ('project_id' in item && item.project_id !== o.callerProject && !o.canSetProjectId) {
    throw badRequest("Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
  }
  if (o.isCreate && !('project_id' in item)) {
    item.project_id = o.callerProject
    item.tenant_id = o.callerProject
  }
  const unknown = Object.keys(item).filter((k) => !(k in o.attributes))
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`)
  for (const [name, spec] of Object.entries(o.attributes)) {
    if (o.isCreate) {
      if (spec.post) {
        if (!(name in item)) {
          if (!('default' in spec)) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`)
          item[name] = spec.default
        }
      } else if (name in item) {
        throw badRequest(`Attribute '${name}' not allowed in POST`)
      }
    } else if (name in item && !spec.put) {
      throw badRequest(`Cannot update read-only attribute ${name}`)
    }
  }
  for (const [name, spec] of Object.entries(o.attributes)) {
    if (!(name in item)) continue
    if (spec.convert) item[name] = spec.convert(item[name])
    const reason = spec.validate?.(item[name])
    if (reason) throw badRequest(`Invalid input for ${name}. Reason: ${reason}.`)
  }
  return item
}

/** neutron-lib validate_string. */
export const validateString = (maxLen?: number) => (data: unknown): string | undefined => {
  if (typeof data !== 'string') return `'${pyStr(data)}' is not a valid string`
  if (maxLen !== undefined && data.length > maxLen) return `'${data}' exceeds maximum length of ${maxLen}`
  return undefined
}

/** neutron-lib validate_values without a display string. */
export const validateValues = (values: readonly unknown[]) => (data: unknown): string | undefined =>
  values.includes(data) ? undefined : `${pyStr(data)} is not in valid_values`

/** neutron-lib convert_to_boolean (oslo strutils.bool_from_string, strict). */
export function convertToBoolean(data: unknown): boolean {
  if (typeof data === 'boolean') return data
  const text = typeof data === 'number' || typeof data === 'string' ? String(data).trim().toLowerCase() : undefined
  if (text !== undefined && ['1', 't', 'true', 'on', 'y', 'yes'].includes(text)) return true
  if (text !== undefined && ['0', 'f', 'false', 'off', 'n', 'no'].includes(text)) return false
  throw invalidInput(`'${pyStr(data)}' cannot be converted to boolean`)
}

/** Standard attributes every resource has and no client may set (description is per resource). */
export const READ_ONLY_STANDARD: AttributeMap = {
  created_at: { post: false, put: false },
  updated_at: { post: false, put: false },
  revision_number: { post: false, put: false },
}
