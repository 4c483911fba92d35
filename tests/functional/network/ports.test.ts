/**
 * Ports through the Network API as users see them: defaults, fixed IPs by subnet and address, MACs,
 * bulk creates, updates that re-allocate addresses, security groups and port security, allowed
 * address pairs, extra DHCP options, binding attributes, filters, visibility across projects, and
 * bad input that changes nothing.
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

const created = async (res: Promise<{ status: number; body: any }>, key: string) => {
  const r = await res
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body[key]
}
const network = (as: ApiClient, body: Record<string, unknown> = {}) => created(as.post('/v2.0/networks', { network: { name: 'net', ...body } }), 'network')
const subnet = (as: ApiClient, body: Record<string, unknown>) => created(as.post('/v2.0/subnets', { subnet: { ip_version: 4, ...body } }), 'subnet')
const port = (as: ApiClient, body: Record<string, unknown>) => created(as.post('/v2.0/ports', { port: body }), 'port')
const error = (res: { status: number; body: any }, status: number, type: string, message?: string) => {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body))
  if (message !== undefined) assert.equal(res.body.NeutronError.message, message)
}
const portCount = async (as: ApiClient, networkId: string) => (await as.get(`/v2.0/ports?network_id=${networkId}`)).body.ports.length
/** A network with one IPv4 subnet. */
const lan = async (as: ApiClient, cidr: string, extra: Record<string, unknown> = {}, subnetExtra: Record<string, unknown> = {}) => {
  const net = await network(as, extra)
  return { net, sub: await subnet(as, { network_id: net.id, cidr, ...subnetExtra }) }
}
// Addresses are picked at random, as in Neutron: a test that asks for an address by hand after
// ports got random ones keeps it out of the pool, or a random pick could already hold it.

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  const demoToken = await cloud.demo()
  demoProject = demoToken.tokenBody.token.project.id
  demo = cloud.service('network', demoToken)
  admin = cloud.service('network', await cloud.admin())
  other = cloud.service('network', await otherProjectMember(cloud, 'ports-other'))
})
after(() => cloud.stop())

