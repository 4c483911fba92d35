/**
 * Agents as Neutron's `agent` extension shows them: host agents register and heartbeat through
 * report_state on the message bus (this test plays the agents), admins list, show, disable,
 * describe and delete them, `alive` follows the heartbeats, and non-admins see nothing.
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

/** Seconds without a heartbeat before an agent is down, short so the test can watch one die. */
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

const linuxbridge = (host: string, extra: Partial<AgentState> = {}): AgentState => ({
  agent_type: 'Linux bridge agent', binary: 'nubis-linuxbridge-agent', host, topic: 'network.agent.l2',
  configurations: { interface_mappings: { physnet1: 'eth1' }, tunnel_types: ['vxlan'], tunneling_ip: '192.0.2.10' }, ...extra,
})
const report = (state: AgentState, time = new Date().toISOString()) => plugin.report_state({ agent_state: state, time })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function error(res: { status: number; body: any }, status: number, type: string, message?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.NeutronError.type, type)
  if (message !== undefined) assert.equal(res.body.NeutronError.message, message)
}

async function agentOn(host: string, type = 'Linux bridge agent') {
  const res = await admin.get(`/v2.0/agents?host=${host}&agent_type=${encodeURIComponent(type)}`)
  assert.equal(res.status, 200)
  assert.equal(res.body.agents.length, 1)
  return res.body.agents[0]
}

describe('registration and heartbeats', () => {
  test('the first report registers the agent with Neutron\'s fields; later reports refresh it', async () => {
    const first = await report(linuxbridge('compute-1'), new Date().toISOString())
    assert.equal(first.status, 'new')
    assert.equal(first.admin_state_up, true)
    const a = await agentOn('compute-1')
    assert.equal(a.id, first.agent_id)
    assert.deepEqual(Object.keys(a).sort(), [
      'admin_state_up', 'agent_type', 'alive', 'availability_zone', 'binary', 'configurations', 'created_at', 'description',
      'heartbeat_timestamp', 'host', 'id', 'resource_versions', 'started_at', 'topic',
    ])
    assert.deepEqual([a.agent_type, a.binary, a.topic, a.alive, a.admin_state_up, a.description, a.availability_zone],
      ['Linux bridge agent', 'nubis-linuxbridge-agent', 'network.agent.l2', true, true, '', null])
    assert.deepEqual(a.configurations.interface_mappings, { physnet1: 'eth1' })
    assert.match(a.heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    assert.equal(a.created_at, a.started_at)

    const again = await report(linuxbridge('compute-1', { configurations: { interface_mappings: { physnet1: 'eth2' } } }))
    assert.deepEqual(again, { status: 'alive', agent_id: a.id, admin_state_up: true })
    assert.deepEqual((await agentOn('compute-1')).configurations, { interface_mappings: { physnet1: 'eth2' } })
  })

  test('an agent is not alive once agentDownTimeSec passes without a heartbeat, and revives with the next one', async () => {
    await report(linuxbridge('compute-2'))
    assert.equal((await agentOn('compute-2')).alive, true)
    await sleep(DOWN_TIME_SEC * 1000 + 300)
    assert.equal((await agentOn('compute-2')).alive, false)
    assert.ok((await admin.get('/v2.0/agents?alive=false')).body.agents.some((x: any) => x.host === 'compute-2'))
    const revived = await report(linuxbridge('compute-2', { start_flag: true }))
    assert.equal(revived.status, 'revived')
    const a = await agentOn('compute-2')
    assert.equal(a.alive, true)
    assert.notEqual(a.started_at, a.created_at)
  })

  test('one agent per type and host: a DHCP agent on the same host is another agent, with its availability zone', async () => {
    await report(linuxbridge('net-1'))
    const dhcp = await report({ agent_type: 'DHCP agent', binary: 'nubis-dhcp-agent', host: 'net-1', topic: 'network.agent.dhcp', availability_zone: 'az-east', configurations: { networks: 0 } })
    assert.equal(dhcp.status, 'new')
    const agents = (await admin.get('/v2.0/agents?host=net-1')).body.agents
    assert.deepEqual(agents.map((x: any) => x.agent_type).sort(), ['DHCP agent', 'Linux bridge agent'])
    assert.equal((await agentOn('net-1', 'DHCP agent')).availability_zone, 'az-east')
    const zones = (await admin.get('/v2.0/availability_zones')).body.availability_zones
    assert.ok(zones.some((z: any) => z.name === 'az-east' && z.resource === 'network' && z.state === 'available'))
  })

  test('concurrent first reports from one agent register it once', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => report(linuxbridge('compute-race'))))
    assert.equal(new Set(results.map((r) => r.agent_id)).size, 1)
    assert.equal(results.filter((r) => r.status === 'new').length, 1)
    await agentOn('compute-race')
  })

  test('a malformed report is refused and registers nothing; a report older than the server start is ignored', async () => {
    await assert.rejects(plugin.report_state({ agent_state: { ...linuxbridge('bad-1'), host: '' }, time: new Date().toISOString() }), (e: any) => e.status === 400)
    await assert.rejects(plugin.report_state({ agent_state: { ...linuxbridge('bad-1'), configurations: 'x' as any }, time: new Date().toISOString() }), (e: any) => e.status === 400)
    await assert.rejects(plugin.report_state({ agent_state: linuxbridge('bad-1'), time: 'yesterday' }), (e: any) => e.status === 400)
    const stale = await report(linuxbridge('bad-1'), '2001-01-01T00:00:00Z')
    assert.equal(stale.status, 'stale')
    assert.deepEqual((await admin.get('/v2.0/agents?host=bad-1')).body.agents, [])
  })
})

