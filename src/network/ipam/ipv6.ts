/** IPv6 subnet modes and EUI-64 addresses (neutron/common/ipv6_utils.py, db_base_plugin_v2 _validate_ipv6_*). */
import { networkAddress, parseCidr } from './cidr.ts'
import { InvalidInput } from './errors.ts'
import { formatIp, parseIp } from './ip-address.ts'
import { parseMac } from './mac.ts'

export const ipv6Modes = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'] as const
export type Ipv6Mode = (typeof ipv6Modes)[number]

/** Absent, null and Neutron's ATTR_NOT_SPECIFIED all read as "not set". */
type ModeValue = string | null | undefined

export type Ipv6Modes = { ipv6RaMode?: ModeValue; ipv6AddressMode?: ModeValue }

/** neutron-lib validate_values message for ipv6_ra_mode / ipv6_address_mode (it really says "valid_values"). */
export function validateIpv6Mode(data: unknown): string | undefined {
  return (ipv6Modes as readonly unknown[]).includes(data) ? undefined : `${String(data)} is not in valid_values`
}

const autoModes: readonly ModeValue[] = ['slaac', 'dhcpv6-stateless']

/** SLAAC or DHCPv6-stateless in either attribute: ports get EUI-64 addresses, IPAM does not pick them. */
export function isAutoAddressSubnet(subnet: Ipv6Modes): boolean {
  return autoModes.includes(subnet.ipv6AddressMode) || autoModes.includes(subnet.ipv6RaMode)
}

/**
 * The ipv6 part of _validate_subnet for a create. Either mode may be set alone; if both are set
 * they must be equal. Auto-address modes need a /64 when the cidr is known.
 */
export function checkIpv6Modes(subnet: Ipv6Modes & { ipVersion: 4 | 6; enableDhcp: boolean; cidr?: string }): void {
  const raSet = subnet.ipv6RaMode != null
  const addressSet = subnet.ipv6AddressMode != null
  if (subnet.ipVersion === 4) {
    if (raSet) throw new InvalidInput('ipv6_ra_mode is not valid when ip_version is 4')
    if (addressSet) throw new InvalidInput('ipv6_address_mode is not valid when ip_version is 4')
    return
  }
  if ((raSet || addressSet) && !subnet.enableDhcp) {
    throw new InvalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False')
  }
  if (raSet && addressSet && subnet.ipv6RaMode !== subnet.ipv6AddressMode) {
    throw new InvalidInput(`ipv6_ra_mode set to '${subnet.ipv6RaMode}' with ipv6_address_mode set to ` +
      `'${subnet.ipv6AddressMode}' is not valid. If both attributes are set, they must be the same value`)
  }
  if (subnet.cidr !== undefined && (raSet || addressSet) && isAutoAddressSubnet(subnet)) {
    if (parseCidr(subnet.cidr)?.prefixLength !== 64) {
      throw new InvalidInput(`Invalid CIDR ${subnet.cidr} for IPv6 address mode. OpenStack uses the EUI-64 ` +
        'address format, which requires the prefix to be /64')
    }
  }
}

/** _validate_ipv6_update_dhcp: DHCP cannot be turned off while either mode is set (modes are create-only). */
export function checkIpv6ModesOnUpdate(update: { enableDhcp?: boolean }, current: Ipv6Modes): void {
  if (update.enableDhcp !== false) return
  if (current.ipv6RaMode != null || current.ipv6AddressMode != null) {
    throw new InvalidInput('Cannot disable enable_dhcp with ipv6 attributes set')
  }
}

/**
 * oslo.utils get_ipv6_addr_by_EUI64: (prefix network + EUI-64 of the MAC) with the universal/local bit
 * flipped. eui64('2001:db8::/64', 'fa:16:3e:12:34:56') === '2001:db8::f816:3eff:fe12:3456'.
 * Throws TypeError for an IPv4 prefix or an unparsable prefix or MAC.
 */
export function eui64(prefix: string, mac: string): string {
  const cidr = parseCidr(prefix)
  const macValue = parseMac(mac)
  if (!cidr || cidr.version !== 6 || macValue === undefined) {
    throw new TypeError(`Bad prefix or mac format for generating IPv6 address by EUI-64: ${prefix}, ${mac}`)
  }
  const interfaceId = ((macValue >> 24n) << 40n) | (0xfffen << 24n) | (macValue & 0xffffffn)
  const value = (networkAddress(cidr) + interfaceId) ^ (1n << 57n)
  return formatIp({ version: 6, value: value & ((1n << 128n) - 1n) })
}

/** ipv6_utils is_eui64_address: an IPv6 address with ff:fe in the middle of its interface id. */
export function isEui64Address(ip: string): boolean {
  const parsed = parseIp(ip)
  return parsed?.version === 6 && ((parsed.value & 0xffff000000n) ^ 0xfffe000000n) === 0n
}
