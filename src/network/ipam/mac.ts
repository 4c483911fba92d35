/** MAC addresses: netaddr's EUI-48 text forms, neutron-lib's validators and converter, and base_mac generation. */
import { randomBytes } from 'node:crypto'
import { pythonInt } from './ip-address.ts'

const hex = '[0-9A-Fa-f]'
const macForms = [
  new RegExp(`^${Array(6).fill(`(${hex}{1,2})`).join(':')}$`),
  new RegExp(`^${Array(6).fill(`(${hex}{1,2})`).join('-')}$`),
  new RegExp(`^${Array(3).fill(`(${hex}{1,4})`).join(':')}$`),
  new RegExp(`^${Array(3).fill(`(${hex}{1,4})`).join('-')}$`),
  new RegExp(`^${Array(3).fill(`(${hex}{1,4})`).join('\\.')}$`),
  new RegExp(`^${Array(2).fill(`(${hex}{5,6})`).join('-')}$`),
  new RegExp(`^${Array(2).fill(`(${hex}{5,6})`).join(':')}$`),
  new RegExp(`^(${hex}{11,12})$`),
]

/**
 * netaddr.EUI(text) for EUI-48: "fa:16:3e:0:1:2", "FA-16-3E-00-01-02", "fa16.3e00.0102", "fa163e-000102",
 * "fa163e000102". Like Python's `$`, one trailing newline is tolerated.
 */
export function parseMac(text: string): bigint | undefined {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  for (const form of macForms) {
    const match = form.exec(body)
    if (!match) continue
    const groups = match.slice(1)
    const width = 12 / groups.length
    return BigInt('0x' + groups.map((g) => g.padStart(width, '0')).join(''))
  }
  return undefined
}

/** "xx:xx:xx:xx:xx:xx", lowercase (netaddr mac_unix_expanded). */
export function formatMac(value: bigint): string {
  return value.toString(16).padStart(12, '0').match(/../g)!.join(':')
}

const invalidMacs = new Set([0n, 0xffffffffffffn])

/**
 * neutron-lib validate_mac_address: any netaddr form without whitespace, except all-zero and broadcast.
 * Multicast MACs pass here, as in Neutron; see validateMacNotMulticast.
 */
export function validateMacAddress(data: unknown): string | undefined {
  const invalid = `'${String(data)}' is not a valid MAC address`
  if (typeof data !== 'string' || /\s/.test(data)) return invalid
  const value = parseMac(data)
  return value === undefined || invalidMacs.has(value) ? invalid : undefined
}

/**
 * neutron-lib convert_to_sanitized_mac_address: runs before validation; invalid input comes back
 * unchanged. netaddr.EUI also takes a decimal integer, so "123" becomes "00:00:00:00:00:7b".
 */
export function sanitizeMacAddress(value: string): string {
  let mac = parseMac(value)
  if (mac === undefined) {
    const n = pythonInt(value)
    if (n !== undefined && Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffffffff) mac = BigInt(n)
  }
  return mac === undefined ? value : formatMac(mac)
}

export function isMulticastMac(value: bigint): boolean {
  return (value & 0x010000000000n) !== 0n
}

/** neutron-lib validate_mac_address_not_multicast (used for allowed_address_pairs). */
export function validateMacNotMulticast(mac: string): string | undefined {
  const value = parseMac(mac)
  if (value !== undefined && isMulticastMac(value)) {
    return `MAC address ${mac} is a multicast address, which is not supported.`
  }
  return undefined
}

const baseMacPattern = /^[0-9A-Fa-f][aceACE02468](:[0-9A-Fa-f]{2}){5}$/

/** neutron-lib MAC_PATTERN check that Neutron applies to base_mac at start-up (unicast, colon form). */
export function validateBaseMac(baseMac: string): string | undefined {
  return baseMacPattern.test(baseMac) ? undefined : `'${baseMac}' is not a valid input`
}

/**
 * neutron-lib get_random_mac: the first three octets of base_mac are kept, the fourth too unless it
 * is "00"; the rest are random. Uniqueness on the network is the caller's job (MacAddressInUse).
 */
export function randomMac(baseMac = 'fa:16:3e:00:00:00', randomOctet: () => number = () => randomBytes(1)[0]!): string {
  const base = baseMac.split(':')
  const octets = [0, 1, 2].map((i) => parseInt(base[i]!, 16))
  octets.push(base[3] !== '00' ? parseInt(base[3]!, 16) : randomOctet(), randomOctet(), randomOctet())
  return octets.map((o) => (o & 0xff).toString(16).padStart(2, '0')).join(':')
}
