/**
 * The agent RPC as host agents will use it (this test plays the Linux bridge, DHCP and L3 agents on
 * the in-process bus) against a network service whose state is set up and checked through the
 * public API: device details and status, security group info, DHCP networks and ports, router sync.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { createInProcessTransport } from '../../../src/common/rpc/in-process.ts'
import type { RunningService } from '../../../src/common/service.ts'
import { networkPluginClient } from '../../../src/network/rpc/agent-client.ts'
import type { AgentState } from '../../../src/network/rpc/agent-messages.ts'
import type { NetworkPluginRpc } from '../../../src/network/rpc/agent-rpc.ts'
import { startNetwork } from '../../../src/network/services.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

let cloud: TestCloud
let network: RunningService
let plugin: NetworkPluginRpc
let admin: ApiClient
let demo: ApiClient
/** The demo project's network with one IPv4 subnet. */
let net: any
let subnet: any

before(async () => {
  cloud = await startTestCloud()
  const transport = createInProcessTransport()
  cloud.config.network.port = 0
  network = await startNetwork({ config: cloud.config, log: silentLogger, transport })
  plugin = networkPluginClient(transport)
  admin = new ApiClient(network.url!, (await cloud.admin()).token)
  demo = new ApiClient(network.url!, (await cloud.demo()).token)
  net = (await demo.post('/v2.0/networks', { network: { name: 'rpc-net' } })).body.network
  subnet = (await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4 } })).body.subnet
  await agent('Linux bridge agent', 'hv-1', { tunnel_types: ['vxlan'], interface_mappings: { physnet1: 'eth1' } })
})
after(async () => {
  await network?.stop()
  await cloud?.stop()
})

async function agent(agentType: string, host: string, configurations: Record<string, unknown> = {}, extra: Partial<AgentState> = {}) {
  return plugin.report_state({
    agent_state: { agent_type: agentType, binary: 'nubis-agent', host, topic: 'network.agent', configurations, ...extra },
    time: new Date().toISOString(),
  })
}

