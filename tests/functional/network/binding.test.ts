/**
 * Port binding as compute drives it: an admin sets binding:host_id, and the linuxbridge mechanism
 * driver binds when that host's Linux bridge agent (registered by report_state, played here over
 * the message bus) reaches one of the network's segments; otherwise binding_failed.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { createInProcessTransport } from '../../../src/common/rpc/in-process.ts'
import type { RunningService } from '../../../src/common/service.ts'
import { networkPluginClient } from '../../../src/network/rpc/agent-client.ts'
import type { NetworkPluginRpc } from '../../../src/network/rpc/agent-rpc.ts'
import { startNetwork } from '../../../src/network/services.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

const DOWN_TIME_SEC = 2

let cloud: TestCloud
let network: RunningService
let plugin: NetworkPluginRpc
let admin: ApiClient
let demo: ApiClient

before(async () => {
  cloud = await startTestCloud({ config: { network: { agentDownTimeSec: DOWN_TIME_SEC } } })
  const transport = createInProcessTransport()
  cloud.config.network.port = 0
  network = await startNetwork({ config: cloud.config, log: silentLogger, transport })
  plugin = networkPluginClient(transport)
  admin = new ApiClient(network.url!, (await cloud.admin()).token)
  demo = new ApiClient(network.url!, (await cloud.demo()).token)
})
after(async () => {
  await network?.stop()
  await cloud?.stop()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A Linux bridge agent's heartbeat from `host` with these configurations. */
async function linuxbridgeAgent(host: string, configurations: Record<string, unknown>) {
  const r = await plugin.report_state({
    agent_state: { agent_type: 'Linux bridge agent', binary: 'nubis-linuxbridge-agent', host, topic: 'network.agent.l2', configurations },
    time: new Date().toISOString(),
  })
  assert.notEqual(r.status, 'stale')
}

async function net(as: ApiClient, body: Record<string, unknown>) {
  const res = await as.post('/v2.0/networks', { network: body })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  const n = res.body.network
  const sub = await as.post('/v2.0/subnets', { subnet: { network_id: n.id, cidr: `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.0/24`, ip_version: 4 } })
  assert.equal(sub.status, 201, JSON.stringify(sub.body))
  return n
}

