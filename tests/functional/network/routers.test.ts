import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../../support/client.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'

let cloud: TestCloud
let admin: ApiClient // admin on project admin
let demo: ApiClient // member on project demo
let other: ApiClient // member on project other
let demoProject: string
let publicNet: string
let publicSubnet: string

async function userOn(identityAdmin: ApiClient, name: string, project: string): Promise<ApiClient> {
  const p = await identityAdmin.post('/v3/projects', { project: { name: project, domain_id: 'default' } })
  assert.equal(p.status, 201)
  const u = await identityAdmin.post('/v3/users', { user: { name, password: `${name}-secret`, domain_id: 'default' } })
  assert.equal(u.status, 201)
  const roleId = (await identityAdmin.get('/v3/roles?name=member')).body.roles[0].id
  assert.equal((await identityAdmin.put(`/v3/projects/${p.body.project.id}/users/${u.body.user.id}/roles/${roleId}`)).status, 204)
  return cloud.service('network', await ApiClient.login(cloud.identityUrl, { user: name, password: `${name}-secret`, project }))
}

const errorOf = (res: { body: any }) => ({ type: res.body.NeutronError.type as string, message: res.body.NeutronError.message as string })

async function created(res: Promise<{ status: number; body: any }>, key: string): Promise<any> {
  const r = await res
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body[key]
}

