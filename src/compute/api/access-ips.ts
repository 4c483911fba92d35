/**
 * @module accessIPv6 as Nova stores it: through netaddr, so a user reads back the canonical
 * RFC 5952 text (lower case, the longest run of zeros as "::", embedded IPv4 as hex) whatever
 * spelling they sent, as tempest's test_verify_server_details expects.
 */

/** The canonical text of a valid IPv6 address; IPv4-mapped addresses keep their dotted tail, as inet_ntop does. */
export function canonicalIpv6(address: string): string {
  const text = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text)
  if (!mapped) return text
  const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)]
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}
