/**
 * @module The subnet attribute map (neutron_lib/api/definitions/subnet.py) with the extensions
 * Nubis serves on subnets (standard attributes, tags, segment, subnet-service-types,
 * default-subnetpools) and neutron-lib's nameserver / host route / pool validators.
 */
import { badRequest, NeutronError } from '../../errors.ts'
import { canonicalCidr, canonicalIp, ipv6Modes, validateIpAddress, validateRouteCidr, validateSubnet } from '../../ipam/index.ts'
import {
  NOT_SPECIFIED, noneToEmptyList, orNone, ownerAttrs, pyRepr, toBoolean, toInt, validateIpOrNone, validateName,
  validateNonNegative, validateUuid, validateValues, type AttrMap,
} from '../ports/attribute-map.ts'

/** Python's repr of a set of keys, sorted so messages are stable. */
const setRepr = (keys: string[]) => `{${keys.toSorted().map((k) => `'${k}'`).join(', ')}}`

/** _verify_dict_keys(expected, data, strict=True). */
export function verifyDictKeys(expected: string[], data: unknown): string | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return `Invalid input. '${pyRepr(data)}' must be a dictionary with keys: ${pyRepr(expected)}`
  }
  const provided = Object.keys(data)
  if (provided.length !== expected.length || !expected.every((k) => provided.includes(k))) {
    return `Validation of dictionary's keys failed. Expected keys: ${setRepr(expected)} Provided keys: ${setRepr(provided)}`
  }
  return undefined
}

export function validateNameservers(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `Invalid data format for nameserver: '${pyRepr(value)}'`
  const hosts: unknown[] = []
  for (const host of value) {
    const msg = validateIpAddress(host)
    if (msg) return `'${pyRepr(host)}' is not a valid nameserver. ${msg}`
    if (hosts.includes(host)) return `Duplicate nameserver '${pyRepr(host)}'`
    hosts.push(host)
  }
  return undefined
}

export function validateHostRoutes(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `Invalid data format for hostroute: '${pyRepr(value)}'`
  const seen = new Set<string>()
  for (const route of value) {
    const msg = verifyDictKeys(['destination', 'nexthop'], route) ?? validateRouteCidr(route.destination) ?? validateIpAddress(route.nexthop)
    if (msg) return msg
    const key = JSON.stringify([route.destination, route.nexthop])
    if (seen.has(key)) return `Duplicate hostroute '${pyRepr(route)}'`
    seen.add(key)
  }
  return undefined
}

export function validateIpPools(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `Invalid data format for IP pool: '${pyRepr(value)}'`
  for (const pool of value) {
    const msg = verifyDictKeys(['start', 'end'], pool) ?? validateIpAddress(pool.start) ?? validateIpAddress(pool.end)
    if (msg) return msg
  }
  return undefined
}

/** convert_allocation_pools_to_canonical_format. */
function canonicalPools(value: unknown): unknown {
  if (value === null) return []
  if (!Array.isArray(value) || value.some((p) => !p || typeof p !== 'object' || Array.isArray(p))) {
    throw new NeutronError(400, 'InvalidInput', 'Invalid input for operation: Invalid data format for allocation pools.')
  }
  return value.map((p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? canonicalIp(v) : v])))
}

/** validate_subnet_service_types: network: / neutron: / compute: owners only. */
export function validateServiceTypes(value: unknown): string | undefined {
  if (!value || (Array.isArray(value) && !value.length)) return undefined
  if (!Array.isArray(value)) throw badRequest('Subnet service types must be a list.')
  for (const t of value) {
    if (typeof t !== 'string') {
      throw new NeutronError(400, 'InvalidInputSubnetServiceType', `Subnet service type ${pyRepr(t)} is not a string.`)
    }
    if (!['network:', 'neutron:', 'compute:'].some((p) => t.startsWith(p))) {
      throw new NeutronError(400, 'InvalidSubnetServiceType', `Subnet service type ${t} does not correspond to a valid device owner.`)
    }
  }
  return undefined
}

const cidrConvert = (v: unknown) => (typeof v === 'string' ? canonicalCidr(v) : v)
const ipConvert = (v: unknown) => (typeof v === 'string' ? canonicalIp(v) : v)

export const subnetAttributes: AttrMap = {
  id: {},
  name: { post: true, put: true, default: '', validate: (v) => validateName(v) },
  ip_version: { post: true, convert: toInt, validate: validateValues([4, 6]) },
  network_id: { post: true, validate: validateUuid },
  subnetpool_id: { post: true, default: NOT_SPECIFIED, validate: orNone(validateUuid) },
  prefixlen: { post: true, default: NOT_SPECIFIED, convert: toInt, validate: validateNonNegative },
  cidr: { post: true, default: NOT_SPECIFIED, convert: cidrConvert, validate: orNone(validateSubnet) },
  gateway_ip: { post: true, put: true, default: NOT_SPECIFIED, convert: ipConvert, validate: validateIpOrNone },
  allocation_pools: { post: true, put: true, default: NOT_SPECIFIED, convert: canonicalPools, validate: validateIpPools },
  dns_nameservers: { post: true, put: true, default: NOT_SPECIFIED, convert: noneToEmptyList, validate: validateNameservers },
  host_routes: { post: true, put: true, default: NOT_SPECIFIED, convert: noneToEmptyList, validate: validateHostRoutes },
  enable_dhcp: { post: true, put: true, default: true, convert: toBoolean },
  ipv6_ra_mode: { post: true, default: NOT_SPECIFIED, validate: validateValues(ipv6Modes) },
  ipv6_address_mode: { post: true, default: NOT_SPECIFIED, validate: validateValues(ipv6Modes) },
  shared: {},
  ...ownerAttrs,
  segment_id: { post: true, put: true, default: null, validate: orNone(validateUuid) },
  service_types: { post: true, put: true, default: NOT_SPECIFIED, validate: validateServiceTypes },
  use_default_subnetpool: { post: true, default: false, convert: toBoolean },
}
