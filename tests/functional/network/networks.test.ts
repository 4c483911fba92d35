/**
 * Networks through the Network API as users see them: project networks with segments from the
 * tenant types, provider networks by admins, MTU, sharing and external networks across projects,
 * availability zones, revisions, bulk creates, and bad input that changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember, startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'
import { scratchDatabase, type Engine } from '../../support/databases.ts'

let cloud: TestCloud
let admin: ApiClient
let demo: ApiClient
/** A member of a second project. */
let other: ApiClient
let demoProject: string

const create = async (as: ApiClient, network: Record<string, unknown>) => {
  const res = await as.post('/v2.0/networks', { network })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.network
}

const names = async (as: ApiClient, query = '') => (await as.get(`/v2.0/networks${query}`)).body.networks.map((n: any) => n.name).sort()

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  const demoToken = await cloud.demo()
  demoProject = demoToken.tokenBody.token.project.id
  admin = cloud.service('network', await cloud.admin())
  demo = cloud.service('network', demoToken)
  other = cloud.service('network', await otherProjectMember(cloud, 'other'))
})
after(() => cloud.stop())

describe('project networks', () => {
  test('a member creates a network: ACTIVE, a vxlan segment it cannot see, MTU less the overhead, standard attributes', async () => {
    const net = await create(demo, { name: 'private', description: 'mine' })
    assert.equal(net.status, 'ACTIVE')
    assert.equal(net.project_id, demoProject)
    assert.equal(net.tenant_id, demoProject)
    assert.equal(net.mtu, 1450)
    assert.deepEqual([net.shared, net['router:external'], net.is_default, net.admin_state_up, net.port_security_enabled], [false, false, false, true, true])
    assert.deepEqual(net.subnets, [])
    assert.deepEqual(net.tags, [])
    assert.deepEqual(net.availability_zone_hints, [])
    assert.deepEqual(net.availability_zones, ['nova'])
    assert.equal(net.revision_number, 0)
    assert.match(net.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(net.description, 'mine')
    assert.ok(!('provider:network_type' in net) && !('segments' in net), 'provider attributes are admin-only')
    const seen = (await admin.get(`/v2.0/networks/${net.id}`)).body.network
    assert.equal(seen['provider:network_type'], 'vxlan')
    assert.equal(seen['provider:physical_network'], null)
    assert.ok(seen['provider:segmentation_id'] >= 1 && seen['provider:segmentation_id'] <= 65535)
  })

  test('show and list honour fields=, as tempest checks', async () => {
    const net = await create(demo, { name: 'fields' })
    const shown = (await demo.get(`/v2.0/networks/${net.id}?fields=id&fields=name&fields=mtu`)).body.network
    assert.deepEqual(Object.keys(shown).sort(), ['id', 'mtu', 'name'])
    const listed = (await demo.get('/v2.0/networks?fields=id&fields=name&fields=mtu')).body.networks
    assert.ok(listed.length >= 1)
    for (const n of listed) assert.deepEqual(Object.keys(n).sort(), ['id', 'mtu', 'name'])
  })

  test('update bumps the revision; If-Match must name the current one', async () => {
    const net = await create(demo, { name: 'rev' })
    const stale = await demo.put(`/v2.0/networks/${net.id}`, { network: { name: 'x' } }, { 'if-match': 'revision_number=7' })
    assert.equal(stale.status, 412)
    assert.equal(stale.body.NeutronError.type, 'RevisionNumberConstraintFailed')
    const res = await demo.put(`/v2.0/networks/${net.id}`, { network: { name: 'rev2', admin_state_up: false, description: 'd' } }, { 'if-match': 'revision_number=0' })
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.network.name, res.body.network.admin_state_up, res.body.network.revision_number], ['rev2', false, 1])
  })

  test('MTU can be lowered, not raised past what the segment allows, and 0 restores the largest', async () => {
    const net = await create(demo, { name: 'mtu', mtu: 1400 })
    assert.equal(net.mtu, 1400)
    const big = await demo.put(`/v2.0/networks/${net.id}`, { network: { mtu: 9000 } })
    assert.equal(big.status, 400)
    assert.equal(big.body.NeutronError.message, 'Invalid input for operation: Requested MTU is too big, maximum is 1450.')
    assert.equal((await demo.put(`/v2.0/networks/${net.id}`, { network: { mtu: 0 } })).body.network.mtu, 1450)
    const tooBig = await demo.post('/v2.0/networks', { network: { name: 'mtu-big', mtu: 1451 } })
    assert.equal(tooBig.status, 400)
  })

  test('members may not share, make external, or set provider attributes', async () => {
    for (const [attr, body] of [
      ['shared', { shared: true }], ['router:external', { 'router:external': true }],
      ['provider:network_type', { 'provider:network_type': 'vxlan' }], ['segments', { segments: [{ 'provider:network_type': 'local' }] }],
    ] as const) {
      const res = await demo.post('/v2.0/networks', { network: { name: `no-${attr}`, ...body } })
      assert.equal(res.status, 403, attr)
      assert.equal(res.body.NeutronError.message, `(rule:create_network and rule:create_network:${attr}) is disallowed by policy`)
    }
    assert.deepEqual((await names(demo, '?name=no-shared')), [])
    const ok = await demo.post('/v2.0/networks', { network: { name: 'explicit-defaults', shared: false, 'router:external': false } })
    assert.equal(ok.status, 201, 'attributes at their defaults need no extra rule')
  })

  test('creating for another project needs admin', async () => {
    const res = await demo.post('/v2.0/networks', { network: { name: 'for-other', project_id: 'someone-else' } })
    assert.equal(res.status, 400)
    assert.equal(res.body.NeutronError.message, "Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
    const mismatch = await admin.post('/v2.0/networks', { network: { name: 'mm', project_id: 'a', tenant_id: 'b' } })
    assert.equal(mismatch.body.NeutronError.message, "'project_id' and 'tenant_id' do not match")
    const net = await create(admin, { name: 'admin-made', tenant_id: demoProject })
    assert.equal(net.project_id, demoProject)
    assert.equal((await demo.get(`/v2.0/networks/${net.id}`)).status, 200)
  })

  test('bad input gets Neutron errors and leaves nothing behind', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'bad', mtu: -1 }, 'HTTPBadRequest', "Invalid input for mtu. Reason: '-1' should be non-negative."],
      [{ name: 'bad', admin_state_up: 'maybe' }, 'InvalidInput', "Invalid input for operation: 'maybe' cannot be converted to boolean."],
      [{ name: 'bad', mtu: 'big' }, 'InvalidInput', "Invalid input for operation: 'big' is not an integer."],
      [{ name: 'bad', color: 'red' }, 'HTTPBadRequest', "Unrecognized attribute(s) 'color'"],
      [{ name: 'bad', status: 'DOWN' }, 'HTTPBadRequest', "Attribute 'status' not allowed in POST"],
      [{ name: 'x'.repeat(256) }, 'HTTPBadRequest', `Invalid input for name. Reason: '${'x'.repeat(256)}' exceeds maximum length of 255.`],
      [{ name: 'bad', dns_domain: 'a..b' }, 'HTTPBadRequest', "Invalid input for dns_domain. Reason: 'a..b' not a valid PQDN or FQDN. Reason: Encountered an empty component."],
      [{ name: 'bad', availability_zone_hints: ['nowhere'] }, 'AvailabilityZoneNotFound', 'AvailabilityZone nowhere could not be found.'],
    ]
    for (const [network, type, message] of cases) {
      const res = await demo.post('/v2.0/networks', { network })
      assert.equal(res.status, type === 'AvailabilityZoneNotFound' ? 404 : 400, JSON.stringify(network))
      assert.deepEqual(res.body.NeutronError, { type, message, detail: '' })
    }
    assert.equal((await demo.post('/v2.0/networks', {})).body.NeutronError.message, 'Resource body required')
    assert.equal((await demo.post('/v2.0/networks', { net: {} })).body.NeutronError.message, "Unable to find 'network' in request body")
    assert.deepEqual(await names(demo, '?name=bad'), [])
    const net = await create(demo, { name: 'ro' })
    const ro = await demo.put(`/v2.0/networks/${net.id}`, { network: { tenant_id: 'x' } })
    assert.equal(ro.body.NeutronError.message, 'Cannot update read-only attribute tenant_id')
  })

  test('bulk create is all or nothing', async () => {
    const res = await demo.post('/v2.0/networks', { networks: [{ name: 'bulk-1' }, { name: 'bulk-2' }] })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body.networks.map((n: any) => n.name), ['bulk-1', 'bulk-2'])
    const bad = await demo.post('/v2.0/networks', { networks: [{ name: 'bulk-3' }, { name: 'bulk-4', mtu: -5 }] })
    assert.equal(bad.status, 400)
    assert.deepEqual(await names(demo, '?name=bulk-3&name=bulk-4'), [])
  })

  test('filters, sorting and paging work on networks', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await create(demo, { name: n })
    assert.deepEqual(await names(demo, '?name=page-a&name=page-c'), ['page-a', 'page-c'])
    const sorted = (await demo.get('/v2.0/networks?sort_key=name&sort_dir=desc&name=page-a&name=page-b&name=page-c')).body.networks
    assert.deepEqual(sorted.map((n: any) => n.name), ['page-c', 'page-b', 'page-a'])
    const page = await demo.get('/v2.0/networks?limit=2&sort_key=name&name=page-a&name=page-b&name=page-c')
    assert.equal(page.body.networks.length, 2)
    assert.equal(page.body.networks_links[0].rel, 'next')
    assert.equal((await demo.get('/v2.0/networks?colour=red')).status, 400)
  })
})

