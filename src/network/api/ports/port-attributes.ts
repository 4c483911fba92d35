/**
 * @module The port attribute map: the core port attributes (neutron_lib/api/definitions/port.py)
 * plus the extensions Nubis serves (binding, port-security, security-group, allowed-address-pairs,
 * extra_dhcp_opt, standard attributes and tags), with neutron-lib's validators.
 */
import { badRequest, NeutronError } from '../../errors.ts'
import { parseCidr, validateSubnet } from '../../ipam/cidr.ts'
import { parseIp, validateIpAddress } from '../../ipam/ip-address.ts'
import { sanitizeMacAddress, validateMacAddress, validateMacNotMulticast } from '../../ipam/mac.ts'
import {
  NOT_SPECIFIED, noneToEmptyList, ownerAttrs, pyRepr, toBoolean, toInt, validateDictOrNone, validateName,
  validateString, validateTags, validateUuid, validateUuidList, validateValues, type AttrMap,
} from './attribute-map.ts'

export const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic',
  'vdpa', 'accelerator-direct', 'accelerator-direct-physical', 'remote-managed'] as const

/** Neutron's max_allowed_address_pair default. */
export const MAX_ALLOWED_ADDRESS_PAIRS = 10

/** validate_fixed_ips. */
export function validateFixedIps(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `Invalid data format for fixed IP: '${pyRepr(value)}'`
  const ips: unknown[] = []
  for (const fixed of value) {
    if (!fixed || typeof fixed !== 'object' || Array.isArray(fixed)) return `Invalid data format for fixed IP: '${pyRepr(fixed)}'`
    if ('ip_address' in fixed) {
      const ip = (fixed as Record<string, unknown>).ip_address
      const msg = ips.includes(ip) ? `Duplicate IP address '${pyRepr(ip)}'` : validateIpAddress(ip)
      if (msg) return msg
      ips.push(ip)
    }
    if ('subnet_id' in fixed) {
      const msg = validateUuid((fixed as Record<string, unknown>).subnet_id)
      if (msg) return msg
    }
  }
  return undefined
}

const conflict = (type: string, message: string) => new NeutronError(409, type, message)
const invalid = (type: string, message: string) => new NeutronError(400, type, message)

