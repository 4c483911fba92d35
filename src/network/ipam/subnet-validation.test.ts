import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkCidrOnNetwork, checkCidrOrPool, checkSubnetSpec, subnetCidr, type SubnetSpec } from './subnet-validation.ts'

const limits = { maxDnsNameservers: 5, maxSubnetHostRoutes: 20 }
const invalid = (detail: string) => ({ status: 400, title: 'InvalidInput', message: `Invalid input for operation: ${detail}.` })
const v4: SubnetSpec = { ipVersion: 4, cidr: '10.0.0.0/24', enableDhcp: true }
const v6: SubnetSpec = { ipVersion: 6, cidr: '2001:db8::/64', enableDhcp: true }

describe('checkSubnetSpec (_validate_subnet)', () => {
  const ok: SubnetSpec[] = [
    v4, v6,
    { ...v4, gatewayIp: '100.0.0.1' }, // off-subnet gateway is accepted
    { ...v4, gatewayIp: null },
    { ...v4, cidr: '10.0.0.0/31', enableDhcp: false },
    { ...v6, cidr: '2001:db8::/127', enableDhcp: false },
    { ...v6, gatewayIp: '2001:db8::' },
    { ...v4, dnsNameservers: ['8.8.8.8'], hostRoutes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.254' }] },
    { ...v6, cidr: '::/64', isPrefixDelegation: true, ipv6RaMode: 'slaac', ipv6AddressMode: 'slaac' },
    { ipVersion: 4, enableDhcp: true }, // subnet-pool request: no cidr yet
  ]
  for (const spec of ok) it(`accepts ${JSON.stringify(spec)}`, () => assert.doesNotThrow(() => checkSubnetSpec(spec, limits)))

  const bad: Array<[SubnetSpec, object]> = [
    [{ ...v4, cidr: '2001:db8::/64' }, invalid("cidr '2001:db8::/64' does not match the ip_version '4'")],
    [{ ...v6, cidr: '::/64' }, invalid("IPv6 subnet '::' is not supported")],
    [{ ...v4, cidr: '10.0.0.0/31' }, invalid('Subnet has a prefix length that is incompatible with DHCP service enabled')],
    [{ ...v6, cidr: '2001:db8::/127' }, invalid('Subnet has a prefix length that is incompatible with DHCP service enabled')],
    [{ ...v4, cidr: '224.0.0.0/24' }, invalid('Multicast IP subnet is not supported if enable_dhcp is True')],
    [{ ...v4, cidr: '127.0.0.0/8' }, invalid('Loopback IP subnet is not supported if enable_dhcp is True')],
    [{ ...v4, cidr: '0.0.0.0/24' }, invalid("First IP '0.0.0.0' of network is not supported if enable_dhcp is True.")],
    [{ ...v4, gatewayIp: '10.0.0.0' }, invalid('Gateway is not valid on subnet')],
    [{ ...v4, gatewayIp: '10.0.0.255' }, invalid('Gateway is not valid on subnet')],
    [{ ...v4, gatewayIp: '2001:db8::1' }, invalid("gateway_ip '2001:db8::1' does not match the ip_version '4'")],
    [{ ...v4, dnsNameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] },
      { status: 400, title: 'DNSNameServersExhausted',
        message: 'Unable to complete operation for new subnet. The number of DNS nameservers exceeds the limit 5.' }],
    [{ ...v4, dnsNameservers: ['2001:db8::53'] }, invalid("dns_nameserver '2001:db8::53' does not match the ip_version '4'")],
    [{ ...v4, hostRoutes: [{ destination: '100.0.0.0/8', nexthop: '2001::1' }] },
      invalid("nexthop '2001::1' does not match the ip_version '4'")],
    [{ ...v4, hostRoutes: [{ destination: 'junk', nexthop: '10.0.0.2' }] },
      invalid("Invalid route: {'destination': 'junk', 'nexthop': '10.0.0.2'}")],
    [{ ...v4, ipv6RaMode: 'slaac' }, invalid('ipv6_ra_mode is not valid when ip_version is 4')],
    [{ ...v6, cidr: '2001:db8::/80', ipv6AddressMode: 'slaac' }, invalid('Invalid CIDR 2001:db8::/80 for IPv6 address mode. ' +
      'OpenStack uses the EUI-64 address format, which requires the prefix to be /64')],
  ]
  for (const [spec, want] of bad) it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => checkSubnetSpec(spec, limits), want))

  it('skips the DHCP checks when DHCP was already on', () => {
    assert.doesNotThrow(() => checkSubnetSpec({ ...v4, cidr: '10.0.0.0/31' }, limits, { dhcpWasEnabled: true }))
  })
})

describe('create-time cidr rules', () => {
  it('normalises host bits away', () => {
    assert.equal(subnetCidr('10.0.0.1/24'), '10.0.0.0/24')
    assert.equal(subnetCidr('2001:DB8::1/64'), '2001:db8::/64')
  })

  it('refuses /0 and overlaps on the same network', () => {
    assert.throws(() => checkCidrOnNetwork('0.0.0.0/0', 'n1', []), invalid('0 is not allowed as CIDR prefix length'))
    assert.throws(() => checkCidrOnNetwork('10.0.0.0/25', 'n1', ['10.0.0.0/24']),
      invalid('Requested subnet with cidr: 10.0.0.0/25 for network: n1 overlaps with another subnet'))
    assert.doesNotThrow(() => checkCidrOnNetwork('10.0.1.0/24', 'n1', ['10.0.0.0/24', '2001:db8::/64']))
    assert.doesNotThrow(() => checkCidrOnNetwork('2001:db8::/64', 'n1', ['::/64']))
  })

  it('needs a cidr or a subnet pool, not a cidr and a prefixlen', () => {
    assert.throws(() => checkCidrOrPool({ cidr: '10.0.0.0/24', prefixlen: 24 }), {
      status: 400, title: 'BadRequest', message: 'Bad subnets request: cidr and prefixlen must not be supplied together.',
    })
    assert.throws(() => checkCidrOrPool({}), {
      title: 'BadRequest', message: 'Bad subnets request: a subnetpool must be specified in the absence of a cidr.',
    })
    assert.doesNotThrow(() => checkCidrOrPool({ prefixlen: 24, subnetpoolId: 'p' }))
  })
})