describe('provider networks', () => {
  test('an admin reserves a VLAN; the same VLAN again is a 409 until the network is deleted', async () => {
    const spec = { name: 'vlan-1500', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1500 }
    const net = await create(admin, spec)
    assert.deepEqual([net['provider:network_type'], net['provider:physical_network'], net['provider:segmentation_id'], net.mtu], ['vlan', 'physnet1', 1500, 1500])
    const again = await admin.post('/v2.0/networks', { network: { ...spec, name: 'vlan-again' } })
    assert.equal(again.status, 409)
    assert.deepEqual(again.body.NeutronError, { type: 'VlanIdInUse', message: 'Unable to create the network. The VLAN 1500 on physical network physnet1 is in use.', detail: '' })
    assert.deepEqual(await names(admin, '?name=vlan-again'), [])
    assert.equal((await admin.delete(`/v2.0/networks/${net.id}`)).status, 204)
    await create(admin, { ...spec, name: 'vlan-again' })
  })

  test('bad provider segments are 400s in Neutron words', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 5000 }, 'segmentation_id out of range (1 through 4094)'],
      [{ 'provider:network_type': 'vlan', 'provider:physical_network': 'nope', 'provider:segmentation_id': 10 }, "physical_network 'nope' unknown for VLAN provider network"],
      [{ 'provider:network_type': 'gre' }, "network_type value 'gre' not supported"],
      [{ 'provider:physical_network': 'physnet1' }, 'network_type required'],
      [{ 'provider:network_type': 'flat' }, 'physical_network required for flat provider network'],
      [{ 'provider:network_type': 'vxlan', 'provider:physical_network': 'physnet1' }, 'provider:physical_network specified for vxlan network'],
    ]
    for (const [body, message] of cases) {
      const res = await admin.post('/v2.0/networks', { network: { name: 'bad-provider', ...body } })
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.NeutronError.message, `Invalid input for operation: ${message}.`)
    }
    assert.deepEqual(await names(admin, '?name=bad-provider'), [])
  })

  test('one flat network per physical network; partial VLAN and VXLAN requests get a free id', async () => {
    const flat = await create(admin, { name: 'flat-1', 'provider:network_type': 'flat', 'provider:physical_network': 'datacentre' })
    assert.equal(flat['provider:segmentation_id'], null)
    const second = await admin.post('/v2.0/networks', { network: { name: 'flat-2', 'provider:network_type': 'flat', 'provider:physical_network': 'datacentre' } })
    assert.equal(second.status, 409)
    assert.equal(second.body.NeutronError.type, 'FlatNetworkInUse')
    const vlan = await create(admin, { name: 'vlan-any', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1' })
    assert.ok(vlan['provider:segmentation_id'] >= 1000 && vlan['provider:segmentation_id'] <= 1999)
    const local = await create(admin, { name: 'local-1', 'provider:network_type': 'local' })
    assert.equal(local.mtu, 1500)
  })

  test('multi-provider: several segments show as `segments`; provider:* and segments together are refused', async () => {
    const net = await create(admin, {
      name: 'multi', segments: [
        { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1600 },
        { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 70000 },
      ],
    })
    assert.deepEqual(net.segments, [
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1600 },
      { 'provider:network_type': 'vxlan', 'provider:physical_network': null, 'provider:segmentation_id': 70000 },
    ])
    assert.ok(!('provider:network_type' in net))
    assert.equal(net.mtu, 1450, 'the smallest segment MTU')
    const both = await admin.post('/v2.0/networks', { network: { name: 'both', 'provider:network_type': 'local', segments: [{ 'provider:network_type': 'local' }] } })
    assert.deepEqual(both.body.NeutronError, { type: 'SegmentsSetInConjunctionWithProviders', message: 'Segments and provider values cannot both be set.', detail: '' })
    const dup = await admin.post('/v2.0/networks', { network: { name: 'dup', segments: [
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1601 },
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1601 },
    ] } })
    assert.equal(dup.body.NeutronError.type, 'SegmentsContainDuplicateEntry')
    assert.equal((await demo.get(`/v2.0/networks/${net.id}`)).status, 404, 'a member does not see admin networks')
  })

  test('a VLAN network can move to another free VLAN; other provider changes are refused', async () => {
    const net = await create(admin, { name: 'vlan-move', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1700 })
    const moved = await admin.put(`/v2.0/networks/${net.id}`, { network: { 'provider:segmentation_id': 1701 } })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.equal(moved.body.network['provider:segmentation_id'], 1701)
    await create(admin, { name: 'vlan-1700-reused', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1700 })
    const type = await admin.put(`/v2.0/networks/${net.id}`, { network: { 'provider:network_type': 'vxlan' } })
    assert.equal(type.status, 400)
    assert.match(type.body.NeutronError.message, /Plugin does not support updating the following provider network attributes/)
    const member = await demo.post('/v2.0/networks', { network: { name: 'mine-to-move' } })
    const forbidden = await demo.put(`/v2.0/networks/${member.body.network.id}`, { network: { 'provider:segmentation_id': 5 } })
    assert.equal(forbidden.status, 403)
  })
})