async function port(body: Record<string, unknown>, as = admin) {
  const res = await as.post('/v2.0/ports', { port: { network_id: net.id, ...body } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.port
}

const show = async (id: string) => (await admin.get(`/v2.0/ports/${id}`)).body.port

describe('L2 agents: device details and status', () => {
  test('details of a port bound on the asking host: segment, MTU, addresses, groups; the port goes to BUILD', async () => {
    const p = await port({ 'binding:host_id': 'hv-1' })
    const d = await plugin.get_device_details({ device: p.id, agent_id: 'lb-1', host: 'hv-1' })
    assert.ok(d.bound)
    assert.deepEqual(
      [d.port_id, d.network_id, d.mac_address, d.admin_state_up, d.network_type, d.physical_network, d.mtu, d.device_owner, d.port_security_enabled, d.vif_type],
      [p.id, net.id, p.mac_address, true, 'vxlan', null, 1450, '', true, 'bridge'],
    )
    assert.equal(typeof d.segmentation_id, 'number')
    assert.deepEqual(d.fixed_ips, p.fixed_ips)
    assert.deepEqual(d.security_groups, p.security_groups)
    const after = await show(p.id)
    assert.equal(after.status, 'BUILD')
    assert.equal(after.revision_number, p.revision_number + 1)
  })

  test('a tap name finds the port too; unknown, unbound and elsewhere-bound devices have no details', async () => {
    const here = await port({ 'binding:host_id': 'hv-1' })
    const tap = await plugin.get_device_details({ device: `tap${here.id.slice(0, 11)}`, agent_id: 'lb-1', host: 'hv-1' })
    assert.ok(tap.bound && tap.port_id === here.id)
    const loose = await port({})
    const elsewhere = await port({ 'binding:host_id': 'hv-9' })
    assert.deepEqual(await plugin.get_device_details({ device: 'no-such-port', agent_id: 'a', host: 'hv-1' }), { device: 'no-such-port', bound: false, reason: 'not_found' })
    assert.deepEqual(await plugin.get_device_details({ device: loose.id, agent_id: 'a', host: 'hv-1' }), { device: loose.id, bound: false, reason: 'not_bound' })
    assert.deepEqual(await plugin.get_device_details({ device: elsewhere.id, agent_id: 'a', host: 'hv-1' }), { device: elsewhere.id, bound: false, reason: 'other_host' })
    assert.equal((await show(loose.id)).status, 'DOWN')
    const list = await plugin.get_devices_details_list({ devices: [here.id, 'no-such-port'], agent_id: 'a', host: 'hv-1' })
    assert.deepEqual(list.map((x) => x.bound), [true, false])
  })

  test('update_device_up makes the port ACTIVE, update_device_down DOWN; other hosts and unknown devices change nothing', async () => {
    const p = await port({ 'binding:host_id': 'hv-1' })
    await plugin.update_device_up({ device: p.id, agent_id: 'x', host: 'hv-2' })
    assert.equal((await show(p.id)).status, 'DOWN')
    await plugin.update_device_up({ device: p.id, agent_id: 'lb-1', host: 'hv-1' })
    const up = await show(p.id)
    assert.equal(up.status, 'ACTIVE')
    assert.equal(up.revision_number, p.revision_number + 1)
    await plugin.update_device_up({ device: p.id, agent_id: 'lb-1', host: 'hv-1' })
    assert.equal((await show(p.id)).revision_number, up.revision_number)
    assert.deepEqual(await plugin.update_device_down({ device: p.id, agent_id: 'lb-1', host: 'hv-1' }), { device: p.id, exists: true })
    assert.equal((await show(p.id)).status, 'DOWN')
    assert.deepEqual(await plugin.update_device_down({ device: 'gone', agent_id: 'lb-1', host: 'hv-1' }), { device: 'gone', exists: false })
    await plugin.update_device_up({ device: 'gone', agent_id: 'lb-1', host: 'hv-1' })
  })

  test('an administratively down port is reported DOWN, not BUILD', async () => {
    const p = await port({ 'binding:host_id': 'hv-1', admin_state_up: false })
    const d = await plugin.get_device_details({ device: p.id, agent_id: 'lb-1', host: 'hv-1' })
    assert.ok(d.bound && d.admin_state_up === false)
    assert.equal((await show(p.id)).status, 'DOWN')
  })

  test('a port whose binding failed is bound again when the host\'s agent asks for it', async () => {
    const p = await port({ 'binding:host_id': 'hv-late' })
    assert.equal(p['binding:vif_type'], 'binding_failed')
    await agent('Linux bridge agent', 'hv-late', { tunnel_types: ['vxlan'] })
    const d = await plugin.get_device_details({ device: p.id, agent_id: 'lb-late', host: 'hv-late' })
    assert.ok(d.bound)
    const after = await show(p.id)
    assert.equal(after['binding:vif_type'], 'bridge')
    assert.equal(after['binding:vif_details'].bridge_name, `brq${net.id.slice(0, 11)}`)
  })

  test('security group info: the device, its groups\' rules, remote group members and DHCP provider rules', async () => {
    const a = await port({}, demo)
    const b = await port({}, demo)
    assert.equal((await admin.put(`/v2.0/ports/${a.id}`, { port: { 'binding:host_id': 'hv-1' } })).status, 200)
    const info = await plugin.security_group_info_for_devices({ devices: [a.id, 'no-such-port'] })
    assert.deepEqual(Object.keys(info.devices), [a.id])
    const dev = info.devices[a.id]
    assert.deepEqual([dev.mac_address, dev.fixed_ips, dev.security_groups, dev.port_security_enabled], [a.mac_address, [a.fixed_ips[0].ip_address], a.security_groups, true])
    const sg = a.security_groups[0]
    const rules = info.security_groups[sg]
    assert.ok(rules.some((r) => r.direction === 'ingress' && r.remote_group_id === sg && r.ethertype === 'IPv4'))
    assert.ok(rules.some((r) => r.direction === 'egress' && r.ethertype === 'IPv4' && !r.remote_group_id))
    const members = info.sg_member_ips[sg].IPv4!.map(([ip]) => ip).sort()
    assert.ok(members.includes(a.fixed_ips[0].ip_address) && members.includes(b.fixed_ips[0].ip_address))
    assert.ok(dev.security_group_rules.some((r) => r.protocol === 'udp' && r.port_range_min === 68))
  })
})

describe('DHCP agents', () => {
  test('no enabled DHCP agent on the host: no networks', async () => {
    assert.deepEqual(await plugin.get_active_networks_info({ host: 'dhcp-none' }), [])
    await agent('DHCP agent', 'dhcp-off')
    const id = (await admin.get('/v2.0/agents?host=dhcp-off')).body.agents[0].id
    await admin.put(`/v2.0/agents/${id}`, { agent: { admin_state_up: false } })
    assert.deepEqual(await plugin.get_active_networks_info({ host: 'dhcp-off' }), [])
  })

  test('an enabled DHCP agent serves every up network with a DHCP-enabled subnet: subnets, segments and ports', async () => {
    await agent('DHCP agent', 'net-1')
    const bare = (await demo.post('/v2.0/networks', { network: { name: 'no-subnets' } })).body.network
    const p = await port({}, demo)
    const nets = await plugin.get_active_networks_info({ host: 'net-1' })
    assert.ok(!nets.some((n) => n.id === bare.id))
    const mine = nets.find((n) => n.id === net.id)!
    assert.deepEqual([mine.project_id, mine.mtu, mine.admin_state_up, mine.segments[0].network_type], [net.project_id, 1450, true, 'vxlan'])
    assert.deepEqual(mine.subnets.map((s) => [s.id, s.cidr, s.gateway_ip, s.enable_dhcp]), [[subnet.id, '10.20.0.0/24', '10.20.0.1', true]])
    assert.deepEqual(mine.subnets[0].allocation_pools, [{ start: '10.20.0.2', end: '10.20.0.254' }])
    const seen = mine.ports.find((x) => x.id === p.id)!
    assert.deepEqual([seen.mac_address, seen.fixed_ips], [p.mac_address, p.fixed_ips])
    assert.deepEqual(await plugin.get_network_info({ network_id: net.id, host: 'net-1' }), mine)
    assert.equal(await plugin.get_network_info({ network_id: 'no-such-network', host: 'net-1' }), null)
  })

  test('get_dhcp_port creates the host\'s DHCP port once, bound to the host; release_dhcp_port deletes it', async () => {
    await agent('DHCP agent', 'net-2')
    const first = await plugin.get_dhcp_port({ network_id: net.id, host: 'net-2' })
    assert.equal(first.device_owner, 'network:dhcp')
    assert.match(first.device_id, new RegExp(`^dhcp[0-9a-f-]{36}-${net.id}$`))
    assert.equal(first.fixed_ips[0].subnet_id, subnet.id)
    const again = await plugin.get_dhcp_port({ network_id: net.id, host: 'net-2' })
    assert.equal(again.id, first.id)
    const shown = await show(first.id)
    assert.equal(shown['binding:host_id'], 'net-2')
    assert.equal(shown.device_owner, 'network:dhcp')
    const other = await plugin.get_dhcp_port({ network_id: net.id, host: 'net-3' })
    assert.notEqual(other.id, first.id)
    await plugin.release_dhcp_port({ network_id: net.id, host: 'net-2' })
    assert.equal((await admin.get(`/v2.0/ports/${first.id}`)).status, 404)
    await plugin.release_dhcp_port({ network_id: net.id, host: 'net-2' })
    const bare = (await demo.post('/v2.0/networks', { network: { name: 'no-dhcp' } })).body.network
    await assert.rejects(plugin.get_dhcp_port({ network_id: bare.id, host: 'net-2' }), (e: any) => e.status === 400)
    await assert.rejects(plugin.get_dhcp_port({ network_id: 'no-such-network', host: 'net-2' }), (e: any) => e.status === 404)
  })
})

describe('L3 agents', () => {
  let router: any
  let fip: any

  before(async () => {
    const ext = (await admin.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } })).body.network
    await admin.post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '203.0.113.0/24', ip_version: 4 } })
    router = (await demo.post('/v2.0/routers', { router: { name: 'r1', external_gateway_info: { network_id: ext.id } } })).body.router
    const added = await demo.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    const target = await port({}, demo)
    const created = await demo.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: target.id } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    fip = created.body.floatingip
  })

  test('a disabled or missing L3 agent hosts nothing', async () => {
    assert.deepEqual(await plugin.sync_routers({ host: 'l3-none' }), [])
  })

  test('the first L3 agent to sync hosts the router: interfaces, gateway, SNAT and floating IPs; its ports are bound to the host', async () => {
    await agent('L3 agent', 'l3-1')
    await agent('Linux bridge agent', 'l3-1', { tunnel_types: ['vxlan'], interface_mappings: { physnet1: 'eth1' } })
    const routers = await plugin.sync_routers({ host: 'l3-1' })
    const r = routers.find((x) => x.id === router.id)!
    assert.ok(r)
    assert.deepEqual([r.enable_snat, r.admin_state_up, r.routes], [true, true, []])
    assert.equal(r.interfaces.length, 1)
    assert.deepEqual(r.interfaces[0].fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.20.0.1', prefixlen: 24 }])
    assert.deepEqual(r.interfaces[0].subnets.map((s) => s.cidr), ['10.20.0.0/24'])
    assert.ok(r.gw_port)
    assert.equal(r.gw_port.fixed_ips[0].prefixlen, 24)
    assert.deepEqual(r.floating_ips.map((f) => [f.id, f.floating_ip_address, f.fixed_ip_address]), [[fip.id, fip.floating_ip_address, fip.fixed_ip_address]])
    const ifacePort = await show(r.interfaces[0].id)
    assert.equal(ifacePort['binding:host_id'], 'l3-1')
    assert.equal(ifacePort['binding:vif_type'], 'bridge')
    assert.deepEqual((await plugin.sync_routers({ host: 'l3-1', router_ids: ['no-such-router'] })), [])
    assert.deepEqual((await plugin.sync_routers({ host: 'l3-1', router_ids: [router.id] })).map((x) => x.id), [router.id])
  })

  test('another L3 agent does not get a hosted router until the hosting agent is deleted', async () => {
    await agent('L3 agent', 'l3-2')
    assert.ok(!(await plugin.sync_routers({ host: 'l3-2' })).some((x) => x.id === router.id))
    const first = (await admin.get('/v2.0/agents?host=l3-1&agent_type=L3%20agent')).body.agents[0]
    assert.equal((await admin.delete(`/v2.0/agents/${first.id}`)).status, 204)
    assert.ok((await plugin.sync_routers({ host: 'l3-2' })).some((x) => x.id === router.id))
    assert.equal((await show((await plugin.sync_routers({ host: 'l3-2' }))[0].interfaces[0].id))['binding:host_id'], 'l3-2')
  })

  test('floating IP statuses from the agent show in the API; bad statuses are refused', async () => {
    await plugin.update_floatingip_statuses({ router_id: router.id, statuses: { [fip.id]: 'ERROR' } })
    const shown = (await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip
    assert.equal(shown.status, 'ERROR')
    assert.equal(shown.revision_number, fip.revision_number + 1)
    await plugin.update_floatingip_statuses({ router_id: 'another-router', statuses: { [fip.id]: 'DOWN' } })
    assert.equal((await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.status, 'ERROR')
    await assert.rejects(plugin.update_floatingip_statuses({ router_id: router.id, statuses: { [fip.id]: 'BROKEN' as any } }), (e: any) => e.status === 400)
    await plugin.update_floatingip_statuses({ router_id: router.id, statuses: { [fip.id]: 'ACTIVE' } })
    assert.equal((await demo.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.status, 'ACTIVE')
  })
})
