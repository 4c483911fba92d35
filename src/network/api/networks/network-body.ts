/**
 * Network request bodies as Neutron's API layer reads them (prepare_request_body): which attributes
 * exist, which may be set on POST or PUT, their defaults, converters and validators, and the owner
 * rules for project_id / tenant_id. Provider semantics (which types and ids are valid) are the type
 * drivers' business, after policy.
 */
import { badRequest, invalidInput, NeutronError } from '../../errors.ts'
import {
  check, dnsDomainProblem, py, stringProblem, toBoolean, toInt, uniqueStringsProblem,
} from './attribute-values.ts'

/** A provider segment as requested; null members were not given. */
export type RequestedSegment = { networkType: string | null; physicalNetwork: string | null; segmentationId: number | null }

type Attr = { post: boolean; put: boolean }
const rw: Attr = { post: true, put: true }
const createOnly: Attr = { post: true, put: false }
const readOnly: Attr = { post: false, put: false }

/** Every network attribute of the extensions we serve, and whether POST / PUT may set it. */
const ATTRS: Record<string, Attr> = {
  id: readOnly, name: rw, subnets: readOnly, admin_state_up: rw, status: readOnly, tenant_id: createOnly, project_id: createOnly,
  shared: rw, description: rw, 'router:external': rw, is_default: rw, mtu: rw, port_security_enabled: rw,
  'provider:network_type': rw, 'provider:physical_network': rw, 'provider:segmentation_id': rw, segments: rw,
  availability_zone_hints: createOnly, availability_zones: readOnly, dns_domain: rw, tags: readOnly,
  created_at: readOnly, updated_at: readOnly, revision_number: readOnly,
}

export const PROVIDER_ATTRS = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const

export type NetworkFields = {
  name: string
  description: string
  adminStateUp: boolean
  shared: boolean
  external: boolean
  isDefault: boolean
  /** 0: the largest the segments allow. */
  mtu: number
  portSecurityEnabled: boolean
  dnsDomain: string
}

export type NetworkCreate = NetworkFields & {
  projectId: string
  azHints: string[]
  /** Provider segments asked for (provider:* or segments); undefined: a project segment from the tenant types. */
  segments: RequestedSegment[] | undefined
  /** Attributes set to something other than their default: the ones whose attribute policy rules apply. */
  explicit: Record<string, unknown>
  /** The policy target: the body with defaults filled in. */
  target: Record<string, unknown>
}

export type NetworkUpdate = Partial<NetworkFields> & {
  /** provider:* values given (null members absent). */
  provider?: RequestedSegment
  segments?: RequestedSegment[]
  /** The body's keys, Neutron's attributes_to_update. */
  keys: string[]
  /** The converted body, with API attribute names, for policy targets. */
  converted: Record<string, unknown>
}

/** The object under `network` in a body, with Neutron's messages for the wrong shapes. */
export function unwrap(body: unknown, resource: string): Record<string, unknown> {
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && !Object.keys(body).length)) {
    throw badRequest('Resource body required')
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Body contains invalid data')
  const item = (body as Record<string, unknown>)[resource]
  if (item === undefined || item === null) throw badRequest(`Unable to find '${resource}' in request body`)
  return checkObject(item, resource)
}

export function checkObject(item: unknown, resource: string): Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badRequest(`Object '${resource}' contains invalid data`)
  return item as Record<string, unknown>
}

function unrecognized(item: Record<string, unknown>): void {
  const extra = Object.keys(item).filter((k) => !Object.hasOwn(ATTRS, k))
  if (extra.length) throw badRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`)
}

/** `segments`: a list of objects with provider:* keys only; a segmentation id of 0 or null means "not given". */
function convertSegments(v: unknown): RequestedSegment[] {
  if (!Array.isArray(v)) throw badRequest(`Invalid input for segments. Reason: '${py(v)}' is not a list.`)
  return v.map((s) => {
    const seg = checkObject(s, 'segments')
    const extra = Object.keys(seg).filter((k) => !(PROVIDER_ATTRS as readonly string[]).includes(k))
    if (extra.length) throw badRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`)
    const str = (k: string) => {
      const x = seg[k]
      if (x === undefined || x === null) return null
      if (typeof x !== 'string') throw badRequest(`Invalid input for ${k}. Reason: '${py(x)}' is not a valid string.`)
      return x
    }
    const id = seg['provider:segmentation_id']
    return {
      networkType: str('provider:network_type'),
      physicalNetwork: str('provider:physical_network'),
      segmentationId: id ? toInt(id) : null,
    }
  })
}