describe('the agents API', () => {
  test('admins update admin_state_up and description; the heartbeat keeps both', async () => {
    await report(linuxbridge('compute-3'))
    const a = await agentOn('compute-3')
    const res = await admin.put(`/v2.0/agents/${a.id}`, { agent: { admin_state_up: false, description: 'draining' } })
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.agent.admin_state_up, res.body.agent.description], [false, 'draining'])
    const beat = await report(linuxbridge('compute-3'))
    assert.equal(beat.admin_state_up, false)
    const shown = (await admin.get(`/v2.0/agents/${a.id}`)).body.agent
    assert.deepEqual([shown.admin_state_up, shown.description], [false, 'draining'])
    assert.equal((await admin.put(`/v2.0/agents/${a.id}`, { agent: { admin_state_up: 'true', description: null } })).body.agent.admin_state_up, true)
    assert.equal((await admin.get(`/v2.0/agents/${a.id}`)).body.agent.description, '')
  })

  test('bad updates get Neutron\'s errors and change nothing', async () => {
    await report(linuxbridge('compute-4'))
    const a = await agentOn('compute-4')
    error(await admin.put(`/v2.0/agents/${a.id}`, { agent: { host: 'elsewhere' } }), 400, 'HTTPBadRequest', 'Cannot update read-only attribute host')
    error(await admin.put(`/v2.0/agents/${a.id}`, { agent: { colour: 'red' } }), 400, 'HTTPBadRequest', "Unrecognized attribute(s) 'colour'")
    error(await admin.put(`/v2.0/agents/${a.id}`, { agent: { admin_state_up: 'maybe' } }), 400, 'InvalidInput', "Invalid input for operation: 'maybe' cannot be converted to boolean.")
    error(await admin.put(`/v2.0/agents/${a.id}`, { agent: { description: 'x'.repeat(256) } }), 400, 'HTTPBadRequest')
    error(await admin.put(`/v2.0/agents/${a.id}`, {}), 400, 'HTTPBadRequest', 'Resource body required')
    error(await admin.put(`/v2.0/agents/${a.id}`, { port: {} }), 400, 'HTTPBadRequest', "Unable to find 'agent' in request body")
    const after = await agentOn('compute-4')
    assert.deepEqual([after.host, after.admin_state_up, after.description], ['compute-4', true, ''])
  })

  test('unknown agents are 404 AgentNotFound; agents cannot be created through the API', async () => {
    const id = '2f0f6a4e-9d7c-4c61-9a60-3b1b3e1c0d99'
    error(await admin.get(`/v2.0/agents/${id}`), 404, 'AgentNotFound', `Agent ${id} could not be found.`)
    error(await admin.put(`/v2.0/agents/${id}`, { agent: { description: 'x' } }), 404, 'AgentNotFound')
    error(await admin.delete(`/v2.0/agents/${id}`), 404, 'AgentNotFound')
    error(await admin.post('/v2.0/agents', { agent: { host: 'x' } }), 400, 'BadRequest')
  })

  test('non-admins see an empty list and 404s, and may not create', async () => {
    await report(linuxbridge('compute-5'))
    const a = await agentOn('compute-5')
    const list = await demo.get('/v2.0/agents')
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.agents, [])
    error(await demo.get(`/v2.0/agents/${a.id}`), 404, 'AgentNotFound')
    error(await demo.put(`/v2.0/agents/${a.id}`, { agent: { admin_state_up: false } }), 404, 'AgentNotFound')
    error(await demo.delete(`/v2.0/agents/${a.id}`), 404, 'AgentNotFound')
    error(await demo.post('/v2.0/agents', { agent: {} }), 403, 'HTTPForbidden')
    assert.equal((await agentOn('compute-5')).admin_state_up, true)
  })

  test('filters, fields, sorting and paging; an unknown filter is a 400', async () => {
    await report(linuxbridge('compute-6'))
    const only = (await admin.get('/v2.0/agents?host=compute-6&fields=host&fields=alive')).body.agents
    assert.deepEqual(only, [{ host: 'compute-6', alive: true }])
    const dhcp = (await admin.get(`/v2.0/agents?agent_type=${encodeURIComponent('DHCP agent')}`)).body.agents
    assert.ok(dhcp.length >= 1 && dhcp.every((x: any) => x.agent_type === 'DHCP agent'))
    const sorted = (await admin.get('/v2.0/agents?sort_key=host&sort_dir=desc')).body.agents.map((x: any) => x.host)
    assert.deepEqual(sorted, sorted.toSorted().toReversed())
    const page = await admin.get('/v2.0/agents?limit=2')
    assert.equal(page.body.agents.length, 2)
    assert.ok(page.body.agents_links.some((l: any) => l.rel === 'next'))
    error(await admin.get('/v2.0/agents?colour=red'), 400, 'HTTPBadRequest')
  })

  test('a deleted agent is gone until it reports again, then it is a new agent', async () => {
    await report(linuxbridge('compute-7'))
    const a = await agentOn('compute-7')
    assert.equal((await admin.delete(`/v2.0/agents/${a.id}`)).status, 204)
    error(await admin.get(`/v2.0/agents/${a.id}`), 404, 'AgentNotFound')
    const back = await report(linuxbridge('compute-7'))
    assert.equal(back.status, 'new')
    assert.notEqual(back.agent_id, a.id)
  })

  test('the agent extension is listed', async () => {
    const ext = await admin.get('/v2.0/extensions/agent')
    assert.equal(ext.status, 200)
    assert.deepEqual(ext.body.extension.name, 'agent')
  })
})
