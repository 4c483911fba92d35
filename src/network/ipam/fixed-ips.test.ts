import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isValidIpForSubnet, planFixedIps, subnetForFixedIp } from './fixed-ips.ts'

describe('isValidIpForSubnet (check_subnet_ip)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['10.0.0.0/24', '10.0.0.1', '', true],
    ['10.0.0.0/24', '10.0.0.0', '', false],
    ['10.0.0.0/24', '10.0.0.255', '', false],
    ['10.0.0.0/24', '10.0.1.1', '', false],
    ['10.0.0.0/31', '10.0.0.0', '', false],
    ['10.0.0.0/31', '10.0.0.1', '', true], // netaddr has no broadcast for /31
    ['10.0.0.4/32', '10.0.0.4', '', false],
    ['2001:db8::/64', '2001:db8::', 'compute:nova', false],
    ['2001:db8::/64', '2001:db8::', 'network:router_gateway', true],
    ['2001:db8::/64', '2001:db8::', '', true],
    ['2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff', 'compute:nova', true],
    ['2001:db8::/127', '2001:db8::1', 'compute:nova', true],
    ['2001:db8::1/128', '2001:db8::1', 'compute:nova', false],
    ['2001:db8::/64', '10.0.0.1', '', false],
  ]
  for (const [cidr, ip, owner, want] of cases) {
    it(`${ip} in ${cidr} for ${JSON.stringify(owner)}`, () => assert.equal(isValidIpForSubnet(cidr, ip, owner), want))
  }
})

describe('subnetForFixedIp', () => {
  const subnets = [{ id: 'v4', cidr: '10.0.0.0/24' }, { id: 'v6', cidr: '2001:db8::/64' }]
  const ctx = { networkId: 'net', deviceOwner: 'compute:nova' }

  it('finds the subnet by id or by address', () => {
    assert.equal(subnetForFixedIp({ subnetId: 'v6' }, subnets, ctx).id, 'v6')
    assert.equal(subnetForFixedIp({ ipAddress: '2001:db8::5' }, subnets, ctx).id, 'v6')
    assert.equal(subnetForFixedIp({ subnetId: 'v4', ipAddress: '10.0.0.9' }, subnets, ctx).id, 'v4')
  })

  const bad: Array<[Parameters<typeof subnetForFixedIp>[0], object[], object]> = [
    [{ subnetId: 'v4', ipAddress: '10.0.1.9' }, subnets,
      { status: 400, title: 'InvalidIpForSubnet', message: 'IP address 10.0.1.9 is not a valid IP for the specified subnet.' }],
    [{ ipAddress: '192.168.0.1' }, subnets, { status: 400, title: 'InvalidIpForNetwork',
      message: 'IP address 192.168.0.1 is not a valid IP for any of the subnets on the specified network.' }],
    [{ subnetId: 'elsewhere' }, subnets, { title: 'InvalidInput', message: 'Invalid input for operation: Failed to create ' +
      'port on network net, because fixed_ips included invalid subnet elsewhere.' }],
    [{}, subnets, { title: 'InvalidInput', message: 'Invalid input for operation: IP allocation requires subnet_id or ip_address.' }],
    [{ ipAddress: '10.0.0.5' }, [], { title: 'InvalidInput',
      message: 'Invalid input for operation: IP allocation requires subnets for network.' }],
  ]
  for (const [fixed, nets, want] of bad) {
    it(`refuses ${JSON.stringify(fixed)}`, () => {
      assert.throws(() => subnetForFixedIp(fixed, nets as typeof subnets, ctx), want)
    })
  }
})

describe('planFixedIps', () => {
  const subnets = [
    { id: 'v4', cidr: '10.0.0.0/24' },
    { id: 'slaac', cidr: '2001:db8::/64', ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac' },
    { id: 'stateful', cidr: '2001:db8:1::/64', ipv6AddressMode: 'dhcpv6-stateful' },
  ]
  const port = { networkId: 'net', deviceOwner: 'compute:nova', macAddress: 'fa:16:3e:12:34:56' }

  it('keeps specific and any-address requests, drops auto-address subnets without an address', () => {
    assert.deepEqual(planFixedIps([{ subnetId: 'v4' }, { subnetId: 'slaac' }, { ipAddress: '2001:db8:1::9' }], subnets, port),
      [{ subnetId: 'v4' }, { subnetId: 'stateful', ipAddress: '2001:db8:1::9' }])
  })

  it('lets a port ask only for its own EUI-64 address on a SLAAC subnet', () => {
    assert.deepEqual(planFixedIps([{ ipAddress: '2001:db8::f816:3eff:fe12:3456' }], subnets, port),
      [{ subnetId: 'slaac', ipAddress: '2001:db8::f816:3eff:fe12:3456' }])
    assert.throws(() => planFixedIps([{ subnetId: 'slaac', ipAddress: '2001:db8::5' }], subnets, port), {
      status: 400, title: 'AllocationOnAutoAddressSubnet',
      message: 'IPv6 address 2001:db8::5 cannot be directly assigned to a port on subnet slaac as the subnet is ' +
        'configured for automatic addresses',
    })
  })

  it('router interfaces may pick any address on SLAAC subnets', () => {
    const router = { ...port, deviceOwner: 'network:router_interface' }
    assert.deepEqual(planFixedIps([{ subnetId: 'slaac', ipAddress: '2001:db8::1' }, { subnetId: 'slaac' }], subnets, router),
      [{ subnetId: 'slaac', ipAddress: '2001:db8::1' }, { subnetId: 'slaac' }])
  })
})