/** Converts and validates the attributes present in `item`, in Neutron's order; returns API name → converted value. */
function convert(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const has = (k: string) => Object.hasOwn(item, k)
  if (has('name')) { check('name', stringProblem(item.name, 255)); out.name = item.name }
  if (has('admin_state_up')) out.admin_state_up = toBoolean(item.admin_state_up)
  if (has('tenant_id')) { check('tenant_id', stringProblem(item.tenant_id, 255)); out.tenant_id = item.tenant_id }
  if (has('project_id')) { check('project_id', stringProblem(item.project_id, 255)); out.project_id = item.project_id }
  if (has('shared')) out.shared = toBoolean(item.shared)
  if (has('description')) { check('description', stringProblem(item.description, 255)); out.description = item.description }
  if (has('router:external')) out['router:external'] = toBoolean(item['router:external'])
  if (has('is_default')) out.is_default = toBoolean(item.is_default)
  if (has('mtu')) {
    const mtu = toInt(item.mtu)
    check('mtu', mtu < 0 ? `'${mtu}' should be non-negative` : undefined)
    out.mtu = mtu
  }
  if (has('port_security_enabled')) out.port_security_enabled = toBoolean(item.port_security_enabled)
  if (has('provider:network_type')) { check('provider:network_type', stringProblem(item['provider:network_type'], 32)); out['provider:network_type'] = item['provider:network_type'] }
  if (has('provider:physical_network')) { check('provider:physical_network', stringProblem(item['provider:physical_network'], 64)); out['provider:physical_network'] = item['provider:physical_network'] }
  if (has('provider:segmentation_id')) out['provider:segmentation_id'] = toInt(item['provider:segmentation_id'])
  if (has('segments')) out.segments = convertSegments(item.segments)
  if (has('availability_zone_hints')) {
    check('availability_zone_hints', uniqueStringsProblem(item.availability_zone_hints))
    if (JSON.stringify(item.availability_zone_hints).length > 255) throw invalidInput('Too many availability_zone_hints specified')
    out.availability_zone_hints = item.availability_zone_hints
  }
  if (has('dns_domain')) { check('dns_domain', dnsDomainProblem(item.dns_domain)); out.dns_domain = item.dns_domain }
  return out
}

function providerOf(c: Record<string, unknown>): RequestedSegment | undefined {
  if (!PROVIDER_ATTRS.some((k) => Object.hasOwn(c, k))) return undefined
  return {
    networkType: (c['provider:network_type'] as string | undefined) ?? null,
    physicalNetwork: (c['provider:physical_network'] as string | undefined) ?? null,
    segmentationId: (c['provider:segmentation_id'] as number | undefined) ?? null,
  }
}

const DEFAULTS: Record<string, unknown> = {
  name: '', description: '', admin_state_up: true, shared: false, 'router:external': false, is_default: false,
  mtu: 0, port_security_enabled: true, availability_zone_hints: [], dns_domain: '',
}

/**
 * One network of a POST. `callerProject` owns it unless the body names another project, which only
 * `canSetProject` callers (admins, services) may do.
 */
export function parseCreate(item: Record<string, unknown>, callerProject: string, canSetProject: boolean): NetworkCreate {
  if ('tenant_id' in item && 'project_id' in item && item.tenant_id !== item.project_id) throw badRequest("'project_id' and 'tenant_id' do not match")
  const requested = item.project_id ?? item.tenant_id
  if (requested !== undefined && requested !== callerProject && !canSetProject) {
    throw badRequest("Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
  }
  unrecognized(item)
  for (const k of Object.keys(item)) if (!ATTRS[k].post) throw badRequest(`Attribute '${k}' not allowed in POST`)
  const c = convert(item)
  const projectId = (c.project_id ?? c.tenant_id ?? callerProject) as string
  const explicit: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(c)) {
    if (k === 'project_id' || k === 'tenant_id') continue
    if (Object.hasOwn(DEFAULTS, k) && JSON.stringify(DEFAULTS[k]) === JSON.stringify(v)) continue
    explicit[k] = v
  }
  const provider = providerOf(c)
  const segments = c.segments as RequestedSegment[] | undefined
  if (provider && segments) throw new NeutronError(400, 'SegmentsSetInConjunctionWithProviders', 'Segments and provider values cannot both be set.')
  const f = { ...DEFAULTS, ...c }
  return {
    projectId,
    name: f.name as string,
    description: f.description as string,
    adminStateUp: f.admin_state_up as boolean,
    shared: f.shared as boolean,
    external: f['router:external'] as boolean,
    isDefault: f.is_default as boolean,
    mtu: f.mtu as number,
    portSecurityEnabled: f.port_security_enabled as boolean,
    dnsDomain: f.dns_domain as string,
    azHints: f.availability_zone_hints as string[],
    segments: provider ? [provider] : segments,
    explicit,
    target: { ...f, project_id: projectId, tenant_id: projectId },
  }
}

/** The body of a PUT. */
export function parseUpdate(item: Record<string, unknown>): NetworkUpdate {
  unrecognized(item)
  for (const k of Object.keys(item)) if (!ATTRS[k].put) throw badRequest(`Cannot update read-only attribute ${k}`)
  const c = convert(item)
  const u: NetworkUpdate = { keys: Object.keys(item), converted: c }
  if ('name' in c) u.name = c.name as string
  if ('description' in c) u.description = c.description as string
  if ('admin_state_up' in c) u.adminStateUp = c.admin_state_up as boolean
  if ('shared' in c) u.shared = c.shared as boolean
  if ('router:external' in c) u.external = c['router:external'] as boolean
  if ('is_default' in c) u.isDefault = c.is_default as boolean
  if ('mtu' in c) u.mtu = c.mtu as number
  if ('port_security_enabled' in c) u.portSecurityEnabled = c.port_security_enabled as boolean
  if ('dns_domain' in c) u.dnsDomain = c.dns_domain as string
  const provider = providerOf(c)
  if (provider) u.provider = provider
  if ('segments' in c) u.segments = c.segments as RequestedSegment[]
  return u
}
