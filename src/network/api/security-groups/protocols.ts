/**
 * @module IP protocols in security group rules, as neutron-lib names and numbers them: the API
 * accepts a name, a number 0-255 or `any`/null; IPv6 ICMP has legacy spellings that are rewritten.
 */
import { pythonInt } from '../../ipam/ip-address.ts'
import { sgError } from './errors.ts'

/** neutron_lib.constants.IP_PROTOCOL_MAP, in upstream order (the order shows in error messages). */
export const IP_PROTOCOL_MAP: ReadonlyMap<string, number> = new Map([
  ['ah', 51], ['dccp', 33], ['egp', 8], ['esp', 50], ['gre', 47], ['hopopt', 0], ['icmp', 1],
  ['igmp', 2], ['ip', 0], ['ipip', 4], ['ipv6-encap', 41], ['ipv6-frag', 44], ['ipv6-icmp', 58],
  ['icmpv6', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['ipv6-route', 43], ['ospf', 89],
  ['pgm', 113], ['rsvp', 46], ['sctp', 132], ['tcp', 6], ['udp', 17], ['udplite', 136], ['vrrp', 112],
])

/** Number → name, one name per number: the last name wins as in the Python dict comprehension, except 58 → ipv6-icmp. */
const NUM_TO_NAME: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>()
  for (const [name, num] of IP_PROTOCOL_MAP) m.set(String(num), name)
  m.set('58', 'ipv6-icmp')
  return m
})()

/** Protocols whose rules may carry a port range (neutron/common/_constants.py SG_PORT_PROTO_NUMS). */
export const PORT_PROTOCOL_NUMBERS: ReadonlySet<number> = new Set([33, 132, 6, 17, 136])
export const PORT_PROTOCOL_NAMES = ['dccp', 'sctp', 'tcp', 'udp', 'udplite'] as const

/** Protocols that exist only over IPv6; an IPv4 rule using one is refused. */
const IPV6_ONLY = new Set(['ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', '41', '44', '58', '59', '60', '43'])

/** Python's repr of neutron's sg_supported_protocols tuple, quoted in SecurityGroupRuleInvalidProtocol. */
const SUPPORTED_REPR = `(None, 'any', ${[...IP_PROTOCOL_MAP.keys()].map((k) => `'${k}'`).join(', ')})`

/** Python's str() of a JSON value, for messages that quote what the client sent. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string' || typeof v === 'number') return String(v)
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  return `{${Object.entries(v as object).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`
}

function pyRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : pyStr(v)
}

/** Python int() of a JSON value, or undefined where Python would raise. */
export function pyInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined
  if (typeof v === 'string') return pythonInt(v)
  return undefined
}

/** neutron convert_protocol: null/'any' → null, names lower-cased, numbers kept as text; anything else is a 400. */
export function convertProtocol(value: unknown): string | null {
  if (value === null || value === undefined || value === 'any') return null
  const invalid = () => sgError('SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${pyStr(value)} not supported. Only protocol values ${SUPPORTED_REPR} and integer representations [0 to 255] are supported.`)
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 255) throw invalid()
    return String(value)
  }
  if (typeof value !== 'string') throw invalid()
  const n = pythonInt(value)
  if (n !== undefined) {
    if (n < 0 || n > 255) throw invalid()
    return value
  }
  const lower = value.toLowerCase()
  if (lower === 'any' || IP_PROTOCOL_MAP.has(lower)) return lower
  throw invalid()
}

/** The protocol number of a stored protocol (name or number text); null for "any". */
export function protocolNumber(protocol: string | null): number | null {
  if (protocol === null || protocol === 'any') return null
  const name = protocol === 'icmpv6' ? 'ipv6-icmp' : protocol
  return IP_PROTOCOL_MAP.get(name) ?? Number(pythonInt(name))
}

/**
 * Neutron's `[name, number]` pair of a protocol for duplicate detection, after rewriting the IPv6
 * ICMP legacy forms ('icmp', 'icmpv6', '1') of an IPv6 rule; null for "any".
 */
export function protocolNameAndNumber(protocol: string | null, ethertype?: string): [string, string] | null {
  if (protocol === null || protocol === 'any') return null
  let p = protocol
  if (ethertype === 'IPv6') {
    if (p === 'icmp' || p === 'icmpv6') p = 'ipv6-icmp'
    else if (p === '1') p = '58'
  }
  const num = IP_PROTOCOL_MAP.get(p)
  if (num !== undefined) return [p, String(num)]
  const name = NUM_TO_NAME.get(p)
  if (name !== undefined) return [name, p]
  return [p, p]
}

/** The protocol an IPv6 rule stores: legacy IPv6 ICMP names and number 1 become ipv6-icmp / 58. */
export function canonicalIpv6IcmpProtocol(protocol: string | null, ethertype: string): string | null {
  if (ethertype !== 'IPv6') return protocol
  if (protocol === 'icmp' || protocol === 'icmpv6') return 'ipv6-icmp'
  if (protocol === '1') return '58'
  return protocol
}

/** True when the protocol only exists over IPv6 (then an IPv4 rule is a conflict). */
export function isIpv6OnlyProtocol(protocol: string | null): boolean {
  return protocol !== null && IPV6_ONLY.has(protocol)
}