describe('sharing, external networks and other projects', () => {
  test('another project sees shared and external networks, not private ones', async () => {
    const mine = await create(demo, { name: 'demo-private' })
    const shared = await create(admin, { name: 'admin-shared', shared: true })
    const external = await create(admin, { name: 'admin-external', 'router:external': true })
    const seen = await names(other)
    assert.ok(seen.includes('admin-shared') && seen.includes('admin-external'))
    assert.ok(!seen.includes('demo-private'))
    assert.equal((await other.get(`/v2.0/networks/${mine.id}`)).status, 404)
    assert.equal((await other.get(`/v2.0/networks/${shared.id}`)).status, 200)
    const ext = await other.get('/v2.0/networks?router:external=True')
    assert.ok(ext.body.networks.every((n: any) => n['router:external'] === true))
    assert.ok(ext.body.networks.some((n: any) => n.id === external.id))
  })

  test('another project may not change or delete what it can only see, nor see what it may not', async () => {
    const mine = await create(demo, { name: 'demo-only' })
    const shared = await create(admin, { name: 'shared-ro', shared: true })
    assert.equal((await other.put(`/v2.0/networks/${mine.id}`, { network: { name: 'x' } })).status, 404)
    assert.equal((await other.delete(`/v2.0/networks/${mine.id}`)).status, 404)
    assert.equal((await other.put(`/v2.0/networks/${shared.id}`, { network: { name: 'x' } })).status, 403)
    assert.equal((await other.delete(`/v2.0/networks/${shared.id}`)).status, 403)
    assert.equal((await demo.get(`/v2.0/networks/${mine.id}`)).body.network.name, 'demo-only')
  })

  test('one default external network at a time; is_default means nothing on internal networks', async () => {
    const first = await create(admin, { name: 'ext-default', 'router:external': true, is_default: true })
    assert.equal(first.is_default, true)
    const second = await admin.post('/v2.0/networks', { network: { name: 'ext-default-2', 'router:external': true, is_default: true } })
    assert.equal(second.status, 409)
    assert.deepEqual(second.body.NeutronError, { type: 'DefaultExternalNetworkExists', message: `A default external network already exists: ${first.id}.`, detail: '' })
    const internal = await create(admin, { name: 'int-default', is_default: true })
    assert.equal(internal.is_default, false)
    const off = await admin.put(`/v2.0/networks/${first.id}`, { network: { 'router:external': false } })
    assert.deepEqual([off.body.network['router:external'], off.body.network.is_default], [false, false])
  })
})

