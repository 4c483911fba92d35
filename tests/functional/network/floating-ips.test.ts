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
/** demo's network behind `router` (gateway on public, interface on `subnet`). */
let network: any
let subnet: any
let router: any

const errorOf = (res: { body: any }) => ({ type: res.body.NeutronError.type as string, message: res.body.NeutronError.message as string })

async function created(res: Promise<{ status: number; body: any }>, key: string): Promise<any> {
  const r = await res
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body[key]
}

const newNetwork = (as: ApiClient, extra: Record<string, unknown> = {}) => created(as.post('/v2.0/networks', { network: { name: 'net', ...extra } }), 'network')
const newSubnet = (as: ApiClient, networkId: string, cidr: string, extra: Record<string, unknown> = {}) =>
  created(as.post('/v2.0/subnets', { subnet: { network_id: networkId, cidr, ip_version: 4, ...extra } }), 'subnet')
const newPort = (as: ApiClient, networkId: string, extra: Record<string, unknown> = {}) =>
  created(as.post('/v2.0/ports', { port: { network_id: networkId, ...extra } }), 'port')
const newFip = (as: ApiClient, body: Record<string, unknown> = {}) =>
  created(as.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, ...body } }), 'floatingip')
const update = (as: ApiClient, id: string, body: Record<string, unknown>) => as.put(`/v2.0/floatingips/${id}`, { floatingip: body })

/** A demo network with a subnet attached to a new router whose gateway is on public. */
async function routedNetwork(cidr: string, subnetExtra: Record<string, unknown> = {}) {
  const net = await newNetwork(demo)
  const sub = await newSubnet(demo, net.id, cidr, subnetExtra)
  const r = await created(demo.post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: publicNet } } }), 'router')
  const res = await demo.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: sub.id })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return { net, sub, router: r }
}

before(async () => {
  cloud = await startTestCloud({ services: ['network'], config: { network: { quotas: { floatingip: 100, router: 100 } } } })
  const identityAdmin = await cloud.admin()
  const demoLogin = await cloud.demo()
  demoProject = demoLogin.tokenBody.token.project.id
  admin = cloud.service('network', identityAdmin)
  demo = cloud.service('network', demoLogin)
  const p = await identityAdmin.post('/v3/projects', { project: { name: 'fip-other', domain_id: 'default' } })
  const u = await identityAdmin.post('/v3/users', { user: { name: 'fip-other', password: 'fip-other-secret', domain_id: 'default' } })
  const roleId = (await identityAdmin.get('/v3/roles?name=member')).body.roles[0].id
  await identityAdmin.put(`/v3/projects/${p.body.project.id}/users/${u.body.user.id}/roles/${roleId}`)
  other = cloud.service('network', await ApiClient.login(cloud.identityUrl, { user: 'fip-other', password: 'fip-other-secret', project: 'fip-other' }))
  publicNet = (await newNetwork(admin, { name: 'public', 'router:external': true })).id
  publicSubnet = (await newSubnet(admin, publicNet, '172.24.4.0/24', { enable_dhcp: false })).id
  // The tests ask for 10.0.0.50-52 and 10.0.0.200 by address: the pool leaves them out, so an
  // address picked for another port can never take one of them.
  const pool = { allocation_pools: [{ start: '10.0.0.60', end: '10.0.0.199' }] }
  ;({ net: network, sub: subnet, router } = await routedNetwork('10.0.0.0/24', pool))
})
after(() => cloud.stop())

