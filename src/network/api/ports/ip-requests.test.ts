import assert from 'node:assert/strict'
import { test } from 'node:test'
import { candidateSubnets, changedIps, planNewPortIps, planUpdatedIps, type IpamSubnet } from './ip-requests.ts'

const subnet = (id: string, cidr: string, extra: Partial<IpamSubnet> = {}): IpamSubnet => ({
  id, network_id: 'net', cidr, ip_version: cidr.includes(':') ? 6 : 4, allocation_pools: '[]',
  ipv6_ra_mode: null, ipv6_address_mode: null, service_types: '[]', enable_dhcp: 1, ...extra,
})
const v4a = subnet('v4a', '10.0.0.0/24')
const v4b = subnet('v4b', '10.0.1.0/24')
const stateful = subnet('v6', '2001:db8::/64', { ipv6_address_mode: 'dhcpv6-stateful' })
const slaac = subnet('slaac', '2001:db8:1::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' })
const ctx = { networkId: 'net', deviceOwner: '', mac: 'fa:16:3e:00:00:01', exists: () => true }

test('a default port asks for one IPv4 and one stateful IPv6 address (any subnet of each, in order) plus its SLAAC address', () => {
  const plan = planNewPortIps([v4a, stateful, v4b, slaac], undefined, ctx)
  assert.deepEqual(plan, [
    { kind: 'specific', subnet: slaac, ip: '2001:db8:1:0:f816:3eff:fe00:1' },
    { kind: 'any', subnets: [v4a, v4b] },
    { kind: 'any', subnets: [stateful] },
  ])
})

test('router interfaces get no SLAAC address; given fixed IPs still pull in SLAAC addresses of other subnets', () => {
  assert.deepEqual(planNewPortIps([v4a, slaac], undefined, { ...ctx, deviceOwner: 'network:router_interface' }), [{ kind: 'any', subnets: [v4a] }])
  const plan = planNewPortIps([v4a, slaac], [{ subnet_id: 'v4a', ip_address: '10.0.0.9' }], ctx)
  assert.deepEqual(plan.map((r) => (r.kind === 'specific' ? r.ip : 'any')), ['10.0.0.9', '2001:db8:1:0:f816:3eff:fe00:1'])
})

test('a subnet id that names no subnet is 404 before any other fixed-IP check', () => {
  assert.throws(() => planNewPortIps([v4a], [{ subnet_id: 'gone' }], { ...ctx, exists: () => false }), { title: 'SubnetNotFound' })
  assert.throws(() => planNewPortIps([v4a], [{ subnet_id: 'other-net' }], ctx), { title: 'InvalidInput' })
})

test('service subnets come first and serve only their device owners (DHCP ports use any DHCP subnet)', () => {
  const svc = subnet('svc', '10.9.0.0/24', { service_types: '["compute:nova"]' })
  assert.deepEqual(candidateSubnets([v4a, svc], 'compute:nova').map((s) => s.id), ['svc', 'v4a'])
  assert.deepEqual(candidateSubnets([v4a, svc], '').map((s) => s.id), ['v4a'])
  assert.deepEqual(candidateSubnets([svc], 'network:dhcp').map((s) => s.id), ['svc'])
  assert.throws(() => planNewPortIps([svc], undefined, ctx), { title: 'IpAddressGenerationFailureNoMatchingSubnet' })
})

test('changed IPs: kept by address or subnet, removed when dropped, added when new; SLAAC addresses stay', () => {
  const original = [
    { subnet_id: 'v4a', ip_address: '10.0.0.5' }, { subnet_id: 'v4b', ip_address: '10.0.1.5' },
    { subnet_id: 'slaac', ip_address: '2001:db8:1:0:f816:3eff:fe00:1' },
  ]
  const required = (id: string) => id !== 'slaac'
  const changes = changedIps(original, [{ subnet_id: 'v4a' }, { ip_address: '10.0.1.7' }], required)
  assert.deepEqual(changes.original.map((i) => i.ip_address).sort(), ['10.0.0.5', '2001:db8:1:0:f816:3eff:fe00:1'])
  assert.deepEqual(changes.remove, [{ subnet_id: 'v4b', ip_address: '10.0.1.5' }])
  assert.deepEqual(changes.add, [{ ip_address: '10.0.1.7' }])
  const plan = planUpdatedIps([v4a, v4b, slaac], changes, ctx)
  assert.deepEqual(plan, [{ kind: 'specific', subnet: v4b, ip: '10.0.1.7' }], 'the kept SLAAC subnet is not asked for again')
})