describe('availability zones', () => {
  test('the default zone exists for networks and routers and hints must name a zone', async () => {
    const zones = (await demo.get('/v2.0/availability_zones')).body.availability_zones
    assert.deepEqual(zones, [{ name: 'nova', resource: 'network', state: 'available' }, { name: 'nova', resource: 'router', state: 'available' }])
    assert.deepEqual((await demo.get('/v2.0/availability_zones?resource=router')).body.availability_zones.map((z: any) => z.resource), ['router'])
    const net = await create(demo, { name: 'hinted', availability_zone_hints: ['nova'] })
    assert.deepEqual([net.availability_zone_hints, net.availability_zones], [['nova'], ['nova']])
    const ro = await demo.put(`/v2.0/networks/${net.id}`, { network: { availability_zone_hints: [] } })
    assert.equal(ro.status, 400)
  })
})

describe('deleting networks', () => {
  test('a deleted network is gone, its segment is free again, and a second delete is a 404', async () => {
    const net = await create(demo, { name: 'short-lived' })
    assert.equal((await demo.delete(`/v2.0/networks/${net.id}`)).status, 204)
    const gone = await demo.get(`/v2.0/networks/${net.id}`)
    assert.equal(gone.status, 404)
    assert.deepEqual(gone.body.NeutronError, { type: 'NetworkNotFound', message: `Network ${net.id} could not be found.`, detail: '' })
    assert.equal((await demo.delete(`/v2.0/networks/${net.id}`)).status, 404)
  })

  test('If-Match applies to delete too', async () => {
    const net = await create(demo, { name: 'guarded' })
    assert.equal((await demo.delete(`/v2.0/networks/${net.id}`, { 'if-match': 'revision_number=3' })).status, 412)
    assert.equal((await demo.delete(`/v2.0/networks/${net.id}`, { 'if-match': 'revision_number=0' })).status, 204)
  })
})

