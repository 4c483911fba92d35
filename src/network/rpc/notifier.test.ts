import assert from 'node:assert/strict'
import { test } from 'node:test'
import { silentLogger } from '../../common/log/logger.ts'
import { createInProcessTransport } from '../../common/rpc/in-process.ts'
import { serveDhcpNotifications, serveL2Notifications, serveL3Notifications } from './agent-client.ts'
import { createAgentNotifier } from './notifier.ts'

/** Records every notification an agent of each kind receives. */
function recorder(seen: string[], kind: string) {
  return new Proxy({}, { get: (_t, method) => async (args: unknown) => void seen.push(`${kind}.${String(method)} ${JSON.stringify(args)}`) }) as any
}

test('each notification reaches every agent of the kinds that care, with its arguments', async () => {
  const t = createInProcessTransport()
  const seen: string[] = []
  await serveL2Notifications(t, recorder(seen, 'l2a'))
  await serveL2Notifications(t, recorder(seen, 'l2b'))
  await serveDhcpNotifications(t, recorder(seen, 'dhcp'))
  await serveL3Notifications(t, recorder(seen, 'l3'))
  const n = createAgentNotifier(t, silentLogger)
  n.portUpdated({ id: 'p1', network_id: 'n1', binding_host_id: 'h1' })
  n.portDeleted({ id: 'p2', network_id: 'n1' })
  n.networkUpdated('n2')
  n.networkDeleted('n3')
  n.securityGroupRulesUpdated(['sg1', 'sg1', 'sg2'])
  n.securityGroupMembersUpdated([])
  n.routersUpdated(['r1'])
  n.routerDeleted('r2')
  await new Promise((r) => setTimeout(r, 10))
  assert.deepEqual(seen.sort(), [
    'dhcp.network_delete {"network_id":"n3"}',
    'dhcp.network_update {"network_id":"n2"}',
    'dhcp.port_delete {"port_id":"p2","network_id":"n1"}',
    'dhcp.port_update {"port_id":"p1","network_id":"n1","host":"h1"}',
    ...['l2a', 'l2b'].flatMap((k) => [
      `${k}.network_delete {"network_id":"n3"}`,
      `${k}.network_update {"network_id":"n2"}`,
      `${k}.port_delete {"port_id":"p2","network_id":"n1"}`,
      `${k}.port_update {"port_id":"p1","network_id":"n1","host":"h1"}`,
      `${k}.security_groups_rule_updated {"security_groups":["sg1","sg2"]}`,
    ]),
    'l3.router_deleted {"router_id":"r2"}',
    'l3.routers_updated {"routers":["r1"]}',
  ].sort())
})

test('with no agents listening, notifying is a no-op and never throws', () => {
  const n = createAgentNotifier(createInProcessTransport(), silentLogger)
  n.portUpdated({ id: 'p', network_id: 'n' })
  n.routersUpdated(['r'])
})
