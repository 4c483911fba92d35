/**
 * @module Security group rule input, as Neutron checks it: the attribute converters
 * (neutron/extensions/securitygroup.py) and the plugin's checks that follow them
 * (securitygroups_db.py _validate_base_security_group_rule_attributes and _rule_to_key). Pure;
 * shared by rules and default rule templates.
 */
import { formatCidr, formatNetwork, parseCidr } from '../../ipam/cidr.ts'
import { sgError, invalidPortValue } from './errors.ts'
import {
  PORT_PROTOCOL_NAMES, PORT_PROTOCOL_NUMBERS, canonicalIpv6IcmpProtocol, convertProtocol, isIpv6OnlyProtocol,
  protocolNameAndNumber, protocolNumber, pyInt, pyStr,
} from './protocols.ts'
import { validateValues, type AttributeMap } from './request-body.ts'

export const ETHERTYPES = ['IPv4', 'IPv6'] as const
export const DIRECTIONS = ['ingress', 'egress'] as const

/** The rule attributes every rule (and rule template) has once converted and checked. */
export type RuleFields = {
  direction: string
  ethertype: string
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  remote_address_group_id: string | null
}

/** neutron convert_ethertype_to_case_insensitive. */
export function convertEthertype(value: unknown): string {
  if (typeof value === 'string') {
    const match = ETHERTYPES.find((e) => e.toLowerCase() === value.toLowerCase())
    if (match) return match
  }
  throw sgError('SecurityGroupRuleInvalidEtherType',
    `Security group rule for ethertype '${pyStr(value)}' not supported. Allowed values are ['IPv4', 'IPv6'].`)
}

/** neutron convert_validate_port_value: a port 0-65535 (Python int() of what was sent) or null. */
export function convertPort(value: unknown): number | null {
  if (value === null || value === undefined) return null
  const n = pyInt(value)
  if (n === undefined || n < 0 || n > 65535) throw invalidPortValue(pyStr(value))
  return n
}

/** neutron convert_ip_prefix_to_cidr: empty → null, otherwise netaddr's text of the network as given. */
export function convertIpPrefix(value: unknown): string | null {
  if (value === null || value === undefined || value === '' || value === 0 || value === false) return null
  const cidr = typeof value === 'string' ? parseCidr(value) : undefined
  if (!cidr) throw sgError('InvalidCIDR', `Invalid CIDR ${pyStr(value)} given as IP prefix.`)
  return formatCidr(cidr)
}

/** The network of a remote_ip_prefix (host bits cleared): Neutron's `normalized_cidr`. */
export function normalizedCidr(prefix: string | null): string | null {
  if (!prefix) return null
  const cidr = parseCidr(prefix)
  return cidr ? formatNetwork(cidr) : prefix
}

/** The attributes a rule and a rule template share, in upstream order. */
export const RULE_BASE_ATTRIBUTES: AttributeMap = {
  remote_group_id: { post: true, put: false, default: null },
  direction: { post: true, put: false, validate: validateValues(DIRECTIONS) },
  protocol: { post: true, put: false, default: null, convert: convertProtocol },
  port_range_min: { post: true, put: false, default: null, convert: convertPort },
  port_range_max: { post: true, put: false, default: null, convert: convertPort },
  ethertype: { post: true, put: false, default: 'IPv4', convert: convertEthertype, validate: validateValues(ETHERTYPES) },
  remote_ip_prefix: { post: true, put: false, default: null, convert: convertIpPrefix },
}

function checkPortRange(rule: RuleFields): void {
  const { port_range_min: min, port_range_max: max } = rule
  if (min === null && max === null) return
  if (!rule.protocol) throw sgError('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.')
  const proto = protocolNumber(rule.protocol)
  if (proto !== null && PORT_PROTOCOL_NUMBERS.has(proto)) {
    if (min === 0 || max === 0) throw invalidPortValue('0')
    if (!(min !== null && max !== null && min <= max)) {
      throw sgError('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max')
    }
  } else if (proto === 1 || proto === 58) {
    for (const [attr, field] of [['port_range_min', 'type'], ['port_range_max', 'code']] as const) {
      const v = rule[attr]
      if (v !== null && !(v >= 0 && v <= 255)) {
        throw sgError('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${v}. It must be 0 to 255.`)
      }
    }
    if (min === null && max !== null) {
      throw sgError('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`)
    }
  } else {
    throw sgError('SecurityGroupInvalidProtocolForPort',
      `Ports cannot be specified for protocol ${pyStr(proto)}. Ports are only supported for ${PORT_PROTOCOL_NAMES.map((p) => p.toUpperCase()).join(', ')}.`)
  }
}

/**
 * The plugin's checks on converted rule fields, in upstream order; returns the fields as stored:
 * legacy IPv6 ICMP names rewritten and the full 1-65535 range turned into "no range".
 */
export function checkRuleFields(input: RuleFields): RuleFields {
  const rule: RuleFields = {
    direction: input.direction,
    ethertype: input.ethertype,
    protocol: canonicalIpv6IcmpProtocol(input.protocol, input.ethertype),
    port_range_min: input.port_range_min,
    port_range_max: input.port_range_max,
    remote_ip_prefix: input.remote_ip_prefix,
    remote_group_id: input.remote_group_id,
    remote_address_group_id: input.remote_address_group_id ?? null,
  }
  if (rule.port_range_min === 1 && rule.port_range_max === 65535) {
    rule.port_range_min = null
    rule.port_range_max = null
  }
  checkPortRange(rule)
  if (rule.remote_ip_prefix) {
    const cidr = parseCidr(rule.remote_ip_prefix)
    if (cidr && rule.ethertype !== `IPv${cidr.version}`) {
      throw sgError('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${rule.ethertype} for CIDR ${input.remote_ip_prefix}`)
    }
  }
  if (rule.ethertype === 'IPv4' && isIpv6OnlyProtocol(rule.protocol)) {
    throw sgError('SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${rule.ethertype} for protocol ${rule.protocol}.`)
  }
  let remote = false
  for (const key of ['remote_ip_prefix', 'remote_group_id', 'remote_address_group_id'] as const) {
    if (remote && rule[key]) {
      throw sgError('SecurityGroupMultipleRemoteEntites', 'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.')
    }
    remote ||= Boolean(rule[key])
  }
  return rule
}

/** Neutron's _rule_to_key: two rules with the same key are duplicates (any-address prefixes equal none). */
export function ruleKey(rule: RuleFields & { security_group_id?: string | null }): string {
  const norm = (key: string, value: unknown): string => {
    if (key === 'remote_ip_prefix') {
      if (value === null || value === undefined || value === '0.0.0.0/0' || value === '::/0') return '+'
    } else if (value === null || value === undefined) {
      return '+'
    } else if (key === 'protocol') {
      const pair = protocolNameAndNumber(value as string, rule.ethertype)
      return pair ? `['${pair[0]}', '${pair[1]}']` : 'None'
    }
    return String(value)
  }
  const r = rule as Record<string, unknown>
  return ['direction', 'ethertype', 'port_range_max', 'port_range_min', 'protocol', 'remote_group_id',
    'remote_address_group_id', 'remote_ip_prefix', 'security_group_id'].map((k) => norm(k, r[k])).join('_')
}