describe('floating IPs', () => {
  test('create associated with a port: address from the external subnet, router found, ACTIVE, port_details', async () => {
    const port = await newPort(demo, network.id, { name: 'vm' })
    const fip = await newFip(demo, { port_id: port.id, description: 'web' })
    assert.equal(fip.project_id, demoProject)
    assert.equal(fip.tenant_id, demoProject)
    assert.equal(fip.floating_network_id, publicNet)
    assert.match(fip.floating_ip_address, /^172\.24\.4\.\d+$/)
    assert.equal(fip.port_id, port.id)
    assert.equal(fip.fixed_ip_address, port.fixed_ips[0].ip_address)
    assert.equal(port.fixed_ips[0].subnet_id, subnet.id)
    assert.equal(fip.router_id, router.id)
    assert.equal(fip.status, 'ACTIVE')
    assert.equal(fip.description, 'web')
    assert.deepEqual(fip.port_details, {
      name: 'vm', network_id: network.id, mac_address: port.mac_address, admin_state_up: true, status: port.status, device_id: '', device_owner: '',
    })
    assert.ok(!('subnet_id' in fip), 'subnet_id is input only')

    const own = await admin.get(`/v2.0/ports?device_id=${fip.id}`)
    assert.equal(own.body.ports.length, 1)
    const fipPort = own.body.ports[0]
    assert.equal(fipPort.device_owner, 'network:floatingip')
    assert.equal(fipPort.project_id, '')
    assert.equal(fipPort.status, 'N/A')
    assert.equal(fipPort.fixed_ips[0].ip_address, fip.floating_ip_address)
    const direct = await admin.delete(`/v2.0/ports/${fipPort.id}`)
    assert.equal(direct.status, 409)
    assert.equal(errorOf(direct).type, 'ServicePortInUse')

    assert.deepEqual((await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip, fip)
    assert.ok((await demo.get('/v2.0/floatingips')).body.floatingips.some((f: any) => f.id === fip.id))
    assert.equal((await demo.get(`/v2.0/floatingips?port_id=${port.id}&fields=id`)).body.floatingips[0].id, fip.id)

    assert.equal((await demo.delete(`/v2.0/floatingips/${fip.id}`)).status, 204)
    assert.equal((await demo.get(`/v2.0/floatingips/${fip.id}`)).status, 404)
    assert.deepEqual((await admin.get(`/v2.0/ports?device_id=${fip.id}`)).body.ports, [], 'the floating port goes with it')
  })

  test('associate, re-associate and disassociate; deleting the port clears the association', async () => {
    const fip = await newFip(demo)
    assert.equal(fip.status, 'DOWN')
    assert.equal(fip.port_id, null)
    assert.equal(fip.router_id, null)
    assert.equal(fip.port_details, null)
    const a = await newPort(demo, network.id)
    const b = await newPort(demo, network.id)
    const onA = await update(demo, fip.id, { port_id: a.id })
    assert.equal(onA.status, 200, JSON.stringify(onA.body))
    assert.equal(onA.body.floatingip.router_id, router.id)
    assert.equal(onA.body.floatingip.status, 'ACTIVE')
    const onB = await update(demo, fip.id, { port_id: b.id })
    assert.equal(onB.body.floatingip.port_id, b.id)
    assert.equal(onB.body.floatingip.fixed_ip_address, b.fixed_ips[0].ip_address)
    const described = await update(demo, fip.id, { description: 'kept' })
    assert.equal(described.body.floatingip.port_id, b.id, 'an update without port_id keeps the association')
    const off = await update(demo, fip.id, { port_id: null })
    assert.equal(off.body.floatingip.port_id, null)
    assert.equal(off.body.floatingip.fixed_ip_address, null)
    assert.equal(off.body.floatingip.router_id, null)
    assert.equal(off.body.floatingip.status, 'DOWN')

    assert.equal((await update(demo, fip.id, { port_id: a.id })).status, 200)
    assert.equal((await demo.delete(`/v2.0/ports/${a.id}`)).status, 204)
    const after = (await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip
    assert.equal(after.port_id, null)
    assert.equal(after.fixed_ip_address, null)
    assert.equal(after.router_id, null)
  })

  test('the fixed address a floating IP points at cannot be taken off its port', async () => {
    const port = await newPort(demo, network.id, { fixed_ips: [{ ip_address: '10.0.0.200' }] })
    const fip = await newFip(demo, { port_id: port.id })
    const kept = port.fixed_ips[0].ip_address
    const moved = await demo.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [{ subnet_id: subnet.id }] } })
    assert.equal(moved.status, 400, JSON.stringify(moved.body))
    assert.match(errorOf(moved).message, /associated to a floating ip/)
    const after = (await demo.get(`/v2.0/ports/${port.id}`)).body.port
    assert.deepEqual(after.fixed_ips.map((f: any) => f.ip_address), [kept], 'the refused update changed nothing')
    const same = await demo.put(`/v2.0/ports/${port.id}`, { port: { fixed_ips: [{ subnet_id: subnet.id, ip_address: kept }] } })
    assert.equal(same.status, 200, JSON.stringify(same.body))
    assert.equal((await demo.delete(`/v2.0/floatingips/${fip.id}`)).status, 204)
  })

  test('re-associating to a port behind another router moves router_id', async () => {
    const port = await newPort(demo, network.id)
    const fip = await newFip(demo, { port_id: port.id })
    const second = await routedNetwork('10.1.0.0/24')
    const port2 = await newPort(demo, second.net.id)
    const moved = await update(demo, fip.id, { port_id: port2.id })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.equal(moved.body.floatingip.router_id, second.router.id)
  })

  test('a port with several addresses needs fixed_ip_address, which must be its IPv4 address', async () => {
    const port = await newPort(demo, network.id, { fixed_ips: [{ ip_address: '10.0.0.50' }, { ip_address: '10.0.0.51' }] })
    const ambiguous = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: port.id } })
    assert.equal(ambiguous.status, 400)
    assert.deepEqual(errorOf(ambiguous), {
      type: 'BadRequest',
      message: `Bad floatingip request: Port ${port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP.`,
    })
    const wrong = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: port.id, fixed_ip_address: '10.0.0.52' } })
    assert.equal(errorOf(wrong).message, `Bad floatingip request: Port ${port.id} does not have fixed ip 10.0.0.52.`)
    const fip = await newFip(demo, { port_id: port.id, fixed_ip_address: '10.0.0.50' })
    assert.equal(fip.fixed_ip_address, '10.0.0.50')
    const moved = await update(demo, fip.id, { port_id: port.id, fixed_ip_address: '10.0.0.51' })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.equal(moved.body.floatingip.fixed_ip_address, '10.0.0.51')
    const noPort = await update(demo, fip.id, { fixed_ip_address: '10.0.0.50' })
    assert.deepEqual(errorOf(noPort), { type: 'BadRequest', message: 'Bad floatingip request: fixed_ip_address cannot be specified without a port_id.' })

    const twice = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: port.id, fixed_ip_address: '10.0.0.51' } })
    assert.equal(twice.status, 409)
    assert.equal(errorOf(twice).type, 'FloatingIPPortAlreadyAssociated')
  })

  test('a private network is 400; a port without a router path is 404 on create and on update', async () => {
    const port = await newPort(demo, network.id)
    const priv = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: network.id, port_id: port.id } })
    assert.equal(priv.status, 400)
    assert.deepEqual(errorOf(priv), { type: 'BadRequest', message: `Bad floatingip request: Network ${network.id} is not a valid external network.` })

    const isolatedNet = await newNetwork(demo)
    const isolated = await newSubnet(demo, isolatedNet.id, '10.9.0.0/24')
    const gatewayless = await created(demo.post('/v2.0/routers', { router: { name: 'no-gw' } }), 'router')
    assert.equal((await demo.put(`/v2.0/routers/${gatewayless.id}/add_router_interface`, { subnet_id: isolated.id })).status, 200)
    const stranded = await newPort(demo, isolatedNet.id)
    const create = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: stranded.id } })
    assert.equal(create.status, 404)
    assert.deepEqual(errorOf(create), {
      type: 'ExternalGatewayForFloatingIPNotFound',
      message: `External network ${publicNet} is not reachable from subnet ${isolated.id}.  Therefore, cannot associate Port ${stranded.id} with a Floating IP.`,
    })
    const fip = await newFip(demo)
    const assoc = await update(demo, fip.id, { port_id: stranded.id })
    assert.equal(assoc.status, 404)
    assert.equal(errorOf(assoc).type, 'ExternalGatewayForFloatingIPNotFound')
    assert.equal((await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.port_id, null)

    const before = (await admin.get('/v2.0/ports?device_owner=network:floatingip')).body.ports.length
    await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: stranded.id } })
    assert.equal((await admin.get('/v2.0/ports?device_owner=network:floatingip')).body.ports.length, before, 'a refused create leaves no port')
  })

  test('bad bodies and unknown networks', async () => {
    const missing = await demo.post('/v2.0/floatingips', { floatingip: {} })
    assert.deepEqual(errorOf(missing), { type: 'HTTPBadRequest', message: "Failed to parse request. Required attribute 'floating_network_id' not specified" })
    const unknown = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: router.id } })
    assert.deepEqual(errorOf(unknown), { type: 'NetworkNotFound', message: `Network ${router.id} could not be found.` })
    const readOnly = await update(demo, (await newFip(demo)).id, { floating_network_id: publicNet })
    assert.equal(readOnly.status, 400)
    assert.equal((await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: 'x' } })).status, 400)
    assert.equal((await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, floating_ip_address: '172.24.4.99' } })).status, 403,
      'members may not pick the address')
  })

  test('admins pick addresses and projects; duplicates are 409', async () => {
    const fip = await newFip(admin, { floating_ip_address: '172.24.4.99', project_id: demoProject })
    assert.equal(fip.floating_ip_address, '172.24.4.99')
    assert.equal(fip.project_id, demoProject)
    const dup = await admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, floating_ip_address: '172.24.4.99' } })
    assert.equal(dup.status, 409)
    const bySubnet = await newFip(admin, { subnet_id: publicSubnet })
    assert.match(bySubnet.floating_ip_address, /^172\.24\.4\./)
  })

  test('projects see their own floating IPs; ports of other projects cannot be used', async () => {
    const mine = await newFip(demo)
    const theirs = await newFip(other)
    assert.equal((await other.get(`/v2.0/floatingips/${mine.id}`)).status, 404)
    assert.deepEqual(errorOf(await other.get(`/v2.0/floatingips/${mine.id}`)), { type: 'FloatingIPNotFound', message: `Floating IP ${mine.id} could not be found` })
    assert.equal((await other.put(`/v2.0/floatingips/${mine.id}`, { floatingip: { port_id: null } })).status, 404)
    assert.equal((await other.delete(`/v2.0/floatingips/${mine.id}`)).status, 404)
    const ids = (await demo.get('/v2.0/floatingips')).body.floatingips.map((f: any) => f.id)
    assert.ok(ids.includes(mine.id) && !ids.includes(theirs.id))
    const all = (await admin.get('/v2.0/floatingips')).body.floatingips.map((f: any) => f.id)
    assert.ok(all.includes(mine.id) && all.includes(theirs.id))
    const port = await newPort(demo, network.id)
    const foreign = await update(other, theirs.id, { port_id: port.id })
    assert.equal(foreign.status, 404)
    assert.equal(errorOf(foreign).type, 'PortNotFound')
  })

  test('a floating IP keeps the router interface and gateway it uses', async () => {
    const { net, sub, router: r } = await routedNetwork('10.2.0.0/24')
    const port = await newPort(demo, net.id)
    const fip = await newFip(demo, { port_id: port.id })
    const iface = await demo.put(`/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: sub.id })
    assert.equal(iface.status, 409)
    assert.deepEqual(errorOf(iface), {
      type: 'RouterInterfaceInUseByFloatingIP',
      message: `Router interface for subnet ${sub.id} on router ${r.id} cannot be deleted, as it is required by one or more floating IPs.`,
    })
    const gw = await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } })
    assert.equal(gw.status, 409)
    assert.equal(errorOf(gw).type, 'RouterExternalGatewayInUseByFloatingIp')
    assert.equal((await update(demo, fip.id, { port_id: null })).status, 200)
    assert.equal((await demo.put(`/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: sub.id })).status, 200)
    assert.equal((await demo.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } })).status, 200)
  })

  test('floating IP pools list the IPv4 subnets of external networks', async () => {
    const res = await demo.get('/v2.0/floatingip_pools')
    assert.equal(res.status, 200)
    const pool = res.body.floatingip_pools.find((p: any) => p.subnet_id === publicSubnet)
    assert.deepEqual(pool, { subnet_id: publicSubnet, subnet_name: '', project_id: demoProject, network_id: publicNet, cidr: '172.24.4.0/24' })
    assert.ok(!res.body.floatingip_pools.some((p: any) => p.network_id === network.id))
  })

  test('the floatingip quota is enforced', async () => {
    const p = (await (await cloud.admin()).get('/v3/projects?name=fip-other')).body.projects[0].id
    const used = (await other.get('/v2.0/floatingips')).body.floatingips.length
    assert.equal((await admin.put(`/v2.0/quotas/${p}`, { quota: { floatingip: used } })).status, 200)
    const over = await other.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet } })
    assert.equal(over.status, 409)
    assert.deepEqual(errorOf(over), { type: 'OverQuota', message: "Quota exceeded for resources: ['floatingip']." })
  })
})