describe('creating ports', () => {
  test('a new port: DOWN, a MAC under the base MAC, one address from the pool, the default security group; binding details for admins only', async () => {
    const { net, sub } = await lan(demo, '10.20.0.0/24')
    const tagged = await port(demo, { network_id: net.id, tags: ['red', 'blue'] })
    assert.deepEqual(tagged.tags, ['blue', 'red'])
    assert.equal((await demo.delete(`/v2.0/ports/${tagged.id}`)).status, 204)
    const p = await port(demo, { network_id: net.id, name: 'vm-port', device_owner: 'compute:nova', device_id: 'vm-1' })
    assert.deepEqual([p.status, p.admin_state_up, p.name, p.device_owner, p.device_id, p.project_id, p.tenant_id], ['DOWN', true, 'vm-port', 'compute:nova', 'vm-1', demoProject, demoProject])
    assert.match(p.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/)
    assert.equal(p.fixed_ips.length, 1)
    assert.equal(p.fixed_ips[0].subnet_id, sub.id)
    const last = Number(p.fixed_ips[0].ip_address.split('.')[3])
    assert.ok(last >= 2 && last <= 254)
    const groups = (await demo.get('/v2.0/security-groups?name=default')).body.security_groups
    assert.deepEqual(p.security_groups, [groups[0].id])
    assert.deepEqual([p.port_security_enabled, p.allowed_address_pairs, p.extra_dhcp_opts, p['binding:vnic_type'], p.revision_number, p.tags], [true, [], [], 'normal', 0, []])
    for (const hidden of ['binding:host_id', 'binding:vif_type', 'binding:vif_details', 'binding:profile']) assert.equal(hidden in p, false, hidden)
    const seen = (await admin.get(`/v2.0/ports/${p.id}`)).body.port
    assert.deepEqual([seen['binding:host_id'], seen['binding:vif_type'], seen['binding:vif_details'], seen['binding:profile']], ['', 'unbound', {}, {}])
    assert.deepEqual((await demo.get(`/v2.0/ports/${p.id}`)).body.port, p)
    assert.deepEqual(Object.keys((await demo.get(`/v2.0/ports/${p.id}?fields=id&fields=mac_address`)).body.port).sort(), ['id', 'mac_address'])
  })

  test('fixed IPs by subnet and by address, inside or outside the pools; wrong subnet, taken or foreign addresses are refused', async () => {
    const { net, sub } = await lan(demo, '10.21.0.0/24')
    const sub2 = await subnet(demo, { network_id: net.id, cidr: '10.21.1.0/24', allocation_pools: [{ start: '10.21.1.10', end: '10.21.1.20' }] })
    // By address first: a random pick below cannot then have taken 10.21.0.77 (inside the pool).
    const byIp = await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.21.0.77' }] })
    assert.deepEqual(byIp.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.21.0.77' }])
    const both = await port(demo, { network_id: net.id, fixed_ips: [{ subnet_id: sub.id }, { subnet_id: sub2.id, ip_address: '10.21.1.200' }] })
    assert.deepEqual(both.fixed_ips.map((f: any) => f.subnet_id).sort(), [sub.id, sub2.id].sort())
    assert.ok(both.fixed_ips.some((f: any) => f.ip_address === '10.21.1.200'), 'an owner may pick an address outside the pools')
    const none = await port(demo, { network_id: net.id, fixed_ips: [] })
    assert.deepEqual(none.fixed_ips, [])
    const count = await portCount(demo, net.id)

    const bad = (fixed_ips: unknown) => demo.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips } })
    error(await bad([{ subnet_id: sub.id, ip_address: '10.21.0.77' }]), 409, 'IpAddressAlreadyAllocated', `IP address 10.21.0.77 already allocated in subnet ${sub.id}`)
    error(await bad([{ subnet_id: sub.id, ip_address: '10.21.5.1' }]), 400, 'InvalidIpForSubnet', 'IP address 10.21.5.1 is not a valid IP for the specified subnet.')
    error(await bad([{ subnet_id: sub.id, ip_address: '10.21.0.255' }]), 400, 'InvalidIpForSubnet')
    error(await bad([{ ip_address: '192.168.9.9' }]), 400, 'InvalidIpForNetwork', 'IP address 192.168.9.9 is not a valid IP for any of the subnets on the specified network.')
    error(await bad([{ subnet_id: 'c0ffee00-0000-4000-8000-000000000000' }]), 404, 'SubnetNotFound')
    const elsewhere = (await lan(demo, '10.22.0.0/24')).sub
    error(await bad([{ subnet_id: elsewhere.id }]), 400, 'InvalidInput',
      `Invalid input for operation: Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${elsewhere.id}.`)
    error(await bad([{ ip_address: '10.21.0.5' }, { ip_address: '10.21.0.5' }]), 400, 'HTTPBadRequest', "Invalid input for fixed_ips. Reason: Duplicate IP address '10.21.0.5'.")
    error(await bad([{ ip_address: 'ten' }]), 400, 'HTTPBadRequest', "Invalid input for fixed_ips. Reason: 'ten' is not a valid IP address.")
    error(await bad([{}]), 400, 'InvalidInput', 'Invalid input for operation: IP allocation requires subnet_id or ip_address.')
    assert.equal(await portCount(demo, net.id), count, 'refused creates changed nothing')
    const noSubnets = await network(demo)
    error(await demo.post('/v2.0/ports', { port: { network_id: noSubnets.id, fixed_ips: [{ ip_address: '10.0.0.3' }] } }), 400, 'InvalidInput',
      'Invalid input for operation: IP allocation requires subnets for network.')
    assert.deepEqual((await port(demo, { network_id: noSubnets.id })).fixed_ips, [])
  })

  test('MAC addresses: given ones are normalised, unique per network, and must be valid', async () => {
    const a = await lan(demo, '10.23.0.0/24')
    const b = await lan(demo, '10.23.1.0/24')
    const p = await port(demo, { network_id: a.net.id, mac_address: 'FA-16-3E-01-02-03' })
    assert.equal(p.mac_address, 'fa:16:3e:01:02:03')
    error(await demo.post('/v2.0/ports', { port: { network_id: a.net.id, mac_address: 'fa:16:3e:01:02:03' } }), 409, 'MacAddressInUse',
      `Unable to complete operation for network ${a.net.id}. The mac address fa:16:3e:01:02:03 is in use.`)
    assert.equal((await port(demo, { network_id: b.net.id, mac_address: 'fa:16:3e:01:02:03' })).mac_address, 'fa:16:3e:01:02:03')
    error(await demo.post('/v2.0/ports', { port: { network_id: a.net.id, mac_address: 'ff:ff:ff:ff:ff:ff' } }), 400, 'HTTPBadRequest',
      "Invalid input for mac_address. Reason: 'ff:ff:ff:ff:ff:ff' is not a valid MAC address.")
    assert.equal(await portCount(demo, a.net.id), 1)
  })

  test('a bulk create is all or nothing, and its addresses come back', async () => {
    const { net, sub } = await lan(demo, '10.24.0.0/24', {}, { allocation_pools: [{ start: '10.24.0.2', end: '10.24.0.200' }] })
    const ok = await demo.post('/v2.0/ports', { ports: [{ network_id: net.id, name: 'a' }, { network_id: net.id, name: 'b' }] })
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body.ports.map((p: any) => p.name), ['a', 'b'])
    const bad = await demo.post('/v2.0/ports', { ports: [
      { network_id: net.id, name: 'c', fixed_ips: [{ subnet_id: sub.id, ip_address: '10.24.0.250' }] },
      { network_id: net.id, name: 'd', fixed_ips: [{ subnet_id: sub.id, ip_address: '10.24.0.250' }] },
    ] })
    error(bad, 409, 'IpAddressAlreadyAllocated')
    assert.equal(await portCount(demo, net.id), 2)
    assert.deepEqual((await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.24.0.250' }] })).fixed_ips[0].ip_address, '10.24.0.250')
  })

  test('request shape and policy: unknown attributes, missing network, admin-only attributes', async () => {
    const { net } = await lan(demo, '10.25.0.0/24')
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, color: 'red' } }), 400, 'HTTPBadRequest', "Unrecognized attribute(s) 'color'")
    error(await demo.post('/v2.0/ports', { port: { name: 'x' } }), 400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified")
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, status: 'ACTIVE' } }), 400, 'HTTPBadRequest', "Attribute 'status' not allowed in POST")
    error(await demo.post('/v2.0/ports', { port: { network_id: 'c0ffee00-0000-4000-8000-000000000001' } }), 404, 'NetworkNotFound')
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute-1' } }), 403, 'HTTPForbidden')
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, admin_state_up: 'maybe' } }), 400, 'InvalidInput',
      "Invalid input for operation: 'maybe' cannot be converted to boolean.")
    assert.equal(await portCount(demo, net.id), 0)
  })
})