async function boundPort(networkId: string, host: string, extra: Record<string, unknown> = {}) {
  const res = await admin.post('/v2.0/ports', { port: { network_id: networkId, 'binding:host_id': host, ...extra } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.port
}

const binding = (p: any) => [p['binding:host_id'], p['binding:vif_type'], p['binding:vif_details']]
const brq = (networkId: string) => `brq${networkId.slice(0, 11)}`

describe('linuxbridge binding', () => {
  test('no agent on the host: binding_failed, vif_details {}', async () => {
    const n = await net(demo, { name: 'tenant-a' })
    assert.deepEqual(binding(await boundPort(n.id, 'nowhere-1')), ['nowhere-1', 'binding_failed', {}])
  })

  test('a project (vxlan) network binds on a host whose agent carries vxlan: vif_type bridge, Neutron\'s vif_details and the network bridge', async () => {
    await linuxbridgeAgent('hv-1', { interface_mappings: { physnet1: 'eth1' }, tunnel_types: ['vxlan'], tunneling_ip: '192.0.2.11' })
    const n = await net(demo, { name: 'tenant-b' })
    const p = await boundPort(n.id, 'hv-1')
    assert.deepEqual(binding(p), ['hv-1', 'bridge', { connectivity: 'l2', port_filter: true, bridge_name: brq(n.id) }])
    assert.equal(p.status, 'DOWN')
    const shown = (await admin.get(`/v2.0/ports/${p.id}`)).body.port
    assert.deepEqual(binding(shown), binding(p))
    // Members never see binding details.
    const mine = (await demo.get(`/v2.0/ports/${p.id}`)).body.port
    assert.equal('binding:vif_type' in mine, false)
  })

  test('vxlan needs the tunnel type: an agent with only interface mappings cannot bind it', async () => {
    await linuxbridgeAgent('hv-2', { interface_mappings: { physnet1: 'eth1' } })
    const n = await net(demo, { name: 'tenant-c' })
    assert.equal((await boundPort(n.id, 'hv-2'))['binding:vif_type'], 'binding_failed')
  })

  test('flat and vlan provider networks bind only where the agent maps their physical network', async () => {
    await linuxbridgeAgent('hv-3', { interface_mappings: { physnet1: 'eth1' }, bridge_mappings: { physnet2: 'br-ex' } })
    const flat1 = await net(admin, { name: 'flat-1', 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' })
    const flat2 = await net(admin, { name: 'flat-2', 'provider:network_type': 'flat', 'provider:physical_network': 'physnet2' })
    const flat3 = await net(admin, { name: 'flat-3', 'provider:network_type': 'flat', 'provider:physical_network': 'physnet3' })
    const vlan = await net(admin, { name: 'vlan-1', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1234 })
    assert.deepEqual(binding(await boundPort(flat1.id, 'hv-3')).slice(1), ['bridge', { connectivity: 'l2', port_filter: true, bridge_name: brq(flat1.id) }])
    assert.equal((await boundPort(flat2.id, 'hv-3'))['binding:vif_details'].bridge_name, 'br-ex')
    assert.equal((await boundPort(flat3.id, 'hv-3'))['binding:vif_type'], 'binding_failed')
    assert.equal((await boundPort(vlan.id, 'hv-3'))['binding:vif_type'], 'bridge')
  })

  test('a local network binds on any host with a Linux bridge agent', async () => {
    await linuxbridgeAgent('hv-4', {})
    const n = await net(admin, { name: 'local-1', 'provider:network_type': 'local' })
    assert.equal((await boundPort(n.id, 'hv-4'))['binding:vif_type'], 'bridge')
  })

  test('multi-segment networks bind to a segment the agent reaches', async () => {
    await linuxbridgeAgent('hv-5', { tunnel_types: ['vxlan'] })
    const n = await net(admin, { name: 'multi', segments: [
      { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1500 },
      { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5500 },
    ] })
    const p = await boundPort(n.id, 'hv-5')
    assert.equal(p['binding:vif_type'], 'bridge')
    const details = await plugin.get_device_details({ device: p.id, agent_id: 'a', host: 'hv-5' })
    assert.ok(details.bound)
    assert.deepEqual([details.network_type, details.segmentation_id, details.physical_network], ['vxlan', 5500, null])
  })

  test('vnic types other than normal are not bound by linuxbridge', async () => {
    await linuxbridgeAgent('hv-6', { tunnel_types: ['vxlan'] })
    const n = await net(demo, { name: 'tenant-d' })
    assert.equal((await boundPort(n.id, 'hv-6', { 'binding:vnic_type': 'direct' }))['binding:vif_type'], 'binding_failed')
  })

  test('moving the port rebinds it for the new host; clearing the host unbinds', async () => {
    await linuxbridgeAgent('hv-7', { tunnel_types: ['vxlan'] })
    const n = await net(demo, { name: 'tenant-e' })
    const p = await boundPort(n.id, 'hv-7')
    assert.equal(p['binding:vif_type'], 'bridge')
    const moved = await admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'nowhere-2' } })
    assert.deepEqual(binding(moved.body.port), ['nowhere-2', 'binding_failed', {}])
    const back = await admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'hv-7' } })
    assert.deepEqual(binding(back.body.port), ['hv-7', 'bridge', { connectivity: 'l2', port_filter: true, bridge_name: brq(n.id) }])
    const cleared = await admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': '' } })
    assert.deepEqual(binding(cleared.body.port), ['', 'unbound', {}])
  })

  test('a dead agent binds nothing; once it reports again, binding works', async () => {
    await linuxbridgeAgent('hv-8', { tunnel_types: ['vxlan'] })
    const n = await net(demo, { name: 'tenant-f' })
    await sleep(DOWN_TIME_SEC * 1000 + 300)
    const p = await boundPort(n.id, 'hv-8')
    assert.equal(p['binding:vif_type'], 'binding_failed')
    await linuxbridgeAgent('hv-8', { tunnel_types: ['vxlan'] })
    assert.equal((await admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': '' } })).status, 200)
    const retried = await admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'hv-8' } })
    assert.equal(retried.status, 200, JSON.stringify(retried.body))
    assert.equal(retried.body.port['binding:vif_type'], 'bridge')
  })

  test('agents of other types on the host do not make linuxbridge bind', async () => {
    await plugin.report_state({
      agent_state: { agent_type: 'DHCP agent', binary: 'nubis-dhcp-agent', host: 'net-9', topic: 'network.agent.dhcp', configurations: {} },
      time: new Date().toISOString(),
    })
    const n = await net(demo, { name: 'tenant-g' })
    assert.equal((await boundPort(n.id, 'net-9'))['binding:vif_type'], 'binding_failed')
  })
})
