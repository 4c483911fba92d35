/**
 * Nova's network proxies as a user sees them: /os-networks and /os-tenant-networks list and show
 * the networks the network service lets the caller see (own, shared, external; everything for an
 * admin) in nova-network's shapes; others' networks are 404; what only nova-network could do is
 * 410 and changes nothing; the proxies are gone from microversion 2.36.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiClient } from '../../support/client.ts'
import { otherProjectMember } from '../../support/cloud.ts'
import { novaError, startComputeCloud, type ComputeCloud } from './support.ts'

let c: ComputeCloud
let other: ApiClient
let otherNet: string
let sharedNet: string
let publicNet: string
const v235 = { 'OpenStack-API-Version': 'compute 2.35' }
const v236 = { 'OpenStack-API-Version': 'compute 2.36' }
const USER_KEYS = ['broadcast', 'cidr', 'cidr_v6', 'dns1', 'dns2', 'gateway', 'gateway_v6', 'id', 'label', 'netmask', 'netmask_v6']
const ADMIN_KEYS = [...USER_KEYS,
  'bridge', 'bridge_interface', 'created_at', 'deleted', 'deleted_at', 'dhcp_server', 'dhcp_start', 'enable_dhcp', 'host',
  'injected', 'mtu', 'multi_host', 'priority', 'project_id', 'rxtx_base', 'share_address', 'updated_at', 'vlan',
  'vpn_private_address', 'vpn_public_address', 'vpn_public_port'].sort()
const GONE = 'This resource is no longer available.  No forwarding address is given.'

before(async () => {
  c = await startComputeCloud()
  const adminNetwork = c.cloud.service('network', await c.cloud.admin())
  const create = async (client: ApiClient, network: Record<string, unknown>) => {
    const r = await client.post('/v2.0/networks', { network })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    return r.body.network.id as string
  }
  sharedNet = await create(adminNetwork, { name: 'shared-net', shared: true })
  publicNet = await create(adminNetwork, { name: 'public', 'router:external': true })
  other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'net-other'))
  const otherNetwork = c.cloud.service('network', await otherProjectMember(c.cloud, 'net-other2'))
  otherNet = await create(otherNetwork, { name: 'others-private' })
})
after(() => c?.stop())

const labels = (nets: any[]) => Object.fromEntries(nets.map((n) => [n.id, n.label]))

describe('os-networks', () => {
  test('a user sees its own, shared and external networks with only id and label known; an admin sees all, with the admin fields', async () => {
    for (const headers of [{}, v235]) {
      const r = await c.demo.get('/v2.1/os-networks', headers)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      assert.deepEqual(labels(r.body.networks), { [c.networkId]: 'private', [sharedNet]: 'shared-net', [publicNet]: 'public' })
      for (const n of r.body.networks) {
        assert.deepEqual(Object.keys(n).sort(), USER_KEYS)
        for (const k of USER_KEYS.filter((k) => k !== 'id' && k !== 'label')) assert.equal(n[k], null, k)
      }
    }
    const all = await c.admin.get('/v2.1/os-networks', v235)
    assert.equal(all.status, 200)
    assert.equal(labels(all.body.networks)[otherNet], 'others-private', 'an admin sees every project\'s networks')
    for (const n of all.body.networks) assert.deepEqual(Object.keys(n).sort(), ADMIN_KEYS)
    const seen = labels((await other.get('/v2.1/os-networks')).body.networks)
    assert.equal(seen[c.networkId], undefined, 'another project does not see the demo project\'s network')
    assert.equal(seen[sharedNet], 'shared-net')
  })

  test('one network is shown to whoever may see it; others\' and unknown ones are 404', async () => {
    const r = await c.demo.get(`/v2.1/os-networks/${c.networkId}`, v235)
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { network: Object.fromEntries(USER_KEYS.map((k) => [k, k === 'id' ? c.networkId : k === 'label' ? 'private' : null])) })
    const asAdmin = await c.admin.get(`/v2.1/os-networks/${otherNet}`)
    assert.equal(asAdmin.status, 200)
    assert.deepEqual(Object.keys(asAdmin.body.network).sort(), ADMIN_KEYS)
    assert.equal(asAdmin.body.network.label, 'others-private')
    novaError(await c.demo.get(`/v2.1/os-networks/${otherNet}`), 404, 'itemNotFound', 'Network not found')
    novaError(await c.demo.get('/v2.1/os-networks/4b1a1e2c-77a8-4d6b-9d64-5d6a2a1f0c11'), 404, 'itemNotFound', 'Network not found')
    novaError(await c.demo.get('/v2.1/os-networks/not-a-uuid'), 404, 'itemNotFound', 'Network not found')
  })

  test('creating, deleting, adding and the associate actions are 410 Gone and change nothing', async () => {
    for (const headers of [v235, v236]) {
      novaError(await c.admin.post('/v2.1/os-networks', { network: { label: 'x', cidr: '10.9.0.0/24' } }, headers), 410, 'computeFault', GONE)
      novaError(await c.admin.post('/v2.1/os-networks/add', { id: c.networkId }, headers), 410, 'computeFault', GONE)
      novaError(await c.admin.delete(`/v2.1/os-networks/${c.networkId}`, headers), 410, 'computeFault', GONE)
      for (const action of ['disassociate', 'associate_host', 'disassociate_host', 'disassociate_project']) {
        novaError(await c.admin.post(`/v2.1/os-networks/${c.networkId}/action`, { [action]: null }, headers), 410, 'computeFault', GONE)
      }
    }
    novaError(await c.admin.post(`/v2.1/os-networks/${c.networkId}/action`, { reboot: null }), 400, 'badRequest', 'There is no such action: reboot')
    assert.equal((await c.demoNetwork.get(`/v2.0/networks/${c.networkId}`)).status, 200)
    const names = (await c.demoNetwork.get('/v2.0/networks')).body.networks.map((n: any) => n.name)
    assert.ok(!names.includes('x'))
  })

  test('from microversion 2.36 the listing and showing are 404', async () => {
    novaError(await c.demo.get('/v2.1/os-networks', v236), 404, 'itemNotFound')
    novaError(await c.demo.get(`/v2.1/os-networks/${c.networkId}`, v236), 404, 'itemNotFound')
  })
})

describe('os-tenant-networks', () => {
  test('the networks a user may see are listed and shown as id, label and cidr "None"', async () => {
    const r = await c.demo.get('/v2.1/os-tenant-networks', v235)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(labels(r.body.networks), { [c.networkId]: 'private', [sharedNet]: 'shared-net', [publicNet]: 'public' })
    for (const n of r.body.networks) assert.deepEqual(Object.keys(n).sort(), ['cidr', 'id', 'label'])
    assert.ok(r.body.networks.every((n: any) => n.cidr === 'None'))
    const shown = await c.demo.get(`/v2.1/os-tenant-networks/${c.networkId}`)
    assert.deepEqual(shown.body, { network: { id: c.networkId, cidr: 'None', label: 'private' } })
    const reader = c.cloud.service('compute', await otherProjectMember(c.cloud, 'net-reader', 'reader'))
    assert.equal((await reader.get('/v2.1/os-tenant-networks')).status, 200, 'a project reader may list them')
  })

  test('others\' and unknown networks are 404; creating and deleting are 410; gone from 2.36', async () => {
    novaError(await c.demo.get(`/v2.1/os-tenant-networks/${otherNet}`), 404, 'itemNotFound', 'Network not found')
    novaError(await c.demo.get('/v2.1/os-tenant-networks/4b1a1e2c-77a8-4d6b-9d64-5d6a2a1f0c11'), 404, 'itemNotFound', 'Network not found')
    assert.equal((await c.admin.get(`/v2.1/os-tenant-networks/${otherNet}`)).body.network.label, 'others-private')
    novaError(await c.demo.post('/v2.1/os-tenant-networks', { network: { label: 'y', cidr: '10.8.0.0/24' } }), 410, 'computeFault', GONE)
    novaError(await c.demo.delete(`/v2.1/os-tenant-networks/${c.networkId}`), 410, 'computeFault', GONE)
    assert.equal((await c.demoNetwork.get(`/v2.0/networks/${c.networkId}`)).status, 200)
    novaError(await c.demo.get('/v2.1/os-tenant-networks', v236), 404, 'itemNotFound')
    novaError(await c.demo.get(`/v2.1/os-tenant-networks/${c.networkId}`, v236), 404, 'itemNotFound')
  })
})