const newNetwork = (as: ApiClient, extra: Record<string, unknown> = {}) => created(as.post('/v2.0/networks', { network: { name: 'net', ...extra } }), 'network')
const newSubnet = (as: ApiClient, networkId: string, cidr: string, extra: Record<string, unknown> = {}) =>
  created(as.post('/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, ...extra } }), 'subnet')
const newRouter = (as: ApiClient, extra: Record<string, unknown> = {}) => created(as.post('/v2.0/routers', { router: { name: 'r', ...extra } }), 'router')
const addInterface = (as: ApiClient, routerId: string, body: unknown) => as.put(`/v2.0/routers/${routerId}/add_router_interface`, body)
const removeInterface = (as: ApiClient, routerId: string, body: unknown) => as.put(`/v2.0/routers/${routerId}/remove_router_interface`, body)

/** A network with one subnet in `cidr`, owned by `as`. */
async function subnetIn(as: ApiClient, cidr: string, extra: Record<string, unknown> = {}) {
  const net = await newNetwork(as)
  return newSubnet(as, net.id, cidr, extra)
}

before(async () => {
  // Room for the many routers these tests make in one project; the quota test sets its own limit.
  cloud = await startTestCloud({ services: ['network'], config: { network: { quotas: { router: 100 } } } })
  const identityAdmin = await cloud.admin()
  const demoLogin = await cloud.demo()
  demoProject = demoLogin.tokenBody.token.project.id
  admin = cloud.service('network', identityAdmin)
  demo = cloud.service('network', demoLogin)
  other = await userOn(identityAdmin, 'l3-other', 'l3-other')
  publicNet = (await newNetwork(admin, { name: 'public', 'router:external': true })).id
  // 172.24.4.200 is asked for by hand below: outside the pool, no gateway picked at random can hold it.
  publicSubnet = (await newSubnet(admin, publicNet, '172.24.4.0/24', { enable_dhcp: false, allocation_pools: [{ start: '172.24.4.2', end: '172.24.4.199' }] })).id
})
after(() => cloud.stop())

describe('router CRUD and the external gateway', () => {
  test('a project member creates a router with a gateway; the gateway port is the router\'s, owned by no project', async () => {
    const r = await newRouter(demo, { admin_state_up: false, external_gateway_info: { network_id: publicNet } })
    assert.equal(r.project_id, demoProject)
    assert.equal(r.tenant_id, demoProject)
    assert.equal(r.status, 'ACTIVE')
    assert.equal(r.admin_state_up, false)
    assert.deepEqual(r.routes, [])
    assert.equal(r.external_gateway_info.network_id, publicNet)
    assert.equal(r.external_gateway_info.enable_snat, true)
    assert.equal(r.external_gateway_info.external_fixed_ips.length, 1)
    assert.equal(r.external_gateway_info.external_fixed_ips[0].subnet_id, publicSubnet)
    assert.match(r.external_gateway_info.external_fixed_ips[0].ip_address, /^172\.24\.4\.\d+$/)
    assert.ok(!('distributed' in r) && !('ha' in r), 'distributed and ha are admin-only')
    assert.deepEqual(r.availability_zones, ['nova'])
    assert.match(r.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    const gw = await admin.get(`/v2.0/ports?device_id=${r.id}&device_owner=network:router_gateway&network_id=${publicNet}`)
    assert.equal(gw.body.ports.length, 1)
    assert.equal(gw.body.ports[0].project_id, '')
    assert.equal(gw.body.ports[0].fixed_ips[0].ip_address, r.external_gateway_info.external_fixed_ips[0].ip_address)
    assert.deepEqual((await demo.get(`/v2.0/ports?device_id=${r.id}`)).body.ports, [], 'users do not see the gateway port')

    const shown = (await admin.get(`/v2.0/routers/${r.id}`)).body.router
    assert.equal(shown.distributed, false)
    assert.equal(shown.ha, false)
    assert.ok((await demo.get('/v2.0/routers')).body.routers.some((x: any) => x.id === r.id))

    const renamed = await demo.put(`/v2.0/routers/${r.id}`, { router: { name: 'renamed', admin_state_up: true } })
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.router.name, 'renamed')
    assert.equal(renamed.body.router.admin_state_up, true)
    assert.equal(renamed.body.router.revision_number, r.revision_number + 1)

    assert.equal((await demo.delete(`/v2.0/routers/${r.id}`)).status, 204)
    assert.deepEqual((await admin.get(`/v2.0/ports?device_id=${r.id}`)).body.ports, [], 'the gateway port goes with the router')
    assert.equal((await demo.get(`/v2.0/routers/${r.id}`)).status, 404)
  })

  test('setting, changing and clearing the gateway; enable_snat and external_fixed_ips are admin-only', async () => {
    const r = await newRouter(demo)
    assert.equal(r.external_gateway_info, null)
    const forbidden = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicNet, enable_snat: false } } })
    assert.equal(forbidden.status, 403)
    const fixed = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicNet, external_fixed_ips: [{ subnet_id: publicSubnet }] } } })
    assert.equal(fixed.status, 403)

    const set = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicNet } } })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    const ip = set.body.router.external_gateway_info.external_fixed_ips[0].ip_address

    const snat = await admin.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicNet, enable_snat: false } } })
    assert.equal(snat.status, 200, JSON.stringify(snat.body))
    assert.equal(snat.body.router.external_gateway_info.enable_snat, false)
    assert.equal(snat.body.router.external_gateway_info.external_fixed_ips[0].ip_address, ip, 'same network, same port')

    const moved = await admin.put(`/v2.0/routers/${r.id}`, {
      router: { external_gateway_info: { network_id: publicNet, external_fixed_ips: [{ subnet_id: publicSubnet, ip_address: '172.24.4.200' }] } },
    })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.deepEqual(moved.body.router.external_gateway_info.external_fixed_ips, [{ subnet_id: publicSubnet, ip_address: '172.24.4.200' }])
    assert.equal(moved.body.router.external_gateway_info.enable_snat, true, 'enable_snat falls back to its default')

    const cleared = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: {} } })
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body))
    assert.equal(cleared.body.router.external_gateway_info, null)
    assert.deepEqual((await admin.get(`/v2.0/ports?device_id=${r.id}`)).body.ports, [])
    assert.equal((await demo.delete(`/v2.0/routers/${r.id}`)).status, 204)
  })

  test('a gateway on a used address is 409, on the subnet gateway IP 400, and nothing changes', async () => {
    const taken = await created(admin.post('/v2.0/ports', { port: { network_id: publicNet } }), 'port')
    const res = await admin.post('/v2.0/routers', {
      router: { name: 'used', external_gateway_info: { network_id: publicNet, external_fixed_ips: [{ subnet_id: publicSubnet, ip_address: taken.fixed_ips[0].ip_address }] } },
    })
    assert.equal(res.status, 409)
    assert.equal(errorOf(res).type, 'IpAddressAlreadyAllocated')
    assert.equal((await admin.get('/v2.0/routers?name=used')).body.routers.length, 0, 'the router is not created either')
    const gw = await admin.post('/v2.0/routers', {
      router: { name: 'gwip', external_gateway_info: { network_id: publicNet, external_fixed_ips: [{ ip_address: '172.24.4.1' }] } },
    })
    assert.equal(gw.status, 400)
    assert.deepEqual(errorOf(gw), { type: 'BadRequest', message: 'Bad router request: External IP 172.24.4.1 is the same as the gateway IP.' })
    assert.equal((await admin.delete(`/v2.0/ports/${taken.id}`)).status, 204)
  })

  test('a gateway network that is not external is 400, one that does not exist or is not visible 404', async () => {
    const r = await newRouter(demo)
    const mine = await subnetIn(demo, '10.20.0.0/24')
    const notExternal = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: mine.network_id } } })
    assert.equal(notExternal.status, 400)
    assert.deepEqual(errorOf(notExternal), { type: 'BadRequest', message: `Bad router request: Network ${mine.network_id} is not an external network.` })
    const missing = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: r.id } } })
    assert.equal(missing.status, 404)
    assert.deepEqual(errorOf(missing), { type: 'NetworkNotFound', message: `Network ${r.id} could not be found.` })
    const theirs = await newNetwork(other)
    assert.equal((await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: theirs.id } } })).status, 404)
    const noId = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { enable_snat: true } } })
    assert.equal(noId.status, 400)
    assert.match(errorOf(noId).message, /^Invalid input for external_gateway_info\. Reason: Validation of dictionary's keys failed\./)
    const odd = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: publicNet, color: 'red' } } })
    assert.equal(errorOf(odd).message, 'Invalid input for external_gateway_info. Reason: Unexpected keys supplied: color.')
    assert.equal((await demo.get(`/v2.0/routers/${r.id}`)).body.router.external_gateway_info, null)
  })

  test('other projects see no router of demo: show, update, delete and actions are 404', async () => {
    const r = await newRouter(demo)
    const missing = await other.get(`/v2.0/routers/${r.id}`)
    assert.equal(missing.status, 404)
    assert.deepEqual(errorOf(missing), { type: 'RouterNotFound', message: `Router ${r.id} could not be found` })
    assert.equal((await other.put(`/v2.0/routers/${r.id}`, { router: { name: 'x' } })).status, 404)
    assert.equal((await other.delete(`/v2.0/routers/${r.id}`)).status, 404)
    assert.equal((await addInterface(other, r.id, { subnet_id: publicSubnet })).status, 404)
    assert.ok(!(await other.get('/v2.0/routers')).body.routers.some((x: any) => x.id === r.id))
    assert.ok((await admin.get('/v2.0/routers')).body.routers.some((x: any) => x.id === r.id))
    assert.equal((await demo.get('/v2.0/routers/nope')).status, 404)
    assert.equal((await demo.put('/v2.0/routers/nope', { router: { name: 'x' } })).status, 404)
    assert.equal((await demo.delete('/v2.0/routers/nope')).status, 404)
  })

  test('bad bodies: unknown and read-only attributes, routes on create, wrong types', async () => {
    const unknown = await demo.post('/v2.0/routers', { router: { name: 'x', flavor_id: 'abc' } })
    assert.deepEqual(errorOf(unknown), { type: 'HTTPBadRequest', message: "Unrecognized attribute(s) 'flavor_id'" })
    const routes = await demo.post('/v2.0/routers', { router: { routes: [] } })
    assert.equal(errorOf(routes).message, "Attribute 'routes' not allowed in POST")
    const status = await demo.post('/v2.0/routers', { router: { status: 'DOWN' } })
    assert.equal(status.status, 400)
    const flag = await demo.post('/v2.0/routers', { router: { admin_state_up: 'maybe' } })
    assert.deepEqual(errorOf(flag), { type: 'InvalidInput', message: "Invalid input for operation: 'maybe' cannot be converted to boolean." })
    assert.equal((await demo.post('/v2.0/routers', { routers: [{ name: 'a' }] })).status, 400)
    assert.equal((await demo.get('/v2.0/routers?name=x')).body.routers.length, 0)
  })

  test('distributed and ha: admins only, changed only while the router is down', async () => {
    assert.equal((await demo.post('/v2.0/routers', { router: { distributed: true } })).status, 403)
    assert.equal((await demo.post('/v2.0/routers', { router: { ha: false } })).status, 403)
    const r = await newRouter(admin, { distributed: false, project_id: demoProject })
    assert.equal(r.distributed, false)
    assert.equal(r.project_id, demoProject)
    const active = await admin.put(`/v2.0/routers/${r.id}`, { router: { distributed: true } })
    assert.equal(active.status, 400)
    assert.match(errorOf(active).message, /Cannot change the 'distributed' attribute of active routers/)
    const down = await admin.put(`/v2.0/routers/${r.id}`, { router: { admin_state_up: false, distributed: true } })
    assert.equal(down.status, 200)
    assert.equal(down.body.router.distributed, true)
    assert.ok(!('distributed' in (await demo.get(`/v2.0/routers/${r.id}`)).body.router))
  })

  test('availability_zone_hints must name router zones; list filters, fields, tags and If-Match work', async () => {
    const bad = await demo.post('/v2.0/routers', { router: { availability_zone_hints: ['mars'] } })
    assert.deepEqual(errorOf(bad), { type: 'AvailabilityZoneNotFound', message: 'AvailabilityZone mars could not be found.' })
    const tagsOnPost = await demo.post('/v2.0/routers', { router: { tags: ['blue'] } })
    assert.deepEqual(errorOf(tagsOnPost), { type: 'HTTPBadRequest', message: "Attribute 'tags' not allowed in POST" })
    const created_ = await newRouter(demo, { name: 'tagged', availability_zone_hints: ['nova'], description: 'd' })
    assert.deepEqual(created_.availability_zone_hints, ['nova'])
    assert.equal((await demo.put(`/v2.0/routers/${created_.id}/tags`, { tags: ['red', 'blue'] })).status, 200)
    const r = (await demo.get(`/v2.0/routers/${created_.id}`)).body.router
    assert.deepEqual(r.tags, ['blue', 'red'])
    const listed = await demo.get('/v2.0/routers?name=tagged&fields=id&fields=description&tags=blue')
    assert.deepEqual(listed.body.routers, [{ id: r.id, description: 'd' }])
    const stale = await demo.request('PUT', `/v2.0/routers/${r.id}`, { router: { name: 'n' } }, { 'if-match': `revision_number=${r.revision_number + 5}` })
    assert.equal(stale.status, 412)
    const fresh = await demo.request('PUT', `/v2.0/routers/${r.id}`, { router: { name: 'n' } }, { 'if-match': `revision_number=${r.revision_number}` })
    assert.equal(fresh.status, 200)
    assert.equal((await demo.get('/v2.0/routers?bogus=1')).status, 400)
  })

  test('the router quota is enforced', async () => {
    const identityAdmin = await cloud.admin()
    const limited = await userOn(identityAdmin, 'l3-quota', 'l3-quota')
    const project = (await identityAdmin.get('/v3/projects?name=l3-quota')).body.projects[0].id
    assert.equal((await admin.put(`/v2.0/quotas/${project}`, { quota: { router: 1 } })).status, 200)
    await newRouter(limited)
    const over = await limited.post('/v2.0/routers', { router: { name: 'second' } })
    assert.equal(over.status, 409)
    assert.deepEqual(errorOf(over), { type: 'OverQuota', message: "Quota exceeded for resources: ['router']." })
  })
})