describe('port security, security groups, address pairs and DHCP options', () => {
  test('security groups: none, chosen ones, unknown ones; port security off forbids them; network:* ports get none', async () => {
    const { net } = await lan(demo, '10.30.0.0/24')
    assert.deepEqual((await port(demo, { network_id: net.id, security_groups: [] })).security_groups, [])
    const sg = await created(demo.post('/v2.0/security-groups', { security_group: { name: 'web' } }), 'security_group')
    assert.deepEqual((await port(demo, { network_id: net.id, security_groups: [sg.id] })).security_groups, [sg.id])
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, security_groups: ['c0ffee00-0000-4000-8000-000000000002'] } }), 404, 'SecurityGroupNotFound',
      'Security group c0ffee00-0000-4000-8000-000000000002 does not exist')
    const theirs = await created(other.post('/v2.0/security-groups', { security_group: { name: 'theirs' } }), 'security_group')
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [theirs.id] } }), 404, 'SecurityGroupNotFound')
    const open = await port(demo, { network_id: net.id, port_security_enabled: false })
    assert.deepEqual([open.port_security_enabled, open.security_groups], [false, []])
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, port_security_enabled: false, security_groups: [sg.id] } }), 400,
      'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.')
    assert.deepEqual((await port(demo, { network_id: net.id, device_owner: 'network:dhcp' })).security_groups, [])
    const insecureNet = (await lan(demo, '10.30.1.0/24', { port_security_enabled: false })).net
    const inherited = await port(demo, { network_id: insecureNet.id })
    assert.deepEqual([inherited.port_security_enabled, inherited.security_groups], [false, []])
  })

  test('turning port security off needs the groups and pairs gone in the same request', async () => {
    const { net } = await lan(demo, '10.31.0.0/24')
    const p = await port(demo, { network_id: net.id, allowed_address_pairs: [{ ip_address: '10.31.0.200' }] })
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false } }), 409, 'AddressPairAndPortSecurityRequired')
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, allowed_address_pairs: [] } }), 409, 'PortSecurityPortHasSecurityGroup',
      'Port has security group associated. Cannot disable port security or IP address until security group is removed.')
    const off = await demo.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, allowed_address_pairs: [], security_groups: [] } })
    assert.equal(off.status, 200, JSON.stringify(off.body))
    assert.deepEqual([off.body.port.port_security_enabled, off.body.port.security_groups, off.body.port.allowed_address_pairs], [false, [], []])
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { allowed_address_pairs: [{ ip_address: '10.31.0.9' }] } }), 409, 'AddressPairAndPortSecurityRequired',
      'Port Security must be enabled in order to have allowed address pairs on a port.')
    const sg = (await demo.get('/v2.0/security-groups?name=default')).body.security_groups[0]
    const on = await demo.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: true, security_groups: [sg.id] } })
    assert.deepEqual([on.body.port.port_security_enabled, on.body.port.security_groups], [true, [sg.id]])
  })

  test('allowed address pairs default to the port MAC, take CIDRs, and are validated', async () => {
    const { net } = await lan(demo, '10.32.0.0/24')
    const p = await port(demo, { network_id: net.id, allowed_address_pairs: [{ ip_address: '10.32.0.100' }, { ip_address: '10.32.9.0/24', mac_address: 'fa:16:3e:aa:aa:aa' }] })
    assert.deepEqual(p.allowed_address_pairs, [{ ip_address: '10.32.0.100', mac_address: p.mac_address }, { ip_address: '10.32.9.0/24', mac_address: 'fa:16:3e:aa:aa:aa' }])
    const bad = (pairs: unknown) => demo.post('/v2.0/ports', { port: { network_id: net.id, allowed_address_pairs: pairs } })
    error(await bad([{ mac_address: 'fa:16:3e:aa:aa:aa' }]), 400, 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address')
    error(await bad([{ ip_address: '10.0.0.1' }, { ip_address: '10.0.0.1' }]), 400, 'DuplicateAddressPairInRequest')
    error(await bad([{ ip_address: '224.0.0.1' }]), 400, 'HTTPBadRequest')
    error(await bad([{ ip_address: 'x' }]), 400, 'HTTPBadRequest')
    error(await bad(Array.from({ length: 11 }, (_, i) => ({ ip_address: `10.0.0.${i + 1}` }))), 400, 'AllowedAddressPairExhausted')
    const replaced = await demo.put(`/v2.0/ports/${p.id}`, { port: { allowed_address_pairs: [{ ip_address: '10.32.0.101' }] } })
    assert.deepEqual(replaced.body.port.allowed_address_pairs, [{ ip_address: '10.32.0.101', mac_address: p.mac_address }])
    assert.equal(await portCount(demo, net.id), 1)
  })

  test('extra DHCP options are added, changed and removed by name and IP version', async () => {
    const { net } = await lan(demo, '10.33.0.0/24')
    const p = await port(demo, { network_id: net.id, extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' }, { opt_name: 'tftp-server', opt_value: '10.33.0.9', ip_version: 4 }] })
    assert.deepEqual(p.extra_dhcp_opts, [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 }, { opt_name: 'tftp-server', opt_value: '10.33.0.9', ip_version: 4 },
    ])
    const u = await demo.put(`/v2.0/ports/${p.id}`, { port: { extra_dhcp_opts: [
      { opt_name: 'bootfile-name', opt_value: 'ipxe.efi' }, { opt_name: 'tftp-server', opt_value: null }, { opt_name: 'server-ip-address', opt_value: '2001:db8::9', ip_version: 6 },
    ] } })
    assert.deepEqual(u.body.port.extra_dhcp_opts, [
      { opt_name: 'bootfile-name', opt_value: 'ipxe.efi', ip_version: 4 }, { opt_name: 'server-ip-address', opt_value: '2001:db8::9', ip_version: 6 },
    ])
    error(await demo.post('/v2.0/ports', { port: { network_id: net.id, extra_dhcp_opts: [{ opt_name: 'x', opt_value: 'y', ip_version: 5 }] } }), 400, 'InvalidInput')
  })
})