describe('networks with subnets and ports', () => {
  const subnet = async (as: ApiClient, networkId: string, cidr: string, ipVersion = 4) => {
    const res = await as.post('/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: ipVersion } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.subnet
  }
  const port = async (as: ApiClient, networkId: string, extra: Record<string, unknown> = {}) => {
    const res = await as.post('/v2.0/ports', { port: { network_id: networkId, ...extra } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.port
  }

  test("a network lists its subnets; ports other than the network's own make delete a 409; then subnets and DHCP ports go with it", async () => {
    const net = await create(demo, { name: 'busy' })
    const sub = await subnet(demo, net.id, '10.10.0.0/24')
    assert.deepEqual((await demo.get(`/v2.0/networks/${net.id}`)).body.network.subnets, [sub.id])
    const vm = await port(demo, net.id, { device_owner: 'compute:nova', device_id: 'vm-1' })
    const busy = await demo.delete(`/v2.0/networks/${net.id}`)
    assert.equal(busy.status, 409)
    assert.deepEqual(busy.body.NeutronError, {
      type: 'NetworkInUse', detail: '',
      message: `Unable to complete operation on network ${net.id}. There are one or more ports still in use on the network, id for these ports is: ${vm.id}.`,
    })
    assert.equal((await demo.get(`/v2.0/subnets/${sub.id}`)).status, 200, 'a refused delete changes nothing')
    assert.equal((await demo.delete(`/v2.0/ports/${vm.id}`)).status, 204)
    const dhcp = await port(demo, net.id, { device_owner: 'network:dhcp', device_id: 'dhcp-host' })
    assert.equal((await demo.delete(`/v2.0/networks/${net.id}`)).status, 204)
    assert.equal((await demo.get(`/v2.0/subnets/${sub.id}`)).status, 404)
    assert.equal((await demo.get(`/v2.0/ports/${dhcp.id}`)).status, 404)
  })

  test('deleting an external network takes its unassociated floating IPs, their ports and its subnet', async () => {
    const net = await create(admin, { name: 'ext-fips', 'router:external': true })
    const sub = (await admin.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '172.31.0.0/24', ip_version: 4, enable_dhcp: false } })).body.subnet
    const fip = await admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: net.id } })
    assert.equal(fip.status, 201, JSON.stringify(fip.body))
    const fipPorts = (await admin.get(`/v2.0/ports?network_id=${net.id}&device_owner=network:floatingip`)).body.ports
    assert.equal(fipPorts.length, 1)
    assert.equal((await admin.delete(`/v2.0/networks/${net.id}`)).status, 204)
    assert.equal((await admin.get(`/v2.0/floatingips/${fip.body.floatingip.id}`)).status, 404)
    assert.equal((await admin.get(`/v2.0/subnets/${sub.id}`)).status, 404)
    assert.equal((await admin.get(`/v2.0/ports/${fipPorts[0].id}`)).status, 404)
  })

  test('sharing cannot be turned off while another project has ports on the network', async () => {
    const net = await create(admin, { name: 'shared-used', shared: true })
    await subnet(admin, net.id, '10.20.0.0/24')
    const theirs = await port(other, net.id)
    const off = await admin.put(`/v2.0/networks/${net.id}`, { network: { shared: false } })
    assert.equal(off.status, 409)
    assert.deepEqual(off.body.NeutronError, { type: 'InvalidSharedSetting', message: 'Unable to reconfigure sharing settings for network shared-used. Multiple projects are using it.', detail: '' })
    assert.equal((await other.delete(`/v2.0/ports/${theirs.id}`)).status, 204)
    assert.equal((await admin.put(`/v2.0/networks/${net.id}`, { network: { shared: false } })).body.network.shared, false)
  })

  test('an external network stays external while a router gateway port is on it', async () => {
    const net = await create(admin, { name: 'ext-gw', 'router:external': true })
    await subnet(admin, net.id, '172.30.0.0/24')
    const gw = await port(admin, net.id, { device_owner: 'network:router_gateway', device_id: 'some-router' })
    const off = await admin.put(`/v2.0/networks/${net.id}`, { network: { 'router:external': false } })
    assert.equal(off.status, 409)
    assert.equal(off.body.NeutronError.type, 'ExternalNetworkInUse')
    await admin.delete(`/v2.0/ports/${gw.id}`)
    assert.equal((await admin.put(`/v2.0/networks/${net.id}`, { network: { 'router:external': false } })).status, 200)
  })

  test('subnets bound the MTU from below: 68 for IPv4, 1280 for IPv6', async () => {
    const net = await create(demo, { name: 'mtu-subnets' })
    await subnet(demo, net.id, '10.30.0.0/24')
    assert.equal((await demo.put(`/v2.0/networks/${net.id}`, { network: { mtu: 1000 } })).status, 200)
    const low = await demo.put(`/v2.0/networks/${net.id}`, { network: { mtu: 60 } })
    assert.equal(low.status, 409)
    assert.deepEqual(low.body.NeutronError, { type: 'NetworkMTUSubnetConflict', message: `MTU of ${net.id} is not valid, subnet requires a minimum of 68`, detail: '' })
    const v6 = await create(demo, { name: 'mtu-subnets-v6' })
    await subnet(demo, v6.id, 'fd00:30::/64', 6)
    const belowV6 = await demo.put(`/v2.0/networks/${v6.id}`, { network: { mtu: 1200 } })
    assert.equal(belowV6.body.NeutronError.message, `MTU of ${v6.id} is not valid, subnet requires a minimum of 1280`)
    assert.equal((await demo.get(`/v2.0/networks/${net.id}`)).body.network.mtu, 1000)
  })
})

