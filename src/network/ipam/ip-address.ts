/**
 * IPv4/IPv6 addresses as bigints. Parsing follows inet_pton (what netaddr >= 1.0 uses);
 * formatting follows glibc inet_ntop, which is what netaddr's str() returns for IPv6.
 */

export type IpVersion = 4 | 6

export type IpAddress = { readonly version: IpVersion; readonly value: bigint }

export function ipBits(version: IpVersion): number {
  return version === 4 ? 32 : 128
}

export function maxIpValue(version: IpVersion): bigint {
  return (1n << BigInt(ipBits(version))) - 1n
}

const hexWord = /^[0-9a-fA-F]{1,4}$/

/** Dotted quad, decimal, no leading zeros, as a number. Scans char codes: allocators parse tens of thousands. */
export function parseIpv4Number(text: string): number | undefined {
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined
      value = value * 256 + octet
      octet = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined
      octet = octet * 10 + (c - 48)
      digits++
      if (octet > 255) return undefined
    } else {
      return undefined
    }
  }
  if (dots !== 3 || digits === 0) return undefined
  return value * 256 + octet
}

function parseV4(text: string): bigint | undefined {
  const value = parseIpv4Number(text)
  return value === undefined ? undefined : BigInt(value)
}

/** Words of one side of '::'; a dotted quad is only allowed as the very last piece. */
function parseV6Words(text: string, mayEndInV4: boolean): number[] | undefined {
  if (text === '') return []
  const pieces = text.split(':')
  const words: number[] = []
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && mayEndInV4 && piece.includes('.')) {
      const v4 = parseV4(piece)
      if (v4 === undefined) return undefined
      words.push(Number(v4 >> 16n), Number(v4 & 0xffffn))
    } else if (hexWord.test(piece)) {
      words.push(parseInt(piece, 16))
    } else {
      return undefined
    }
  }
  return words
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = parseV6Words(halves[0]!, halves.length === 1)
  const tail = halves.length === 2 ? parseV6Words(halves[1]!, true) : []
  if (head === undefined || tail === undefined) return undefined
  const count = head.length + tail.length
  // '::' must stand for at least one zero word.
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined
  const words = [...head, ...new Array<number>(8 - count).fill(0), ...tail]
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n)
}

/** Strict parse (inet_pton): no leading zeros in IPv4 octets, no zone ids, no whitespace. */
export function parseIp(text: string, version?: IpVersion): IpAddress | undefined {
  if (version !== 6) {
    const v4 = parseV4(text)
    if (v4 !== undefined) return { version: 4, value: v4 }
  }
  if (version !== 4) {
    const v6 = parseV6(text)
    if (v6 !== undefined) return { version: 6, value: v6 }
  }
  return undefined
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.')
}

/** glibc inet_ntop6: longest (leftmost on ties) run of >= 2 zero words becomes '::'. */
function formatV6(value: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn))
  let bestBase = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) { bestBase = i; bestLen = j - i }
    i = j
  }
  if (bestLen < 2) bestBase = -1
  // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) keep a dotted tail.
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return (bestLen === 6 ? '::' : '::ffff:') + formatV4(value & 0xffffffffn)
  }
  if (bestBase === -1) return words.map((w) => w.toString(16)).join(':')
  const head = words.slice(0, bestBase).map((w) => w.toString(16)).join(':')
  const tail = words.slice(bestBase + bestLen).map((w) => w.toString(16)).join(':')
  return `${head}::${tail}`
}

/** Text form exactly as netaddr's str(IPAddress): dotted quad, or compressed lowercase IPv6. */
export function formatIp(ip: IpAddress): string {
  return ip.version === 4 ? formatV4(ip.value) : formatV6(ip.value)
}

/** neutron-lib convert_ip_to_canonical_format: IPv6 becomes canonical, anything else is returned as is. */
export function canonicalIp(value: string): string {
  const ip = parseIp(value, 6)
  return ip ? formatIp(ip) : value
}

/** Python int() on a str, as netaddr's ZEROFILL flag uses it on each IPv4 octet. */
export function pythonInt(text: string): number | undefined {
  const match = /^([+-]?)([0-9]+(?:_[0-9]+)*)$/.exec(text.trim())
  if (!match) return undefined
  const n = Number(match[2]!.replaceAll('_', ''))
  return match[1] === '-' ? -n : n
}

/**
 * neutron-lib validate_ip_address: the message Neutron puts after "Reason:", or undefined when valid.
 * IPv4 with leading zeros is refused with a recommendation; IPv6 in any valid spelling is accepted.
 */
export function validateIpAddress(data: unknown): string | undefined {
  const invalid = `'${String(data)}' is not a valid IP address`
  if (typeof data !== 'string' || /\s/.test(data)) return invalid
  let ip = parseIp(data)
  if (!ip && !data.includes(':')) {
    // netaddr ZEROFILL: int() each octet, then parse strictly.
    const octets = data.split('.').map(pythonInt)
    if (octets.every((o) => o !== undefined)) ip = parseIp(octets.map((o) => (o === 0 ? '0' : String(o))).join('.'), 4)
  }
  if (!ip) return invalid
  if (!data.includes(':') && data.split('.').length !== 4) return invalid
  if (ip.version === 4 && formatIp(ip) !== data) {
    return `'${data}' is not an accepted IP address, '${formatIp(ip)}' is recommended`
  }
  return undefined
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.version !== b.version) return a.version - b.version
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
}
