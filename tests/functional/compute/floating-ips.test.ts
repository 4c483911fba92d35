/**
 * Nova's floating IP proxy as a user sees it: addresses allocated, listed, shown and released
 * through /os-floating-ips are the network service's floating IPs; addFloatingIp and
 * removeFloatingIp associate them with a server's port and its addresses show them; so do
 * floating IPs associated through the network API, which tells compute; refusals change
 * nothing; the proxy is gone from 2.36 and the actions from 2.44.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import { bootServer, floatingOf, novaError, routeToPublic, startComputeCloud, waitForServer, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
let publicNet: string
const v235 = { 'OpenStack-API-Version': 'compute 2.35' }
const KEYS = ['fixed_ip', 'id', 'instance_id', 'ip', 'pool']

before(async () => {
  c = await startComputeCloud({ config: { network: { nova: { sendEventsIntervalMs: 10 } } } })
  publicNet = await routeToPublic(c)
})
after(() => c?.stop())

async function allocate(body: unknown = {}): Promise<any> {
  const r = await c.demo.post('/v2.1/os-floating-ips', body)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.floating_ip
}

const act = (id: string, body: unknown, headers: Record<string, string> = {}) => c.demo.post(`/v2.1/servers/${id}/action`, body, headers)

describe('os-floating-ips', () => {
  test('an address is allocated from the default pool, listed, shown and released, in the network service', async () => {
    const fip = await allocate()
    assert.deepEqual(Object.keys(fip).sort(), KEYS)
    assert.equal(fip.pool, 'public')
    assert.equal(fip.instance_id, null)
    assert.equal(fip.fixed_ip, null)
    const neutron = await c.demoNetwork.get(`/v2.0/floatingips/${fip.id}`)
    assert.equal(neutron.status, 200)
    assert.equal(neutron.body.floatingip.floating_ip_address, fip.ip)
    assert.deepEqual((await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`)).body.floating_ip, fip)
    assert.ok((await c.demo.get('/v2.1/os-floating-ips')).body.floating_ips.some((f: any) => f.id === fip.id))
    const byId = await allocate({ pool: publicNet })
    assert.equal(byId.pool, 'public', 'a pool is found by id too')
    assert.deepEqual((await c.demo.get('/v2.1/os-floating-ip-pools')).body.floating_ip_pools, [{ name: 'public' }])

    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'fip-other'))
    assert.ok(!(await other.get('/v2.1/os-floating-ips')).body.floating_ips.some((f: any) => f.id === fip.id))
    novaError(await other.get(`/v2.1/os-floating-ips/${fip.id}`), 404, 'itemNotFound')
    novaError(await other.delete(`/v2.1/os-floating-ips/${fip.id}`), 404, 'itemNotFound')

    for (const f of [fip, byId]) assert.equal((await c.demo.delete(`/v2.1/os-floating-ips/${f.id}`)).status, 202)
    assert.equal((await c.demoNetwork.get(`/v2.0/floatingips/${fip.id}`)).status, 404)
    novaError(await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`), 404, 'itemNotFound', `Floating IP not found for ID ${fip.id}`)
  })

  test('unknown pools and ids are 404, and the proxy is gone from 2.36', async () => {
    const before = (await c.demoNetwork.get('/v2.0/floatingips')).body.floatingips.length
    novaError(await c.demo.post('/v2.1/os-floating-ips', { pool: 'nosuch' }), 404, 'itemNotFound', 'Floating IP pool not found.')
    novaError(await c.demo.post('/v2.1/os-floating-ips', { pool: c.networkId }), 404, 'itemNotFound', 'Floating IP pool not found.')
    novaError(await c.demo.get(`/v2.1/os-floating-ips/${randomUUID()}`), 404, 'itemNotFound')
    novaError(await c.demo.get('/v2.1/os-floating-ips/12345'), 404, 'itemNotFound')
    novaError(await c.demo.delete(`/v2.1/os-floating-ips/${randomUUID()}`), 404, 'itemNotFound')
    novaError(await c.demo.get('/v2.1/os-floating-ips', { 'OpenStack-API-Version': 'compute 2.36' }), 404, 'itemNotFound')
    novaError(await c.demo.get('/v2.1/os-floating-ip-pools', { 'OpenStack-API-Version': 'compute 2.36' }), 404, 'itemNotFound')
    assert.equal((await c.demo.get('/v2.1/os-floating-ips', v235)).status, 200)
    assert.equal((await c.demoNetwork.get('/v2.0/floatingips')).body.floatingips.length, before, 'nothing was allocated')
  })
})

describe('addFloatingIp and removeFloatingIp', () => {
  test('an address is associated with a server, moved to another and dissociated; the servers show it', async () => {
    const a = await bootServer(c, c.demo)
    const b = await bootServer(c, c.demo)
    const fip = await allocate()
    assert.equal((await act(a.id, { addFloatingIp: { address: fip.ip } })).status, 202)
    const shown = (await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`)).body.floating_ip
    assert.equal(shown.instance_id, a.id)
    assert.equal(shown.fixed_ip, Object.values(a.addresses).flat().map((x: any) => x.addr)[0])
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, a.id, 'ACTIVE')), [fip.ip])
    const port = (await c.demoNetwork.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.port_id
    assert.equal((await c.demoNetwork.get(`/v2.0/ports/${port}`)).body.port.device_id, a.id)

    const second = await allocate()
    novaError(await act(a.id, { addFloatingIp: { address: second.ip } }), 400, 'badRequest')
    assert.equal((await c.demo.get(`/v2.1/os-floating-ips/${second.id}`)).body.floating_ip.instance_id, null, 'a refused association changes nothing')

    assert.equal((await act(b.id, { addFloatingIp: { address: fip.ip } })).status, 202, 'an associated address moves')
    assert.equal((await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`)).body.floating_ip.instance_id, b.id)
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, a.id, 'ACTIVE')), [], 'the old server no longer shows it')
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, b.id, 'ACTIVE')), [fip.ip])
    novaError(await act(a.id, { removeFloatingIp: { address: fip.ip } }), 409, 'conflictingRequest',
      `Floating IP ${fip.ip} is not associated with instance ${a.id}.`)

    assert.equal((await act(b.id, { removeFloatingIp: { address: fip.ip } })).status, 202)
    assert.equal((await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`)).body.floating_ip.instance_id, null)
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, b.id, 'ACTIVE')), [])

    assert.equal((await act(a.id, { addFloatingIp: { address: second.ip } })).status, 202)
    assert.equal((await c.demo.delete(`/v2.1/os-floating-ips/${second.id}`)).status, 202, 'an associated address is released')
    assert.deepEqual(floatingOf(await waitForStatus(c.demo, a.id, 'ACTIVE')), [])
    for (const s of [a, b]) await c.demo.delete(`/v2.1/servers/${s.id}`)
    assert.equal((await c.demo.delete(`/v2.1/os-floating-ips/${fip.id}`)).status, 202)
  })

  test('bad bodies, unknown addresses, foreign fixed addresses and other projects are refused and change nothing', async () => {
    const s = await bootServer(c, c.demo)
    const fip = await allocate()
    novaError(await act(s.id, { addFloatingIp: { address: '0.0.0.0' } }), 404, 'itemNotFound', 'floating IP not found')
    novaError(await act(s.id, { removeFloatingIp: { address: '0.0.0.0' } }), 404, 'itemNotFound')
    novaError(await act(s.id, { addFloatingIp: { address: '' } }), 400, 'badRequest')
    novaError(await act(s.id, { addFloatingIp: {} }), 400, 'badRequest', /'address' is a required property/)
    novaError(await act(s.id, { addFloatingIp: { address: fip.ip, port: 'x' } }), 400, 'badRequest', /Additional properties are not allowed/)
    novaError(await act(s.id, { addFloatingIp: { address: fip.ip, fixed_address: '10.99.0.1' } }), 400, 'badRequest',
      'Specified fixed address not assigned to instance')
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'fip-other-server'))
    novaError(await other.post(`/v2.1/servers/${s.id}/action`, { addFloatingIp: { address: fip.ip } }), 404, 'itemNotFound')
    novaError(await act(s.id, { addFloatingIp: { address: fip.ip } }, { 'OpenStack-API-Version': 'compute 2.44' }), 404, 'itemNotFound')
    assert.equal((await c.demo.get(`/v2.1/os-floating-ips/${fip.id}`)).body.floating_ip.instance_id, null)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    assert.equal((await c.demo.delete(`/v2.1/os-floating-ips/${fip.id}`)).status, 202)
  })
})

describe('floating IPs and ports changed through the network API', () => {
  test('the network service tells compute, so the server shows an associated address and loses a deleted port', async () => {
    const s = await bootServer(c, c.demo)
    const [port] = (await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)).body.ports
    const fip = await c.demoNetwork.post('/v2.0/floatingips', { floatingip: { floating_network_id: publicNet } })
    assert.equal(fip.status, 201, JSON.stringify(fip.body))
    const { id, floating_ip_address: address } = fip.body.floatingip
    assert.equal((await c.demoNetwork.put(`/v2.0/floatingips/${id}`, { floatingip: { port_id: port.id } })).status, 200)
    await waitForServer(c.demo, s.id, (x) => floatingOf(x).includes(address))
    assert.equal((await c.demoNetwork.put(`/v2.0/floatingips/${id}`, { floatingip: { port_id: null } })).status, 200)
    await waitForServer(c.demo, s.id, (x) => floatingOf(x).length === 0)

    const extra = await c.demo.post(`/v2.1/servers/${s.id}/os-interface`, { interfaceAttachment: { net_id: c.networkId } })
    assert.equal(extra.status, 200, JSON.stringify(extra.body))
    await waitForServer(c.demo, s.id, (x) => Object.values(x.addresses).flat().length === 2)
    assert.equal((await c.demoNetwork.delete(`/v2.0/ports/${extra.body.interfaceAttachment.port_id}`)).status, 204)
    await waitForServer(c.demo, s.id, (x) => Object.values(x.addresses).flat().length === 1)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    assert.equal((await c.demoNetwork.delete(`/v2.0/floatingips/${id}`)).status, 204)
  })
})