describe('project network pool', () => {
  test('when the tenant VNIs run out creates get 503 NoNetworkAvailable until one is freed', async () => {
    const small = await startTestCloud({ services: ['network'], config: { network: { ml2: { tenantNetworkTypes: ['vxlan'], vniRanges: ['100:101'] } } } })
    try {
      const member = small.service('network', await small.demo())
      const a = await create(member, { name: 'a' })
      await create(member, { name: 'b' })
      const full = await member.post('/v2.0/networks', { network: { name: 'c' } })
      assert.equal(full.status, 503)
      assert.deepEqual(full.body.NeutronError, { type: 'NoNetworkAvailable', message: 'Unable to create the network. No project network is available for allocation.', detail: '' })
      assert.deepEqual(await names(member), ['a', 'b'])
      await member.delete(`/v2.0/networks/${a.id}`)
      await create(member, { name: 'c' })
    } finally {
      await small.stop()
    }
  })

  test('concurrent creates never share a segmentation id', async () => {
    const small = await startTestCloud({ services: ['network'], config: { network: { ml2: { tenantNetworkTypes: ['vxlan'], vniRanges: ['1:40'] } } } })
    try {
      const member = small.service('network', await small.demo())
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => member.post('/v2.0/networks', { network: { name: `c${i}` } })))
      assert.ok(results.every((r) => r.status === 201), JSON.stringify(results.find((r) => r.status !== 201)?.body))
      const adminNet = small.service('network', await small.admin())
      const ids = (await adminNet.get('/v2.0/networks')).body.networks.map((n: any) => n['provider:segmentation_id'])
      assert.equal(new Set(ids).size, 24)
    } finally {
      await small.stop()
    }
  })
})

