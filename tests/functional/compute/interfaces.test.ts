/**
 * os-interface as a user sees it: a network or a port attached to a running server shows in its
 * interface list, its addresses and in the network service (bound to the server and its host);
 * detached, a port Nova made is deleted and the user's own port is unbound and kept; bad bodies,
 * unknown networks and ports, ports in use, locked or suspended servers and other projects are
 * refused without changing anything.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
let other: ApiClient
let adminNetwork: ApiClient
let second: { id: string; subnetId: string }
const mv = (v: string) => ({ 'OpenStack-API-Version': `compute ${v}` })
const KEYS = ['fixed_ips', 'mac_addr', 'net_id', 'port_id', 'port_state']

before(async () => {
  c = await startComputeCloud()
  other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'iface-other'))
  adminNetwork = c.cloud.service('network', await c.cloud.admin())
  const net = await c.demoNetwork.post('/v2.0/networks', { network: { name: 'second' } })
  assert.equal(net.status, 201, JSON.stringify(net.body))
  // 10.30.0.50 is asked for by hand: outside the pool, no port given an address at random can hold it.
  const pool = [{ start: '10.30.0.100', end: '10.30.0.254' }]
  const sub = await c.demoNetwork.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, ip_version: 4, cidr: '10.30.0.0/24', allocation_pools: pool } })
  assert.equal(sub.status, 201, JSON.stringify(sub.body))
  second = { id: net.body.network.id, subnetId: sub.body.subnet.id }
})
after(() => c?.stop())

const base = (id: string) => `/v2.1/servers/${id}/os-interface`
const neutronPort = (id: string) => adminNetwork.get(`/v2.0/ports/${id}`)
const portsOf = async (serverId: string) => (await c.demoNetwork.get(`/v2.0/ports?device_id=${serverId}`)).body.ports as any[]

/** Polls until `check` holds (detach is a cast). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 5000
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail(`timed out waiting until ${what}`)
}

async function actionOf(serverId: string, requestId: string): Promise<any> {
  const r = await c.demo.get(`/v2.1/servers/${serverId}/os-instance-actions/${requestId}`, mv('2.51'))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.instanceAction
}

describe('os-interface', () => {
  test('a network is attached with a fixed address, listed, shown, addressed and bound; detached, its port is deleted', async () => {
    const s = await bootServer(c, c.demo)
    const before = await c.demo.get(base(s.id))
    assert.equal(before.status, 200, JSON.stringify(before.body))
    assert.equal(before.body.interfaceAttachments.length, 1)
    assert.deepEqual(Object.keys(before.body.interfaceAttachments[0]).sort(), KEYS)
    assert.equal(before.body.interfaceAttachments[0].net_id, c.networkId)

    const r = await c.demo.post(base(s.id), { interfaceAttachment: { net_id: second.id, fixed_ips: [{ ip_address: '10.30.0.50' }] } })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const att = r.body.interfaceAttachment
    assert.deepEqual(Object.keys(att).sort(), KEYS)
    assert.equal(att.net_id, second.id)
    assert.deepEqual(att.fixed_ips, [{ subnet_id: second.subnetId, ip_address: '10.30.0.50' }])
    assert.match(att.mac_addr, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)

    const list = (await c.demo.get(base(s.id))).body.interfaceAttachments
    assert.deepEqual(list.map((x: any) => x.port_id).sort(), [before.body.interfaceAttachments[0].port_id, att.port_id].sort())
    const shown = await c.demo.get(`${base(s.id)}/${att.port_id}`)
    assert.equal(shown.status, 200, JSON.stringify(shown.body))
    assert.deepEqual(shown.body.interfaceAttachment, att)

    const server = (await c.demo.get(`/v2.1/servers/${s.id}`)).body.server
    assert.deepEqual(server.addresses.second.map((a: any) => a.addr), ['10.30.0.50'])
    assert.ok(server.addresses.private, 'the boot network stays')
    const ips = await c.demo.get(`/v2.1/servers/${s.id}/ips/second`)
    assert.equal(ips.status, 200)
    assert.equal(ips.body.second[0].addr, '10.30.0.50')

    const port = (await neutronPort(att.port_id)).body.port
    assert.equal(port.device_id, s.id)
    assert.equal(port.device_owner, 'compute:nova')
    const host = (await c.admin.get(`/v2.1/servers/${s.id}`)).body.server['OS-EXT-SRV-ATTR:host']
    assert.ok(host)
    assert.equal(port['binding:host_id'], host)

    const action = await actionOf(s.id, r.headers.get('x-compute-request-id')!)
    assert.equal(action.action, 'attach_interface')
    assert.deepEqual(action.events.map((e: any) => [e.event, e.result]), [['compute_attach_interface', 'Success']])

    const d = await c.demo.delete(`${base(s.id)}/${att.port_id}`)
    assert.equal(d.status, 202, JSON.stringify(d.body))
    await eventually(async () => (await neutronPort(att.port_id)).status === 404, 'the port Nova made is deleted')
    await eventually(async () => !(await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.addresses.second, 'the address leaves the server')
    assert.deepEqual((await c.demo.get(base(s.id))).body.interfaceAttachments.map((x: any) => x.port_id), [before.body.interfaceAttachments[0].port_id])
    novaError(await c.demo.get(`${base(s.id)}/${att.port_id}`), 404, 'itemNotFound')
    const detached = await actionOf(s.id, d.headers.get('x-compute-request-id')!)
    assert.equal(detached.action, 'detach_interface')
    assert.deepEqual(detached.events.map((e: any) => [e.event, e.result]), [['compute_detach_interface', 'Success']])
  })

  test('a user\'s port is attached to a stopped server with a tag; detached, it is unbound and kept', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    const own = await c.demoNetwork.post('/v2.0/ports', { port: { network_id: second.id, name: 'mine' } })
    assert.equal(own.status, 201, JSON.stringify(own.body))
    const portId = own.body.port.id

    const r = await c.demo.post(base(s.id), { interfaceAttachment: { port_id: portId, tag: 'nic-b' } }, mv('2.49'))
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.interfaceAttachment.port_id, portId)
    assert.equal(r.body.interfaceAttachment.tag, undefined, 'no tag in the view before 2.70')
    const tagged = await c.demo.get(base(s.id), mv('2.70'))
    const mine = tagged.body.interfaceAttachments.find((x: any) => x.port_id === portId)
    assert.equal(mine.tag, 'nic-b')
    assert.ok(tagged.body.interfaceAttachments.some((x: any) => x.port_id !== portId && x.tag === null), 'untagged ports show tag null')
    assert.equal((await c.demo.get(`${base(s.id)}/${portId}`, mv('2.70'))).body.interfaceAttachment.tag, 'nic-b')
    assert.equal((await neutronPort(portId)).body.port.device_id, s.id)
    assert.ok((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.addresses.second)

    assert.equal((await c.demo.delete(`${base(s.id)}/${portId}`)).status, 202)
    await eventually(async () => (await neutronPort(portId)).body.port?.device_id === '', 'the user\'s port is unbound')
    const kept = (await neutronPort(portId)).body.port
    assert.equal(kept.device_owner, '')
    assert.ok(!kept['binding:host_id'])
    await eventually(async () => !(await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.addresses.second, 'the address leaves the server')
    assert.equal((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.status, 'SHUTOFF')
  })

  test('bad bodies, unknown networks and ports, ports in use, locked and suspended servers are refused and change nothing', async () => {
    const s = await bootServer(c, c.demo)
    const neighbour = await bootServer(c, c.demo)
    const portsBefore = (await c.demoNetwork.get('/v2.0/ports')).body.ports.map((p: any) => p.id).sort()
    const ours = (await portsOf(s.id))[0].id
    const theirs = (await portsOf(neighbour.id))[0].id
    const unknown = crypto.randomUUID()
    const post = (body: unknown, headers?: Record<string, string>) => c.demo.post(base(s.id), body, headers)

    novaError(await post({ interfaceAttachment: { net_id: second.id, port_id: theirs } }), 400, 'badRequest', 'Must not input both network_id and port_id')
    novaError(await post({ interfaceAttachment: { fixed_ips: [{ ip_address: '10.30.0.9' }] } }), 400, 'badRequest', 'Must input network_id when request IP address')
    novaError(await post({ interfaceAttachment: { net_id: 'not-a-uuid' } }), 400, 'badRequest')
    novaError(await post({ interfaceAttachment: { net_id: second.id, fixed_ips: [{ ip_address: 'nope' }] } }), 400, 'badRequest')
    novaError(await post({ interfaceAttachment: { net_id: second.id, tag: 'x' } }), 400, 'badRequest', /tag/)
    novaError(await post({ interfaceAttachment: { net_id: second.id, tag: 'a/b' } }, mv('2.49')), 400, 'badRequest')
    novaError(await post({ interfaceAttachment: { net_id: second.id, extra: 1 } }), 400, 'badRequest')
    novaError(await post({}), 400, 'badRequest', 'More than one possible network found. Specify network ID(s) to select which one(s) to connect to.')
    novaError(await post({ interfaceAttachment: { net_id: unknown } }), 404, 'itemNotFound', `Network ${unknown} could not be found.`)
    novaError(await post({ interfaceAttachment: { port_id: unknown } }), 404, 'itemNotFound', `Port id ${unknown} could not be found.`)
    novaError(await post({ interfaceAttachment: { port_id: theirs } }), 409, 'conflictingRequest', `Port ${theirs} is still in use.`)
    novaError(await post({ interfaceAttachment: { port_id: ours } }), 409, 'conflictingRequest', `Port ${ours} is still in use.`)
    novaError(await c.demo.delete(`${base(s.id)}/${theirs}`), 404, 'itemNotFound', `Port ${theirs} is not attached`)
    novaError(await c.demo.get(`${base(s.id)}/${theirs}`), 404, 'itemNotFound', `Instance ${s.id} does not have a port with id ${theirs}`)
    novaError(await c.demo.get(`${base(s.id)}/${unknown}`), 404, 'itemNotFound', `Port id ${unknown} could not be found.`)

    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { lock: null })).status, 202)
    novaError(await post({ interfaceAttachment: { net_id: second.id } }), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    novaError(await c.demo.delete(`${base(s.id)}/${ours}`), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { unlock: null })).status, 202)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { suspend: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SUSPENDED')
    novaError(await post({ interfaceAttachment: { net_id: second.id } }), 409, 'conflictingRequest',
      `Cannot 'attach_interface' instance ${s.id} while it is in vm_state suspended`)
    novaError(await c.demo.delete(`${base(s.id)}/${ours}`), 409, 'conflictingRequest',
      `Cannot 'detach_interface' instance ${s.id} while it is in vm_state suspended`)

    assert.deepEqual((await c.demoNetwork.get('/v2.0/ports')).body.ports.map((p: any) => p.id).sort(), portsBefore, 'no port made or deleted')
    assert.equal((await neutronPort(theirs)).body.port.device_id, neighbour.id)
    assert.deepEqual((await c.demo.get(base(s.id))).body.interfaceAttachments.map((x: any) => x.port_id), [ours])
    const actions = (await c.demo.get(`/v2.1/servers/${s.id}/os-instance-actions`)).body.instanceActions.map((a: any) => a.action)
    assert.ok(!actions.includes('attach_interface') && !actions.includes('detach_interface'), JSON.stringify(actions))

    // An address in use is found by the network service when the agent makes the port: the attempt is recorded, nothing is left.
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { resume: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    const taken = (await portsOf(neighbour.id))[0].fixed_ips[0].ip_address
    const clash = await post({ interfaceAttachment: { net_id: c.networkId, fixed_ips: [{ ip_address: taken }] } })
    novaError(clash, 409, 'conflictingRequest')
    const failed = await actionOf(s.id, clash.headers.get('x-compute-request-id')!)
    assert.deepEqual(failed.events.map((e: any) => [e.event, e.result]), [['compute_attach_interface', 'Error']])
    assert.deepEqual((await c.demoNetwork.get('/v2.0/ports')).body.ports.map((p: any) => p.id).sort(), portsBefore)
    assert.deepEqual((await c.demo.get(base(s.id))).body.interfaceAttachments.map((x: any) => x.port_id), [ours])
    assert.equal((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.status, 'ACTIVE')
  })

  test('a hypervisor that fails to plug the port leaves no port behind, and the server as it was', async () => {
    const flavor = await c.admin.post('/v2.1/flavors', { flavor: { name: 'plugfail', ram: 64, vcpus: 1, disk: 1 } })
    assert.equal(flavor.status, 200, JSON.stringify(flavor.body))
    const fid = flavor.body.flavor.id
    const faults = { 'nubis:fake_fault': 'attach_interface,detach_interface' }
    assert.equal((await c.admin.post(`/v2.1/flavors/${fid}/os-extra_specs`, { extra_specs: faults })).status, 200)
    const s = await bootServer(c, c.demo, {}, fid)
    const portsBefore = (await c.demoNetwork.get('/v2.0/ports')).body.ports.map((p: any) => p.id).sort()
    const own = await c.demoNetwork.post('/v2.0/ports', { port: { network_id: second.id } })
    const ownId = own.body.port.id

    const r = await c.demo.post(base(s.id), { interfaceAttachment: { net_id: second.id } })
    assert.equal(r.status, 500, JSON.stringify(r.body))
    assert.equal(r.body.computeFault.message, `Failed to attach network adapter device to ${s.id}`)
    assert.deepEqual((await c.demoNetwork.get('/v2.0/ports')).body.ports.map((p: any) => p.id).sort(), [...portsBefore, ownId].sort(), 'the port made is deleted')
    assert.equal((await c.demo.post(base(s.id), { interfaceAttachment: { port_id: ownId } })).status, 500)
    assert.equal((await neutronPort(ownId)).body.port.device_id, '', 'the user\'s port is released again')
    const server = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.deepEqual(Object.keys(server.addresses), ['private'])
    const failed = await actionOf(s.id, r.headers.get('x-compute-request-id')!)
    assert.deepEqual(failed.events.map((e: any) => [e.event, e.result]), [['compute_attach_interface', 'Error']])

    // A failed unplug keeps the port and the address.
    const boot = (await portsOf(s.id))[0].id
    const d = await c.demo.delete(`${base(s.id)}/${boot}`)
    assert.equal(d.status, 202)
    await eventually(async () => (await actionOf(s.id, d.headers.get('x-compute-request-id')!)).events.some((e: any) => e.result === 'Error'), 'the detach fails')
    assert.equal((await neutronPort(boot)).body.port.device_id, s.id)
    assert.ok((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.addresses.private)
  })

  test('another project\'s server does not exist for its interfaces', async () => {
    const s = await bootServer(c, c.demo)
    const port = (await portsOf(s.id))[0].id
    novaError(await other.get(base(s.id)), 404, 'itemNotFound', `Instance ${s.id} could not be found.`)
    novaError(await other.get(`${base(s.id)}/${port}`), 404, 'itemNotFound')
    novaError(await other.post(base(s.id), { interfaceAttachment: { net_id: second.id } }), 404, 'itemNotFound')
    novaError(await other.delete(`${base(s.id)}/${port}`), 404, 'itemNotFound')
    assert.deepEqual((await portsOf(s.id)).map((p) => p.id), [port])
    const seen = await c.admin.get(base(s.id))
    assert.equal(seen.status, 200, 'an admin lists any server\'s interfaces')
    assert.deepEqual(seen.body.interfaceAttachments.map((x: any) => x.port_id), [port])
  })
})
