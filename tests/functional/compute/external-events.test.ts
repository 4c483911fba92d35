/**
 * os-server-external-events as the network service uses it: network-changed makes a server's
 * addresses show what changed on its ports (a floating IP associated through the network API),
 * network-vif-deleted drops a port deleted under the server; every event gets its own code, and
 * only admins and services may send them.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { bootServer, floatingOf, novaError, routeToPublic, startComputeCloud, waitForServer, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
let publicNet: string

before(async () => {
  // The network service would send these events itself (see floating-ips.test.ts); here the test sends them.
  c = await startComputeCloud({ config: { network: { nova: { notifyPortDataChanges: false } } } })
  publicNet = await routeToPublic(c)
})
after(() => c?.stop())

const send = (events: unknown, headers: Record<string, string> = {}) => c.admin.post('/v2.1/os-server-external-events', { events }, headers)


describe('os-server-external-events', () => {
  test('network-changed brings a floating IP associated through the network API into the server addresses', async () => {
    const s = await bootServer(c, c.demo)
    const [port] = (await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)).body.ports
    const fip = await c.demoNetwork.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet, port_id: port.id } })
    assert.equal(fip.status, 201, JSON.stringify(fip.body))
    const address = fip.body.floatingip.floating_ip_address
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, s.id, 'ACTIVE')), [], 'the cache does not know yet')

    const r = await send([{ name: 'network-changed', server_uuid: s.id, tag: port.id }])
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.events, [{ name: 'network-changed', server_uuid: s.id, tag: port.id, status: 'completed', code: 200 }])
    await waitForServer(c.demo, s.id, (x) => floatingOf(x).includes(address))

    assert.equal((await c.demoNetwork.delete(`/v2.0/floatingips/${fip.body.floatingip.id}`)).status, 204)
    assert.equal((await send([{ name: 'network-changed', server_uuid: s.id }])).status, 200)
    await waitForServer(c.demo, s.id, (x) => floatingOf(x).length === 0)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('network-vif-deleted drops a port deleted under the server', async () => {
    const s = await bootServer(c, c.demo)
    const extra = await c.demo.post(`/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: c.networkId } })
    assert.equal(extra.status, 200, JSON.stringify(extra.body))
    const portId = extra.body.interfaceAttachment.port_id
    await waitForServer(c.demo, s.id, (x) => Object.values(x.addresses).flat().length === 2)
    assert.equal((await c.demoNetwork.delete(`/v2.0/ports/${portId}`)).status, 204)
    assert.equal((await send([{ name: 'network-vif-deleted', server_uuid: s.id, tag: portId }])).status, 200)
    const after = await waitForServer(c.demo, s.id, (x) => Object.values(x.addresses).flat().length === 1)
    assert.ok(!(await c.demo.get(`/v2.1/servers/${s.id}/os-interface`)).body.interfaceAttachments.some((a: any) => a.port_id === portId), JSON.stringify(after))
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('each event gets its own code; bad bodies are 400 and members are refused', async () => {
    const s = await bootServer(c, c.demo)
    const unknown = randomUUID()
    const r = await send([
      { name: 'network-vif-plugged', server_uuid: s.id, status: 'completed', tag: 'p' },
      { name: 'network-changed', server_uuid: unknown },
    ])
    assert.equal(r.status, 207, JSON.stringify(r.body))
    assert.deepEqual(r.body.events.map((e: any) => e.code), [200, 404])
    assert.equal(r.body.events[1].status, 'failed')

    const v276 = { 'OpenStack-API-Version': 'compute 2.76' }
    const untagged = await send([{ name: 'power-update', server_uuid: s.id }, { name: 'network-changed', server_uuid: s.id }], v276)
    assert.equal(untagged.status, 207)
    assert.deepEqual(untagged.body.events.map((e: any) => e.code), [400, 200], 'power-update needs a tag')
    novaError(await send([{ name: 'network-changed', server_uuid: unknown }]), 404, 'itemNotFound', 'No instances found for any event')
    novaError(await send([{ name: 'power-update', server_uuid: s.id, tag: 'POWER_ON' }]), 400, 'badRequest', /power-update/)
    novaError(await send([]), 400, 'badRequest')
    novaError(await send([{ name: 'nosuch', server_uuid: s.id }]), 400, 'badRequest')
    novaError(await send([{ name: 'network-changed', server_uuid: 'not-a-uuid' }]), 400, 'badRequest')
    novaError(await send([{ name: 'network-changed', server_uuid: s.id, extra: 1 }]), 400, 'badRequest')
    novaError(await c.demo.post('/v2.1/os-server-external-events', { events: [{ name: 'network-changed', server_uuid: s.id }] }), 403, 'forbidden')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })
})