describe('updating and deleting ports', () => {
  test('fixed IPs are replaced and re-allocated; name and admin state change; revisions count', async () => {
    const { net, sub } = await lan(demo, '10.40.0.0/24', {}, { allocation_pools: [{ start: '10.40.0.130', end: '10.40.0.254' }] })
    const sub2 = await subnet(demo, { network_id: net.id, cidr: '10.40.1.0/24' })
    const p = await port(demo, { network_id: net.id, fixed_ips: [{ subnet_id: sub.id }, { subnet_id: sub2.id }] })
    assert.equal(p.fixed_ips.length, 2)
    const one = await demo.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [p.fixed_ips.find((f: any) => f.subnet_id === sub.id)], name: 'renamed', admin_state_up: false } })
    assert.equal(one.status, 200, JSON.stringify(one.body))
    assert.deepEqual(one.body.port.fixed_ips, [p.fixed_ips.find((f: any) => f.subnet_id === sub.id)])
    assert.deepEqual([one.body.port.name, one.body.port.admin_state_up, one.body.port.revision_number], ['renamed', false, 1])
    const moved = await demo.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ subnet_id: sub.id, ip_address: '10.40.0.99' }, { subnet_id: sub2.id }] } })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.deepEqual(moved.body.port.fixed_ips.map((f: any) => f.subnet_id).sort(), [sub.id, sub2.id].sort())
    assert.ok(moved.body.port.fixed_ips.some((f: any) => f.ip_address === '10.40.0.99'))
    const freed = p.fixed_ips.find((f: any) => f.subnet_id === sub.id).ip_address
    assert.equal((await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: freed }] })).fixed_ips[0].ip_address, freed, 'the old address is free again')
    const taken = await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.40.0.120' }] })
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ ip_address: '10.40.0.120' }] } }), 409, 'IpAddressAlreadyAllocated')
    assert.deepEqual((await demo.get(`/v2.0/ports/${p.id}`)).body.port.fixed_ips, moved.body.port.fixed_ips, 'a refused update changed nothing')
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { network_id: net.id } }), 400, 'HTTPBadRequest', 'Cannot update read-only attribute network_id')
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { name: 'y' } }, { 'if-match': 'revision_number=1' }), 412, 'RevisionNumberConstraintFailed')
    assert.equal((await demo.delete(`/v2.0/ports/${taken.id}`)).status, 204)
  })

  test('MAC changes follow Neutron: refused on network:* ports, SLAAC addresses follow the new MAC', async () => {
    const net = await network(demo)
    const v6 = await subnet(demo, { network_id: net.id, ip_version: 6, cidr: '2001:db8:41::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' })
    const p = await port(demo, { network_id: net.id, mac_address: 'fa:16:3e:00:00:01' })
    assert.deepEqual(p.fixed_ips, [{ subnet_id: v6.id, ip_address: '2001:db8:41:0:f816:3eff:fe00:1' }])
    const moved = await admin.put(`/v2.0/ports/${p.id}`, { port: { mac_address: 'fa:16:3e:00:00:02' } })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.deepEqual(moved.body.port.fixed_ips, [{ subnet_id: v6.id, ip_address: '2001:db8:41:0:f816:3eff:fe00:2' }])
    const dhcp = await port(admin, { network_id: net.id, device_owner: 'network:dhcp' })
    error(await admin.put(`/v2.0/ports/${dhcp.id}`, { port: { mac_address: 'fa:16:3e:00:00:09' } }), 409, 'UnsupportedPortDeviceOwner')
    error(await admin.put(`/v2.0/ports/${dhcp.id}`, { port: { mac_address: 'fa:16:3e:00:00:02' } }), 409, 'UnsupportedPortDeviceOwner')
  })

  test('binding: admins set binding:host_id (no mechanism driver binds yet: binding_failed), and clearing it unbinds', async () => {
    const { net } = await lan(demo, '10.42.0.0/24')
    const p = await port(admin, { network_id: net.id, 'binding:host_id': 'compute-1' })
    assert.deepEqual([p['binding:host_id'], p['binding:vif_type'], p['binding:vif_details']], ['compute-1', 'binding_failed', {}])
    const q = await port(admin, { network_id: net.id })
    const bound = await admin.put(`/v2.0/ports/${q.id}`, { port: { 'binding:host_id': 'compute-2', 'binding:vnic_type': 'normal' } })
    assert.deepEqual([bound.body.port['binding:host_id'], bound.body.port['binding:vif_type']], ['compute-2', 'binding_failed'])
    assert.equal((await admin.get(`/v2.0/ports?binding:host_id=compute-2`)).body.ports.length, 1)
    const cleared = await admin.put(`/v2.0/ports/${q.id}`, { port: { 'binding:host_id': '' } })
    assert.deepEqual([cleared.body.port['binding:host_id'], cleared.body.port['binding:vif_type']], ['', 'unbound'])
    error(await demo.put(`/v2.0/ports/${q.id}`, { port: { 'binding:host_id': 'compute-3' } }), 403, 'HTTPForbidden')
    error(await admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:profile': { a: 1 } } }), 403, 'HTTPForbidden')
    error(await admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:vnic_type': 'warp' } }), 400, 'HTTPBadRequest')
  })

  test('delete frees the addresses; unknown ports are 404', async () => {
    const { net } = await lan(demo, '10.43.0.0/24')
    const p = await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.43.0.10' }] })
    assert.equal((await demo.delete(`/v2.0/ports/${p.id}`)).status, 204)
    error(await demo.get(`/v2.0/ports/${p.id}`), 404, 'PortNotFound', `Port ${p.id} could not be found.`)
    error(await demo.delete(`/v2.0/ports/${p.id}`), 404, 'PortNotFound')
    error(await demo.put(`/v2.0/ports/${p.id}`, { port: { name: 'x' } }), 404, 'PortNotFound')
    assert.equal((await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.43.0.10' }] })).fixed_ips[0].ip_address, '10.43.0.10')
  })
})

describe('listing and visibility', () => {
  test('filters: fixed_ips by address, subnet and substring; device_id, device_owner, mac_address, network_id', async () => {
    const { net, sub } = await lan(demo, '10.50.0.0/24')
    const a = await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.50.0.11' }], device_id: 'router-1', device_owner: 'compute:nova' })
    const b = await port(demo, { network_id: net.id, fixed_ips: [{ ip_address: '10.50.0.21' }] })
    const ids = async (q: string) => (await demo.get(`/v2.0/ports?${q}`)).body.ports.map((p: any) => p.id).sort()
    assert.deepEqual(await ids('fixed_ips=ip_address%3D10.50.0.11'), [a.id])
    assert.deepEqual(await ids(`fixed_ips=subnet_id%3D${sub.id}`), [a.id, b.id].sort())
    assert.deepEqual(await ids(`fixed_ips=subnet_id%3D${sub.id}&fixed_ips=ip_address%3D10.50.0.21`), [b.id])
    assert.deepEqual(await ids('fixed_ips=ip_address_substr%3D10.50.0.1'), [a.id])
    assert.deepEqual(await ids('fixed_ips=ip_address_substr%3D10.50.0.'), [a.id, b.id].sort())
    assert.deepEqual(await ids('device_id=router-1'), [a.id])
    assert.deepEqual(await ids(`device_owner=compute:nova&network_id=${net.id}`), [a.id])
    assert.deepEqual(await ids(`mac_address=${b.mac_address.toUpperCase()}`), [b.id])
    const page = (await demo.get(`/v2.0/ports?network_id=${net.id}&sort_key=id&limit=1`)).body
    assert.deepEqual(page.ports.map((p: any) => p.id), [[a.id, b.id].sort()[0]])
    assert.equal(page.ports_links[0].rel, 'next')
    error(await demo.get('/v2.0/ports?flavor=x'), 400, 'HTTPBadRequest', '[flavor] is invalid attribute for filtering')
  })

  test("a project sees its ports and the ports on its networks; others' ports stay hidden", async () => {
    const mine = await lan(demo, '10.51.0.0/24')
    const p = await port(demo, { network_id: mine.net.id })
    error(await other.get(`/v2.0/ports/${p.id}`), 404, 'PortNotFound')
    assert.equal((await other.get('/v2.0/ports')).body.ports.some((x: any) => x.id === p.id), false)
    error(await other.delete(`/v2.0/ports/${p.id}`), 404, 'PortNotFound')
    error(await other.post('/v2.0/ports', { port: { network_id: mine.net.id } }), 404, 'NetworkNotFound')

    const shared = await network(admin, { shared: true, project_id: demoProject })
    const sub = await subnet(admin, { network_id: shared.id, cidr: '10.52.0.0/24', project_id: demoProject })
    const theirs = await port(other, { network_id: shared.id })
    assert.notEqual(theirs.project_id, demoProject)
    assert.equal((await demo.get(`/v2.0/ports/${theirs.id}`)).status, 200, 'the network owner sees ports on its network')
    assert.ok((await demo.get(`/v2.0/ports?network_id=${shared.id}`)).body.ports.some((x: any) => x.id === theirs.id))
    error(await other.post('/v2.0/ports', { port: { network_id: shared.id, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.52.0.50' }] } }), 403, 'HTTPForbidden')
    assert.equal((await other.post('/v2.0/ports', { port: { network_id: shared.id, fixed_ips: [{ subnet_id: sub.id }] } })).status, 201)
    assert.equal((await admin.get(`/v2.0/ports/${p.id}`)).status, 200)
  })
})
