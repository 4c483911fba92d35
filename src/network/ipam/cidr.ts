/**
 * CIDR parsing and arithmetic with netaddr.IPNetwork's rules, plus neutron-lib's CIDR validators
 * and converter. A Cidr keeps the address as written (host bits and all), like IPNetwork.
 */
import { InvalidInput } from './errors.ts'
import { formatIp, ipBits, maxIpValue, parseIp, pythonInt, type IpAddress, type IpVersion } from './ip-address.ts'
import type { IpRange } from './ip-range.ts'

export type Cidr = { readonly version: IpVersion; readonly ip: bigint; readonly prefixLength: number }

function maskPrefix(mask: bigint, version: IpVersion): number | undefined {
  const bits = ipBits(version)
  const max = maxIpValue(version)
  for (let p = 0; p <= bits; p++) {
    const hostmask = (1n << BigInt(bits - p)) - 1n
    if (mask === (max ^ hostmask)) return p // netmask is tried first, as netaddr does
  }
  for (let p = 0; p <= bits; p++) {
    if (mask === (1n << BigInt(bits - p)) - 1n) return p
  }
  return undefined
}

function parseAs(version: IpVersion, address: string, prefix: string | undefined): Cidr | undefined {
  const ip = parseIp(address, version)
  if (!ip) return undefined
  let prefixLength: number | undefined = prefix === undefined ? ipBits(version) : pythonInt(prefix)
  if (prefixLength === undefined && prefix !== undefined) {
    const mask = parseIp(prefix, version)
    prefixLength = mask && maskPrefix(mask.value, version)
  }
  if (prefixLength === undefined || prefixLength < 0 || prefixLength > ipBits(version)) return undefined
  return { version, ip: ip.value, prefixLength }
}

/**
 * netaddr.IPNetwork(text): "addr[/prefix]". The prefix may also be a netmask or hostmask and is read
 * with Python int(), so "10.0.0.0/024" and "10.0.0.0/24 " parse. No prefix means a host route.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  const prefix = slash === -1 ? undefined : text.slice(slash + 1)
  return parseAs(4, address, prefix) ?? parseAs(6, address, prefix)
}

/** netaddr str(IPNetwork): the address as given (canonical text) and the prefix length. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.ip })}/${cidr.prefixLength}`
}

/** "network/prefix", the form Neutron stores for a subnet (create_subnet drops host bits). */
export function formatNetwork(cidr: Cidr): string {
  return formatCidr(toNetwork(cidr))
}

export function toNetwork(cidr: Cidr): Cidr {
  return { ...cidr, ip: networkAddress(cidr) }
}

function hostmask(cidr: Cidr): bigint {
  return (1n << BigInt(ipBits(cidr.version) - cidr.prefixLength)) - 1n
}

export function networkAddress(cidr: Cidr): bigint {
  return cidr.ip & (maxIpValue(cidr.version) ^ hostmask(cidr))
}

export function lastAddress(cidr: Cidr): bigint {
  return networkAddress(cidr) | hostmask(cidr)
}

/** netaddr IPNetwork.broadcast: the last address, or undefined when there are fewer than 2 host bits. */
export function broadcastAddress(cidr: Cidr): bigint | undefined {
  return ipBits(cidr.version) - cidr.prefixLength <= 1 ? undefined : lastAddress(cidr)
}

export function cidrSize(cidr: Cidr): bigint {
  return hostmask(cidr) + 1n
}

export function cidrRange(cidr: Cidr): IpRange {
  return { version: cidr.version, first: networkAddress(cidr), last: lastAddress(cidr) }
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return ip.version === cidr.version && networkAddress(cidr) <= ip.value && ip.value <= lastAddress(cidr)
}

/** True when `inner` lies wholly inside `outer` (netaddr `inner in outer`). */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.version === outer.version && inner.prefixLength >= outer.prefixLength &&
    networkAddress({ ...inner, prefixLength: outer.prefixLength }) === networkAddress(outer)
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a)
}

/**
 * neutron-lib convert_cidr_to_canonical_format, which runs before validation on subnet `cidr`:
 * IPv6 gets canonical text, masks become prefix lengths. Throws InvalidInput "... is not in a CIDR format".
 */
export function canonicalCidr(value: string): string {
  const cidr = parseCidr(value)
  if (!cidr) throw new InvalidInput(`${value} is not in a CIDR format`)
  return formatCidr(cidr)
}

/**
 * neutron-lib validate_subnet. Host bits are fine ("10.0.0.1/24" passes; create_subnet then stores
 * 10.0.0.0/24). A missing prefix, abbreviated or non-canonical IPv4, or whitespace is refused.
 */
export function validateSubnet(data: unknown): string | undefined {
  const invalid = `'${String(data)}' is not a valid IP subnet`
  if (typeof data !== 'string' || /\s/.test(data) || !data.includes('/')) return invalid
  const cidr = parseCidr(data)
  if (!cidr || (cidr.version === 4 && formatCidr(cidr) !== data)) return invalid
  return undefined
}

const loopback = { 4: parseCidr('127.0.0.0/8')!, 6: parseCidr('::1/128')! }

/** neutron-lib validate_route_cidr (host_routes destinations): no host bits, not loopback. */
export function validateRouteCidr(data: unknown): string | undefined {
  if (typeof data !== 'string' || /\s/.test(data) || !data.includes('/')) return `'${String(data)}' is not a valid CIDR`
  const cidr = parseCidr(data)
  if (!cidr || networkAddress(cidr) !== cidr.ip) return `'${data}' is not a valid CIDR`
  if (cidrWithin(cidr, loopback[cidr.version])) return `'${data}' is not a routable CIDR`
  return undefined
}

export function isLoopbackCidr(cidr: Cidr): boolean {
  return cidrWithin(cidr, loopback[cidr.version])
}

const multicast = { 4: parseCidr('224.0.0.0/4')!, 6: parseCidr('ff00::/8')! }

/** netaddr IPNetwork.is_multicast(): the whole network lies in 224.0.0.0/4 or ff00::/8. */
export function isMulticastCidr(cidr: Cidr): boolean {
  return cidrWithin(cidr, multicast[cidr.version])
}