describe('router interfaces', () => {
  test('by subnet: a router_interface port with the gateway IP, listed by device_id; the router cannot be deleted meanwhile', async () => {
    const r = await newRouter(demo)
    const subnet = await subnetIn(demo, '10.1.0.0/24')
    const res = await addInterface(demo, r.id, { subnet_id: subnet.id })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const info = res.body
    assert.deepEqual(Object.keys(info).sort(), ['id', 'network_id', 'port_id', 'project_id', 'subnet_id', 'subnet_ids', 'tenant_id'])
    assert.equal(info.id, r.id)
    assert.equal(info.subnet_id, subnet.id)
    assert.deepEqual(info.subnet_ids, [subnet.id])
    assert.equal(info.network_id, subnet.network_id)
    assert.equal(info.project_id, demoProject)
    const port = (await demo.get(`/v2.0/ports/${info.port_id}`)).body.port
    assert.equal(port.device_id, r.id)
    assert.equal(port.device_owner, 'network:router_interface')
    assert.equal(port.status, 'ACTIVE')
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.1.0.1' }])
    assert.deepEqual((await demo.get(`/v2.0/ports?device_id=${r.id}`)).body.ports.map((p: any) => p.id), [info.port_id])

    const again = await addInterface(demo, r.id, { subnet_id: subnet.id })
    assert.deepEqual(errorOf(again), { type: 'BadRequest', message: `Bad router request: Router already has a port on subnet ${subnet.id}.` })

    const inUse = await demo.delete(`/v2.0/routers/${r.id}`)
    assert.equal(inUse.status, 409)
    assert.deepEqual(errorOf(inUse), { type: 'RouterInUse', message: `Router ${r.id} has ports still attached: ${info.port_id}` })
    const direct = await demo.delete(`/v2.0/ports/${info.port_id}`)
    assert.equal(direct.status, 409)
    assert.equal(errorOf(direct).type, 'ServicePortInUse')

    const removed = await removeInterface(demo, r.id, { subnet_id: subnet.id })
    assert.equal(removed.status, 200)
    assert.equal(removed.body.port_id, info.port_id)
    assert.equal((await demo.get(`/v2.0/ports/${info.port_id}`)).status, 404)
    const gone = await removeInterface(demo, r.id, { subnet_id: subnet.id })
    assert.equal(gone.status, 404)
    assert.deepEqual(errorOf(gone), { type: 'RouterInterfaceNotFoundForSubnet', message: `Router ${r.id} has no interface on subnet ${subnet.id}` })
    assert.equal((await demo.delete(`/v2.0/routers/${r.id}`)).status, 204)
  })

  test('overlapping subnets on one router are 400, and so is a subnet overlapping the gateway network', async () => {
    const r = await newRouter(demo, { external_gateway_info: { network_id: publicNet } })
    const a = await subnetIn(demo, '10.2.0.0/24')
    const b = await subnetIn(demo, '10.2.0.0/25')
    assert.equal((await addInterface(demo, r.id, { subnet_id: a.id })).status, 200)
    const overlap = await addInterface(demo, r.id, { subnet_id: b.id })
    assert.equal(overlap.status, 400)
    assert.deepEqual(errorOf(overlap), {
      type: 'BadRequest', message: `Bad router request: Cidr 10.2.0.0/25 of subnet ${b.id} overlaps with cidr 10.2.0.0/24 of subnet ${a.id}.`,
    })
    const nearPublic = await subnetIn(demo, '172.24.4.0/28')
    const viaGateway = await addInterface(demo, r.id, { subnet_id: nearPublic.id })
    assert.equal(viaGateway.status, 400)
    assert.match(errorOf(viaGateway).message, /overlaps with cidr 172\.24\.4\.0\/24 of subnet/)
    assert.deepEqual((await demo.get(`/v2.0/ports?device_id=${r.id}`)).body.ports.length, 1, 'nothing was attached')
  })

  test('subnets without a gateway, of another project, or not visible are refused', async () => {
    const r = await newRouter(demo)
    const noGateway = await subnetIn(demo, '10.3.0.0/24', { gateway_ip: null })
    const res = await addInterface(demo, r.id, { subnet_id: noGateway.id })
    assert.deepEqual(errorOf(res), { type: 'BadRequest', message: 'Bad router request: Subnet for router interface must have a gateway IP.' })
    const theirs = await subnetIn(other, '10.4.0.0/24')
    const hidden = await addInterface(demo, r.id, { subnet_id: theirs.id })
    assert.equal(hidden.status, 404)
    assert.equal(errorOf(hidden).type, 'SubnetNotFound')
    const shared = await newNetwork(admin, { shared: true })
    const sharedSubnet = await newSubnet(admin, shared.id, '10.5.0.0/24')
    const notOwned = await addInterface(demo, r.id, { subnet_id: sharedSubnet.id })
    assert.deepEqual(errorOf(notOwned), {
      type: 'BadRequest', message: `Bad router request: Cannot add interface to router because subnet ${sharedSubnet.id} is not owned by project making the request.`,
    })
  })

  test('interface request bodies: one of subnet_id / port_id, valid UUIDs', async () => {
    const r = await newRouter(demo)
    const none = await addInterface(demo, r.id, {})
    assert.deepEqual(errorOf(none), { type: 'BadRequest', message: 'Bad router request: Either subnet_id or port_id must be specified.' })
    const both = await addInterface(demo, r.id, { subnet_id: r.id, port_id: r.id })
    assert.deepEqual(errorOf(both), { type: 'BadRequest', message: 'Bad router request: Cannot specify both subnet-id and port-id.' })
    const bad = await addInterface(demo, r.id, { subnet_id: 'nope' })
    assert.deepEqual(errorOf(bad), { type: 'BadRequest', message: "Bad router request: 'nope' is not a valid UUID." })
    const unknownPort = await removeInterface(demo, r.id, { port_id: r.id })
    assert.deepEqual(errorOf(unknownPort), { type: 'RouterInterfaceNotFound', message: `Router ${r.id} does not have an interface with id ${r.id}` })
  })

  test('by port: an unattached port with addresses becomes the router\'s; removing it by port deletes it', async () => {
    const r = await newRouter(demo)
    const subnet = await subnetIn(demo, '10.6.0.0/24')
    const port = await created(demo.post('/v2.0/ports', { port: { network_id: subnet.network_id } }), 'port')
    const res = await addInterface(demo, r.id, { port_id: port.id })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.port_id, port.id)
    assert.equal(res.body.subnet_id, subnet.id)
    const shown = (await demo.get(`/v2.0/ports/${port.id}`)).body.port
    assert.equal(shown.device_id, r.id)
    assert.equal(shown.device_owner, 'network:router_interface')
    const listed = await demo.get(`/v2.0/ports?device_id=${r.id}`)
    assert.deepEqual(listed.body.ports.map((p: any) => p.id), [port.id])

    const r2 = await newRouter(demo)
    const busy = await addInterface(demo, r2.id, { port_id: port.id })
    assert.equal(busy.status, 409)
    assert.equal(errorOf(busy).type, 'PortInUse')
    const noIps = await created(demo.post('/v2.0/ports', { port: { network_id: subnet.network_id, fixed_ips: [] } }), 'port')
    const empty = await addInterface(demo, r2.id, { port_id: noIps.id })
    assert.deepEqual(errorOf(empty), { type: 'BadRequest', message: 'Bad router request: Router port must have at least one fixed IP.' })

    const mismatch = await removeInterface(demo, r.id, { port_id: port.id, subnet_id: r.id })
    assert.deepEqual(errorOf(mismatch), { type: 'SubnetMismatchForPort', message: `Subnet on port ${port.id} does not match the requested subnet ${r.id}` })
    const removed = await removeInterface(demo, r.id, { port_id: port.id })
    assert.equal(removed.status, 200)
    assert.equal((await demo.get(`/v2.0/ports/${port.id}`)).status, 404)
  })

  test('IPv6: a second prefix of the same network joins the router\'s IPv6 port; removing one keeps the port', async () => {
    const r = await newRouter(demo)
    const net = await newNetwork(demo)
    const s1 = await newSubnet(demo, net.id, '2001:db8:1::/64', { ipv6_ra_mode: 'dhcpv6-stateful', ipv6_address_mode: 'dhcpv6-stateful' })
    const s2 = await newSubnet(demo, net.id, '2001:db8:2::/64', { ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' })
    const first = await addInterface(demo, r.id, { subnet_id: s1.id })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const port = (await demo.get(`/v2.0/ports/${first.body.port_id}`)).body.port
    assert.deepEqual(port.fixed_ips, [{ subnet_id: s1.id, ip_address: s1.gateway_ip }])
    const second = await addInterface(demo, r.id, { subnet_id: s2.id })
    assert.equal(second.status, 200, JSON.stringify(second.body))
    assert.equal(second.body.port_id, first.body.port_id)
    const both = (await demo.get(`/v2.0/ports/${port.id}`)).body.port.fixed_ips.map((ip: any) => ip.ip_address).sort()
    assert.deepEqual(both, [s1.gateway_ip, s2.gateway_ip].sort())
    assert.equal((await removeInterface(demo, r.id, { subnet_id: s1.id })).status, 200)
    assert.deepEqual((await demo.get(`/v2.0/ports/${port.id}`)).body.port.fixed_ips, [{ subnet_id: s2.id, ip_address: s2.gateway_ip }])
    const outside = await subnetIn(demo, '2001:db8:3::/64', { ipv6_address_mode: 'slaac' })
    const ra = await addInterface(demo, r.id, { subnet_id: outside.id })
    assert.equal(ra.status, 400)
    assert.match(errorOf(ra).message, /configured to receive RAs from an external router cannot be added to Neutron Router/)
  })
})

describe('extra routes', () => {
  test('nexthops must be on a connected subnet and not the router\'s own; null clears; the interface is needed meanwhile', async () => {
    const r = await newRouter(demo)
    const subnet = await subnetIn(demo, '10.7.0.0/24')
    assert.equal((await addInterface(demo, r.id, { subnet_id: subnet.id })).status, 200)
    const routes = [{ destination: '192.168.0.0/24', nexthop: '10.7.0.5' }, { destination: '192.168.1.0/24', nexthop: '10.7.0.6' }]
    const set = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes } })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.deepEqual(set.body.router.routes, routes)
    assert.deepEqual((await demo.get(`/v2.0/routers/${r.id}`)).body.router.routes, routes)

    const far = [{ destination: '192.168.2.0/24', nexthop: '10.8.0.5' }]
    const unreachable = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: far } })
    assert.equal(unreachable.status, 400)
    assert.deepEqual(errorOf(unreachable), {
      type: 'InvalidRoutes', message: "Invalid format for routes: [{'destination': '192.168.2.0/24', 'nexthop': '10.8.0.5'}], the nexthop is not connected with router",
    })
    const own = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '192.168.3.0/24', nexthop: '10.7.0.1' }] } })
    assert.equal(errorOf(own).type, 'InvalidRoutes')
    assert.match(errorOf(own).message, /the nexthop is used by router$/)
    const malformed = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '192.168.3.0/24' }] } })
    assert.equal(malformed.status, 400)
    assert.deepEqual((await demo.get(`/v2.0/routers/${r.id}`)).body.router.routes, routes, 'refused updates change nothing')

    const needed = await removeInterface(demo, r.id, { subnet_id: subnet.id })
    assert.equal(needed.status, 409)
    assert.deepEqual(errorOf(needed), {
      type: 'RouterInterfaceInUseByRoute',
      message: `Router interface for subnet ${subnet.id} on router ${r.id} cannot be deleted, as it is required by one or more routes.`,
    })

    const added = await demo.put(`/v2.0/routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '10.7.0.9' }] } })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.equal(added.body.router.routes.length, 3)
    const less = await demo.put(`/v2.0/routers/${r.id}/remove_extraroutes`, { router: { routes: [routes[1], { destination: '10.99.0.0/16', nexthop: '10.7.0.4' }] } })
    assert.deepEqual(less.body.router.routes, [routes[0], { destination: '192.168.0.0/24', nexthop: '10.7.0.9' }])

    const cleared = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: null } })
    assert.deepEqual(cleared.body.router.routes, [])
    assert.equal((await removeInterface(demo, r.id, { subnet_id: subnet.id })).status, 200)
  })

  test('a route through the gateway network keeps the gateway from going away; more than 30 routes is over quota', async () => {
    const r = await newRouter(demo, { external_gateway_info: { network_id: publicNet } })
    const viaGateway = [{ destination: '0.0.0.0/0', nexthop: '172.24.4.254' }]
    assert.equal((await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: viaGateway } })).status, 200)
    const clear = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } })
    assert.equal(clear.status, 400)
    assert.equal(errorOf(clear).type, 'InvalidRoutes')
    const many = Array.from({ length: 31 }, (_, i) => ({ destination: `10.${100 + i}.0.0/16`, nexthop: '172.24.4.254' }))
    const over = await demo.put(`/v2.0/routers/${r.id}`, { router: { routes: many } })
    assert.equal(over.status, 409)
    assert.deepEqual(errorOf(over), { type: 'OverQuota', message: "Quota exceeded for resources: ['router_route']." })
  })
})