/** The allowed_address_pairs validator (neutron-lib validators/allowedaddresspairs.py); throws as it does. */
export function validateAddressPairs(value: unknown): string | undefined {
  if (!Array.isArray(value)) throw badRequest('Allowed address pairs must be a list.')
  if (value.length > MAX_ALLOWED_ADDRESS_PAIRS) {
    throw invalid('AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${MAX_ALLOWED_ADDRESS_PAIRS}.`)
  }
  const seen = new Set<string>()
  for (const pair of value) {
    if (!pair || typeof pair !== 'object' || Array.isArray(pair)) return `'${pyRepr(pair)}' is not a dictionary`
    const p = pair as Record<string, unknown>
    if ('mac_address' in p) {
      const msg = validateMacAddress(p.mac_address)
      if (msg) throw badRequest(msg)
    }
    if (!('ip_address' in p)) throw invalid('AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address')
    const key = JSON.stringify([p.mac_address ?? null, p.ip_address])
    if (seen.has(key)) {
      throw invalid('DuplicateAddressPairInRequest',
        `Request contains duplicate address pair: mac_address ${pyRepr(p.mac_address)} ip_address ${pyRepr(p.ip_address)}.`)
    }
    seen.add(key)
    const extra = Object.keys(p).filter((k) => k !== 'mac_address' && k !== 'ip_address')
    if (extra.length) throw badRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`)
    const ip = p.ip_address
    const isCidr = typeof ip === 'string' && ip.includes('/')
    const msg = isCidr ? validateSubnet(ip) : validateIpAddress(ip)
    if (msg) throw badRequest(msg)
    const multicast = isCidr ? multicastCidr(ip as string) : multicastIp(ip as string)
    if (multicast) throw badRequest(multicast)
    if (typeof p.mac_address === 'string') {
      const m = validateMacNotMulticast(p.mac_address)
      if (m) throw badRequest(m)
    }
  }
  return undefined
}

function multicastIp(ip: string): string | undefined {
  const a = parseIp(ip)
  if (!a) return undefined
  const isMc = a.version === 4 ? (a.value >> 28n) === 0xen : (a.value >> 120n) === 0xffn
  return isMc ? `'${ip}' is a multicast IP address` : undefined
}

function multicastCidr(cidr: string): string | undefined {
  const c = parseCidr(cidr)
  if (!c) return undefined
  const isMc = c.version === 4 ? c.prefixLength >= 4 && (c.ip >> 28n) === 0xen : c.prefixLength >= 8 && (c.ip >> 120n) === 0xffn
  return isMc ? `'${cidr}' is a multicast subnet` : undefined
}

const BLANK_OPTS = ['router', 'classless-static-route']

/** One extra DHCP option against EXTRA_DHCP_OPT_KEY_SPECS; converts ip_version in place. */
function dhcpOptMatches(opt: Record<string, unknown>): boolean {
  if (Object.keys(opt).some((k) => !['opt_name', 'opt_value', 'ip_version'].includes(k))) return false
  if (!('opt_name' in opt) || !('opt_value' in opt)) return false
  if ('ip_version' in opt) {
    let v: number
    try {
      v = toInt(opt.ip_version)
    } catch {
      return false
    }
    if (v !== 4 && v !== 6) return false
    opt.ip_version = v
  }
  const name = opt.opt_name, value = opt.opt_value
  if (typeof name === 'string' && BLANK_OPTS.includes(name)) return value === null || validateString(value, 255) === undefined
  const oneline = (s: unknown, max: number) => typeof s === 'string' && s.trim() !== '' && s.length <= max && s.split(/\r\n|\r|\n/).length <= 1
  return oneline(name, 64) && (value === null || oneline(value, 255))
}

/** validate_list_of_any_key_specs_or_none with EXTRA_DHCP_OPT_KEY_SPECS: raises InvalidInput itself. */
export function validateExtraDhcpOpts(value: unknown): string | undefined {
  if (value === null) return undefined
  const fail = (msg: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${msg}.`)
  if (!Array.isArray(value)) throw fail(`'${pyRepr(value)}' is not a list`)
  for (const opt of value) {
    if (!opt || typeof opt !== 'object' || Array.isArray(opt)) throw fail(`'${pyRepr(opt)}' is not a dictionary`)
    if (!dhcpOptMatches(opt as Record<string, unknown>)) throw fail(`No valid key specs matched for: ${pyRepr(opt)}`)
  }
  return undefined
}

const mac = (v: unknown) => (typeof v === 'string' ? sanitizeMacAddress(v) : v)

export const portAttributes: AttrMap = {
  id: {},
  name: { post: true, put: true, default: '', validate: (v) => validateName(v) },
  network_id: { post: true, validate: validateUuid },
  admin_state_up: { post: true, put: true, default: true, convert: toBoolean },
  mac_address: { post: true, put: true, default: NOT_SPECIFIED, convert: mac, validate: validateMacAddress },
  fixed_ips: { post: true, put: true, default: NOT_SPECIFIED, validate: validateFixedIps },
  device_id: { post: true, put: true, default: '', validate: (v) => validateString(v, 255) },
  device_owner: { post: true, put: true, default: '', validate: (v) => validateString(v, 255) },
  status: {},
  ...ownerAttrs,
  tags: { post: true, default: NOT_SPECIFIED, validate: validateTags },
  security_groups: { post: true, put: true, default: NOT_SPECIFIED, convert: noneToEmptyList, validate: validateUuidList },
  port_security_enabled: { post: true, put: true, default: NOT_SPECIFIED, convert: toBoolean },
  allowed_address_pairs: { post: true, put: true, default: NOT_SPECIFIED, convert: noneToEmptyList, validate: validateAddressPairs },
  extra_dhcp_opts: { post: true, put: true, default: NOT_SPECIFIED, validate: validateExtraDhcpOpts },
  'binding:host_id': { post: true, put: true, default: NOT_SPECIFIED, validate: (v) => (v === null ? undefined : validateString(v, 255)) },
  'binding:vnic_type': { post: true, put: true, default: 'normal', validate: validateValues(VNIC_TYPES) },
  'binding:profile': { post: true, put: true, default: NOT_SPECIFIED, validate: validateDictOrNone },
  'binding:vif_type': {},
  'binding:vif_details': {},
}

/** Port-security conflicts, as create and update raise them. */
export const addressPairsNeedPortSecurity = () =>
  conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.')
export const securityGroupsNeedPortSecurity = () =>
  invalid('PortSecurityAndIPRequiredForSecurityGroups',
    'Port security must be enabled and port must have an IP address in order to use security groups.')
export const portHasSecurityGroups = () =>
  conflict('PortSecurityPortHasSecurityGroup',
    'Port has security group associated. Cannot disable port security or IP address until security group is removed.')

/** Allowed address pairs as stored: the port's MAC fills in a missing mac_address. */
export function normaliseAddressPairs(pairs: unknown, portMac: string): { ip_address: string; mac_address: string }[] {
  return ((pairs ?? []) as Record<string, string>[]).map((p) => ({
    ip_address: p.ip_address!,
    mac_address: p.mac_address ? sanitizeMacAddress(p.mac_address) : portMac,
  }))
}

export type DhcpOpt = { opt_name: string; opt_value: string | null; ip_version: number }

/** A port's extra DHCP options after an update (_update_extra_dhcp_opts_on_port): match by name and version; null value deletes. */
export function mergeDhcpOpts(current: DhcpOpt[], requested: Record<string, unknown>[] | null): DhcpOpt[] {
  const out = current.map((o) => ({ ...o }))
  for (const r of requested ?? []) {
    const version = (r.ip_version as number | undefined) ?? 4
    const at = out.findIndex((o) => o.opt_name === r.opt_name && o.ip_version === version)
    if (at >= 0) {
      if (r.opt_value === null) out.splice(at, 1)
      else out[at] = { ...out[at]!, opt_value: r.opt_value as string }
    } else if (r.opt_value !== null && (r.opt_value !== '' || BLANK_OPTS.includes(r.opt_name as string))) {
      out.push({ opt_name: r.opt_name as string, opt_value: r.opt_value as string, ip_version: version })
    }
  }
  return out
}

/** Options of a new port; entries with a null value are not stored (_is_valid_opt_value). */
export function newDhcpOpts(requested: Record<string, unknown>[] | null | undefined): DhcpOpt[] {
  return mergeDhcpOpts([], requested ?? [])
}
