/**
 * @module The router attribute map (neutron_lib/api/definitions/l3.py with ext-gw-mode, extraroute,
 * router_availability_zone, dvr, l3-ha and standard attributes) and the request checks that go
 * with it: `external_gateway_info` is dict_or_nodata {network_id (required), external_fixed_ips,
 * enable_snat}, `routes` is a hostroutes list, `distributed` / `ha` convert_to_boolean_if_not_none.
 */
import { invalidInput, policyForbidden } from '../../errors.ts'
import { can, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { uniqueStringsProblem } from '../networks/attribute-values.ts'
import {
  NOT_SPECIFIED, noneToEmptyList, ownerAttrs, pyRepr, toBoolean, validateName, validateUuid, type AttrMap, type Body,
} from '../ports/attribute-map.ts'
import type { FixedIpRequest } from '../ports/ip-requests.ts'
import { validateFixedIps } from '../ports/port-attributes.ts'
import { validateHostRoutes } from '../subnets/subnet-attributes.ts'
import type { Route } from './router-view.ts'

export type GatewayInfo = { network_id: string; enable_snat?: boolean; external_fixed_ips?: FixedIpRequest[] }

const GW_KEYS = ['network_id', 'external_fixed_ips', 'enable_snat']

/** Python's truth value: empty dicts, lists and strings, 0, False and None are "no data". */
const pyTruthy = (v: unknown) =>
  !!v && !(Array.isArray(v) && !v.length) && !(typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as object).length)

/** type:dict_or_nodata with the gateway's key specs (validate_dict); enable_snat's converter may throw InvalidInput. */
export function validateGatewayInfo(value: unknown): string | undefined {
  if (!pyTruthy(value)) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) return `'${pyRepr(value)}' is not a dictionary`
  const info = value as Body
  if (!('network_id' in info)) {
    const provided = Object.keys(info).toSorted().map((k) => `'${k}'`).join(', ')
    return `Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: {${provided}}`
  }
  const unexpected = Object.keys(info).filter((k) => !GW_KEYS.includes(k))
  if (unexpected.length) return `Unexpected keys supplied: ${unexpected.join(', ')}`
  const msg = validateUuid(info.network_id) ?? ('external_fixed_ips' in info ? validateFixedIps(info.external_fixed_ips) : undefined)
  if (msg) return msg
  if ('enable_snat' in info) info.enable_snat = toBoolean(info.enable_snat)
  return undefined
}

/** _validate_availability_zone_hints: unique strings whose comma-joined form fits the column. */
function validateAzHints(value: unknown): string | undefined {
  const msg = uniqueStringsProblem(value)
  if (msg) return msg
  if ((value as string[]).join(',').length > 255) throw invalidInput('Too many availability_zone_hints specified')
  return undefined
}

const toBooleanIfNotNone = (v: unknown) => (v === null ? null : toBoolean(v))

export const ROUTER_ATTRS: AttrMap = {
  id: {},
  name: { post: true, put: true, default: '', validate: (v) => validateName(v, 255) },
  admin_state_up: { post: true, put: true, default: true, convert: toBoolean },
  status: {},
  external_gateway_info: { post: true, put: true, default: null, validate: validateGatewayInfo },
  routes: { put: true, convert: noneToEmptyList, validate: validateHostRoutes },
  distributed: { post: true, put: true, default: NOT_SPECIFIED, convert: toBooleanIfNotNone },
  ha: { post: true, put: true, default: NOT_SPECIFIED, convert: toBooleanIfNotNone },
  availability_zone_hints: { post: true, default: [], validate: validateAzHints },
  availability_zones: {},
  ...ownerAttrs,
}

/** The gateway a validated body asks for: no data ({} or null) means none. */
export function gatewayOf(body: Body): GatewayInfo | null {
  const info = body.external_gateway_info
  return pyTruthy(info) ? info as GatewayInfo : null
}

/** Routes as stored: the order given, addresses as the request wrote them. */
export const routesOfBody = (body: Body): Route[] =>
  ((body.routes ?? []) as Route[]).map((r) => ({ destination: r.destination, nexthop: r.nexthop }))

/**
 * The sub-attribute rules of external_gateway_info (`<action>:external_gateway_info:<key>`) for
 * each key present, as Neutron's _build_subattr_match_rule does for dict validators.
 */
export function enforceGatewayKeys(deps: NetworkDeps, req: NetworkRequest, action: 'create_router' | 'update_router', body: Body, target: Record<string, unknown>): void {
  const info = body.external_gateway_info
  if (!info || typeof info !== 'object') return
  for (const key of Object.keys(info)) {
    const rule = `${action}:external_gateway_info:${key}`
    if (deps.policy.has(rule) && !can(deps, req, rule, target)) throw policyForbidden(`${action} and rule:${rule}`)
  }
}