for (const engine of ['postgres', 'mysql'] as Engine[]) {
  describe(`networks on ${engine}`, () => {
    test('segments, conflicts, concurrent creates in a tiny pool, quota and delete', async (t) => {
      const scratch = await scratchDatabase(engine)
      if ('skip' in scratch) return t.skip(scratch.skip)
      const c = await startTestCloud({
        databaseUrl: scratch.url, services: ['network'],
        config: { network: { ml2: { tenantNetworkTypes: ['vxlan'], vniRanges: ['1:12'] } } },
      })
      try {
        const member = c.service('network', await c.demo())
        const boss = c.service('network', await c.admin())
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => member.post('/v2.0/networks', { network: { name: `p${i}` } })))
        assert.deepEqual(results.map((r) => r.status), Array(12).fill(201), JSON.stringify(results.find((r) => r.status !== 201)?.body))
        const vnis = (await boss.get('/v2.0/networks')).body.networks.map((n: any) => n['provider:segmentation_id'])
        assert.deepEqual([...vnis].sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1))
        assert.equal((await member.post('/v2.0/networks', { network: { name: 'full' } })).status, 503)
        const vlan = { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1042 }
        const both = await Promise.all([boss.post('/v2.0/networks', { network: { name: 'v1', ...vlan } }), boss.post('/v2.0/networks', { network: { name: 'v2', ...vlan } })])
        assert.deepEqual(both.map((r) => r.status).sort(), [201, 409])
        await boss.put('/v2.0/networks/' + results[0].body.network.id + '/tags', { tags: ['t'] })
        assert.equal((await member.delete(`/v2.0/networks/${results[0].body.network.id}`)).status, 204)
        assert.equal((await member.post('/v2.0/networks', { network: { name: 'reused' } })).status, 201)
        const project = (await c.demo()).tokenBody.token.project.id
        await boss.put(`/v2.0/quotas/${project}`, { quota: { network: 12, port: 5 } })
        assert.equal((await member.post('/v2.0/networks', { network: { name: 'over' } })).body.NeutronError.type, 'OverQuota')
        assert.equal((await boss.get(`/v2.0/quotas/${project}/details`)).body.quota.network.used, 12)
      } finally {
        await c.stop()
        await scratch.drop()
      }
    })
  })
}
