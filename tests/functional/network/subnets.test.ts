/**
 * Subnets through the Network API as users see them: defaults, gateways and allocation pools,
 * host routes and nameservers, IPv6 modes with SLAAC addresses, updates, deletes with ports on the
 * subnet, bulk creates, visibility across projects, and bad input that changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember, startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

let cloud: TestCloud
let admin: ApiClient
let demo: ApiClient
let other: ApiClient
let demoProject: string

const network = async (as: ApiClient, body: Record<string, unknown> = {}) => {
  const res = await as.post('/v2.0/networks', { network: { name: 'net', ...body } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.network
}
const subnet = async (as: ApiClient, body: Record<string, unknown>) => {
  const res = await as.post('/v2.0/subnets', { subnet: { ip_version: 4, ...body } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.subnet
}
const port = async (as: ApiClient, body: Record<string, unknown>) => {
  const res = await as.post('/v2.0/ports', { port: body })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.port
}
const error = (res: { status: number; body: any }, status: number, type: string, message?: string) => {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body))
  if (message !== undefined) assert.equal(res.body.NeutronError.message, message)
}
const subnetCount = async (as: ApiClient, networkId: string) => (await as.get(`/v2.0/subnets?network_id=${networkId}`)).body.subnets.length

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  const demoToken = await cloud.demo()
  demoProject = demoToken.tokenBody.token.project.id
  demo = cloud.service('network', demoToken)
  admin = cloud.service('network', await cloud.admin())
  other = cloud.service('network', await otherProjectMember(cloud, 'subnets-other'))
})
after(() => cloud.stop())

describe('creating subnets', () => {
  test('an IPv4 subnet gets the first host as gateway, the rest as its pool, and shows the same everywhere', async () => {
    const net = await network(demo)
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24', tags: ['a'] } }), 400, 'HTTPBadRequest',
      "Attribute 'tags' not allowed in POST")
    const created = await subnet(demo, { network_id: net.id, cidr: '10.1.0.5/24', name: 'first', description: 'd' })
    assert.deepEqual(created.tags, [])
    assert.equal((await demo.put(`/v2.0/subnets/${created.id}/tags`, { tags: ['b', 'a'] })).status, 200)
    const s = (await demo.get(`/v2.0/subnets/${created.id}`)).body.subnet
    assert.equal(s.cidr, '10.1.0.0/24')
    assert.equal(s.gateway_ip, '10.1.0.1')
    assert.deepEqual(s.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }])
    assert.equal(s.enable_dhcp, true)
    assert.deepEqual([s.ipv6_ra_mode, s.ipv6_address_mode, s.subnetpool_id], [null, null, null])
    assert.deepEqual([s.dns_nameservers, s.host_routes, s.service_types, s.tags], [[], [], [], ['a', 'b']])
    assert.deepEqual([s.project_id, s.tenant_id, s.revision_number, s.description], [demoProject, demoProject, 1, 'd'])
    assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal('segment_id' in s, false, 'get_subnet:segment_id is for admins')
    assert.deepEqual((await demo.get(`/v2.0/subnets/${s.id}`)).body.subnet, s)
    const listed = await demo.get(`/v2.0/subnets?network_id=${net.id}&fields=id&fields=cidr`)
    assert.deepEqual(listed.body.subnets, [{ id: s.id, cidr: '10.1.0.0/24' }])
    assert.equal((await admin.get(`/v2.0/subnets/${s.id}`)).body.subnet.segment_id, null)
    assert.equal((await network(demo)).subnets.length, 0)
    assert.deepEqual((await demo.get(`/v2.0/networks/${net.id}`)).body.network.subnets, [s.id])
  })

  test('gateway: none, given, on-link outside the subnet; the network address, a pool address or the wrong family are refused', async () => {
    const net = await network(demo)
    const none = await subnet(demo, { network_id: net.id, cidr: '10.2.0.0/24', gateway_ip: null })
    assert.equal(none.gateway_ip, null)
    assert.deepEqual(none.allocation_pools, [{ start: '10.2.0.1', end: '10.2.0.254' }])
    const given = await subnet(demo, { network_id: net.id, cidr: '10.2.1.0/24', gateway_ip: '10.2.1.254' })
    assert.deepEqual(given.allocation_pools, [{ start: '10.2.1.1', end: '10.2.1.253' }])
    const onLink = await subnet(demo, { network_id: net.id, cidr: '10.2.2.0/24', gateway_ip: '192.168.7.1' })
    assert.equal(onLink.gateway_ip, '192.168.7.1')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.3.0/24', gateway_ip: '10.2.3.0' } }),
      400, 'InvalidInput', 'Invalid input for operation: Gateway is not valid on subnet.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.3.0/24', gateway_ip: '10.2.3.5', allocation_pools: [{ start: '10.2.3.2', end: '10.2.3.9' }] } }),
      409, 'GatewayConflictWithAllocationPools', 'Gateway ip 10.2.3.5 conflicts with allocation pool 10.2.3.2-10.2.3.9.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.3.0/24', gateway_ip: 'fe80::1' } }),
      400, 'InvalidInput', "Invalid input for operation: gateway_ip 'fe80::1' does not match the ip_version '4'.")
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.3.0/24', gateway_ip: 'gw' } }),
      400, 'HTTPBadRequest', "Invalid input for gateway_ip. Reason: 'gw' is not a valid IP address.")
    assert.equal(await subnetCount(demo, net.id), 3, 'refused creates changed nothing')
  })

  test('allocation pools: given pools are kept; out of the subnet, overlapping or reversed are refused', async () => {
    const net = await network(demo)
    const s = await subnet(demo, { network_id: net.id, cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.100', end: '10.3.0.110' }, { start: '10.3.0.10', end: '10.3.0.20' }] })
    assert.deepEqual(s.allocation_pools, [{ start: '10.3.0.10', end: '10.3.0.20' }, { start: '10.3.0.100', end: '10.3.0.110' }])
    const body = (pools: unknown) => ({ subnet: { network_id: net.id, ip_version: 4, cidr: '10.3.1.0/24', allocation_pools: pools } })
    error(await demo.post('/v2.0/subnets', body([{ start: '10.3.1.10', end: '10.3.2.20' }])), 400, 'OutOfBoundsAllocationPool',
      'The allocation pool 10.3.1.10-10.3.2.20 spans beyond the subnet cidr 10.3.1.0/24.')
    error(await demo.post('/v2.0/subnets', body([{ start: '10.3.1.10', end: '10.3.1.20' }, { start: '10.3.1.15', end: '10.3.1.30' }])), 409, 'OverlappingAllocationPools')
    error(await demo.post('/v2.0/subnets', body([{ start: '10.3.1.20', end: '10.3.1.10' }])), 400, 'InvalidAllocationPool')
    error(await demo.post('/v2.0/subnets', body([{ start: '10.3.1.20' }])), 400, 'HTTPBadRequest')
    assert.equal(await subnetCount(demo, net.id), 1)
  })

  test('overlapping CIDRs on one network are refused with the message tempest looks for; other networks may reuse them', async () => {
    const net = await network(demo)
    await subnet(demo, { network_id: net.id, cidr: '10.4.0.0/16' })
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.4.3.0/24' } }), 400, 'InvalidInput',
      `Invalid input for operation: Requested subnet with cidr: 10.4.3.0/24 for network: ${net.id} overlaps with another subnet.`)
    await subnet(demo, { network_id: (await network(demo)).id, cidr: '10.4.3.0/24' })
    assert.equal(await subnetCount(demo, net.id), 1)
  })

  test('host routes and nameservers are stored in order and validated', async () => {
    const net = await network(demo)
    const s = await subnet(demo, {
      network_id: net.id, cidr: '10.5.0.0/24', dns_nameservers: ['8.8.8.8', '1.1.1.1'],
      host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.5.0.10' }],
    })
    assert.deepEqual(s.dns_nameservers, ['8.8.8.8', '1.1.1.1'])
    assert.deepEqual(s.host_routes, [{ destination: '192.168.0.0/16', nexthop: '10.5.0.10' }])
    const bad = (extra: Record<string, unknown>) => demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.5.1.0/24', ...extra } })
    error(await bad({ dns_nameservers: ['8.8.8.8', '8.8.8.8'] }), 400, 'HTTPBadRequest', "Invalid input for dns_nameservers. Reason: Duplicate nameserver '8.8.8.8'.")
    error(await bad({ dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] }), 400, 'DNSNameServersExhausted')
    error(await bad({ dns_nameservers: ['2001:db8::1'] }), 400, 'InvalidInput')
    error(await bad({ host_routes: [{ destination: '10.0.0.0/8' }] }), 400, 'HTTPBadRequest')
    assert.equal(await subnetCount(demo, net.id), 1)
  })

  test('request shape: unknown, missing and malformed attributes are 400s as Neutron words them', async () => {
    const net = await network(demo)
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.6.0.0/24', color: 'red' } }),
      400, 'HTTPBadRequest', "Unrecognized attribute(s) 'color'")
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.6.0.0/24' } }),
      400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'ip_version' not specified")
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 5, cidr: '10.6.0.0/24' } }),
      400, 'HTTPBadRequest', 'Invalid input for ip_version. Reason: 5 is not in valid_values.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.6.0' } }), 400, 'InvalidInput')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4 } }), 400, 'BadRequest',
      'Bad subnets request: a subnetpool must be specified in the absence of a cidr.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '10.6.0.0/24' } }), 400, 'InvalidInput',
      "Invalid input for operation: cidr '10.6.0.0/24' does not match the ip_version '6'.")
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: '2f2e7e84-1111-4c8c-9bd6-2bd5b2b1a0aa', ip_version: 4, cidr: '10.6.0.0/24' } }), 404, 'NetworkNotFound')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.6.0.0/24', service_types: ['network:dhcp'] } }), 403, 'HTTPForbidden')
    assert.equal(await subnetCount(demo, net.id), 0)
  })

  test('a bulk create is all or nothing', async () => {
    const net = await network(demo)
    const ok = await demo.post('/v2.0/subnets', { subnets: [{ network_id: net.id, ip_version: 4, cidr: '10.7.0.0/24' }, { network_id: net.id, ip_version: 4, cidr: '10.7.1.0/24' }] })
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body.subnets.map((s: any) => s.cidr), ['10.7.0.0/24', '10.7.1.0/24'])
    const bad = await demo.post('/v2.0/subnets', { subnets: [{ network_id: net.id, ip_version: 4, cidr: '10.7.2.0/24' }, { network_id: net.id, ip_version: 4, cidr: '10.7.0.128/25' }] })
    error(bad, 400, 'InvalidInput')
    assert.equal(await subnetCount(demo, net.id), 2)
  })
})

describe('IPv6 subnets', () => {
  test('the six mismatched mode pairs, modes on IPv4, modes without DHCP and SLAAC off /64 are refused', async () => {
    const net = await network(demo)
    const pairs = [['dhcpv6-stateless', 'dhcpv6-stateful'], ['dhcpv6-stateless', 'slaac'], ['slaac', 'dhcpv6-stateful'],
      ['dhcpv6-stateful', 'dhcpv6-stateless'], ['dhcpv6-stateful', 'slaac'], ['slaac', 'dhcpv6-stateless']]
    for (const [ra, addr] of pairs) {
      error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: ra, ipv6_address_mode: addr } }),
        400, 'InvalidInput', `Invalid input for operation: ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value.`)
    }
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.8.0.0/24', ipv6_ra_mode: 'slaac' } }), 400, 'InvalidInput',
      'Invalid input for operation: ipv6_ra_mode is not valid when ip_version is 4.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_address_mode: 'slaac', enable_dhcp: false } }), 400, 'InvalidInput')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/80', ipv6_address_mode: 'slaac' } }), 400, 'InvalidInput')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_address_mode: 'bogus' } }), 400, 'HTTPBadRequest',
      'Invalid input for ipv6_address_mode. Reason: bogus is not in valid_values.')
    assert.equal(await subnetCount(demo, net.id), 0)
  })

  test('SLAAC and DHCPv6-stateless give EUI-64 addresses to new ports and to ports already on the network', async () => {
    const net = await network(demo)
    const v4 = await subnet(demo, { network_id: net.id, cidr: '10.9.0.0/24' })
    const before = await port(demo, { network_id: net.id, mac_address: 'fa:16:3e:00:11:22' })
    const slaac = await subnet(demo, { network_id: net.id, ip_version: 6, cidr: '2001:db8:9::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' })
    assert.equal(slaac.gateway_ip, '2001:db8:9::')
    assert.deepEqual(slaac.allocation_pools, [{ start: '2001:db8:9::1', end: '2001:db8:9:0:ffff:ffff:ffff:ffff' }])
    const refreshed = (await demo.get(`/v2.0/ports/${before.id}`)).body.port
    assert.deepEqual(refreshed.fixed_ips.map((f: any) => f.subnet_id).sort(), [v4.id, slaac.id].sort())
    assert.equal(refreshed.fixed_ips.find((f: any) => f.subnet_id === slaac.id).ip_address, '2001:db8:9:0:f816:3eff:fe00:1122')
    assert.equal(refreshed.revision_number, before.revision_number + 1)
    const stateless = await subnet(demo, { network_id: (await network(demo)).id, ip_version: 6, cidr: '2001:db8:a::/64', ipv6_address_mode: 'dhcpv6-stateless' })
    const p = await port(demo, { network_id: stateless.network_id, mac_address: 'fa:16:3e:aa:bb:cc' })
    assert.deepEqual(p.fixed_ips, [{ subnet_id: stateless.id, ip_address: '2001:db8:a:0:f816:3eff:feaa:bbcc' }])
    error(await demo.post('/v2.0/ports', { port: { network_id: stateless.network_id, fixed_ips: [{ subnet_id: stateless.id, ip_address: '2001:db8:a::5' }] } }),
      400, 'AllocationOnAutoAddressSubnet')
  })

  test('DHCPv6-stateful subnets hand out addresses from their pools', async () => {
    const net = await network(demo)
    const s = await subnet(demo, { network_id: net.id, ip_version: 6, cidr: '2001:db8:b::/64', gateway_ip: '2001:db8:b::1', ipv6_ra_mode: 'dhcpv6-stateful', ipv6_address_mode: 'dhcpv6-stateful' })
    assert.deepEqual(s.allocation_pools, [{ start: '2001:db8:b::2', end: '2001:db8:b:0:ffff:ffff:ffff:ffff' }])
    const p = await port(demo, { network_id: net.id })
    assert.equal(p.fixed_ips.length, 1)
    assert.match(p.fixed_ips[0].ip_address, /^2001:db8:b::/)
  })
})

describe('updating and deleting subnets', () => {
  test('name, gateway, DHCP, nameservers, routes and pools change; revisions count and If-Match guards', async () => {
    const net = await network(demo)
    const s = await subnet(demo, { network_id: net.id, cidr: '10.10.0.0/24' })
    const res = await demo.put(`/v2.0/subnets/${s.id}`, { subnet: {
      name: 'renamed', gateway_ip: '10.10.0.254', enable_dhcp: false, dns_nameservers: ['9.9.9.9'],
      host_routes: [{ destination: '0.0.0.0/0', nexthop: '10.10.0.254' }], allocation_pools: [{ start: '10.10.0.2', end: '10.10.0.200' }],
    } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const u = res.body.subnet
    assert.deepEqual([u.name, u.gateway_ip, u.enable_dhcp, u.dns_nameservers, u.revision_number], ['renamed', '10.10.0.254', false, ['9.9.9.9'], 1])
    assert.deepEqual(u.allocation_pools, [{ start: '10.10.0.2', end: '10.10.0.200' }])
    error(await demo.put(`/v2.0/subnets/${s.id}`, { subnet: { gateway_ip: '10.10.0.100' } }), 409, 'GatewayConflictWithAllocationPools')
    error(await demo.put(`/v2.0/subnets/${s.id}`, { subnet: { cidr: '10.11.0.0/24' } }), 400, 'HTTPBadRequest', 'Cannot update read-only attribute cidr')
    error(await demo.put(`/v2.0/subnets/${s.id}`, { subnet: { name: 'x' } }, { 'if-match': 'revision_number=0' }), 412, 'RevisionNumberConstraintFailed')
    const noGw = (await demo.put(`/v2.0/subnets/${s.id}`, { subnet: { gateway_ip: null } })).body.subnet
    assert.equal(noGw.gateway_ip, null)
    assert.deepEqual((await demo.get(`/v2.0/subnets/${s.id}`)).body.subnet.name, 'renamed')
  })

  test('a subnet with a user port on it is in use; DHCP ports only lose their address; SLAAC addresses go with the subnet', async () => {
    const net = await network(demo)
    const s = await subnet(demo, { network_id: net.id, cidr: '10.12.0.0/24' })
    const vm = await port(demo, { network_id: net.id, device_owner: 'compute:nova' })
    error(await demo.delete(`/v2.0/subnets/${s.id}`), 409, 'SubnetInUse',
      `Unable to complete operation on subnet ${s.id}: One or more ports have an IP allocation from this subnet.`)
    assert.equal((await demo.delete(`/v2.0/ports/${vm.id}`)).status, 204)
    const dhcp = await port(demo, { network_id: net.id, device_owner: 'network:dhcp' })
    assert.equal(dhcp.fixed_ips.length, 1)
    assert.equal((await demo.delete(`/v2.0/subnets/${s.id}`)).status, 204)
    assert.deepEqual((await demo.get(`/v2.0/ports/${dhcp.id}`)).body.port.fixed_ips, [])
    error(await demo.get(`/v2.0/subnets/${s.id}`), 404, 'SubnetNotFound', `Subnet ${s.id} could not be found.`)

    const slaac = await subnet(demo, { network_id: net.id, ip_version: 6, cidr: '2001:db8:c::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' })
    const user = await port(demo, { network_id: net.id })
    assert.equal(user.fixed_ips.length, 1)
    assert.equal((await demo.delete(`/v2.0/subnets/${slaac.id}`)).status, 204)
    assert.deepEqual((await demo.get(`/v2.0/ports/${user.id}`)).body.port.fixed_ips, [])
  })
})

describe('who sees and changes subnets', () => {
  test("another project sees neither my subnets nor an external network's, but does see a shared network's", async () => {
    const mine = await subnet(demo, { network_id: (await network(demo)).id, cidr: '10.13.0.0/24' })
    error(await other.get(`/v2.0/subnets/${mine.id}`), 404, 'SubnetNotFound')
    assert.equal((await other.get('/v2.0/subnets')).body.subnets.some((s: any) => s.id === mine.id), false)
    error(await other.put(`/v2.0/subnets/${mine.id}`, { subnet: { name: 'x' } }), 404, 'SubnetNotFound')
    error(await other.delete(`/v2.0/subnets/${mine.id}`), 404, 'SubnetNotFound')
    error(await other.post('/v2.0/subnets', { subnet: { network_id: mine.network_id, ip_version: 4, cidr: '10.13.1.0/24' } }), 404, 'NetworkNotFound')

    const shared = await subnet(admin, { network_id: (await network(admin, { shared: true })).id, cidr: '10.14.0.0/24' })
    assert.equal((await other.get(`/v2.0/subnets/${shared.id}`)).status, 200)
    assert.ok((await other.get('/v2.0/subnets?shared=true')).body.subnets.some((s: any) => s.id === shared.id))
    error(await other.put(`/v2.0/subnets/${shared.id}`, { subnet: { name: 'x' } }), 403, 'HTTPForbidden')

    const extNet = await network(admin, { 'router:external': true })
    const ext = await subnet(admin, { network_id: extNet.id, cidr: '172.31.0.0/24' })
    assert.equal((await other.get(`/v2.0/networks/${extNet.id}`)).status, 200)
    error(await other.get(`/v2.0/subnets/${ext.id}`), 404, 'SubnetNotFound')
    assert.deepEqual((await other.get(`/v2.0/subnets?network_id=${extNet.id}`)).body.subnets, [])
    error(await other.post('/v2.0/subnets', { subnet: { network_id: extNet.id, ip_version: 4, cidr: '172.31.1.0/24' } }), 404, 'HTTPNotFound')
    assert.ok((await admin.get('/v2.0/subnets')).body.subnets.some((s: any) => s.id === mine.id))
  })

  test('an admin may create a subnet on a project network for that project', async () => {
    const net = await network(demo)
    const s = await subnet(admin, { network_id: net.id, cidr: '10.15.0.0/24', project_id: demoProject })
    assert.equal(s.project_id, demoProject)
    assert.equal((await demo.get(`/v2.0/subnets/${s.id}`)).status, 200)
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.15.1.0/24', project_id: 'someone-else' } }), 400, 'HTTPBadRequest',
      "Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
  })
})
