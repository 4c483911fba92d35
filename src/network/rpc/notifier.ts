/**
 * @module Server → agent notifications (Neutron's agent notifier APIs): API handlers call these
 * after their transaction commits; each becomes a fanout to the agents that care. Fire and forget:
 * a failure to send is logged, never thrown, because agents also resync on their own.
 */
import type { Logger } from '../../common/log/logger.ts'
import type { Transport } from '../../common/rpc/transport.ts'
import {
  dhcpAgentTopic, l2AgentTopic, l3AgentTopic, type DhcpAgentNotifications, type L2AgentNotifications, type L3AgentNotifications,
} from './agent-rpc.ts'

export type AgentNotifier = {
  /** A port changed (addresses, admin state, security groups, binding): L2 and DHCP agents. */
  portUpdated(port: { id: string; network_id: string; binding_host_id?: string }): void
  portDeleted(port: { id: string; network_id: string }): void
  /** A network or one of its subnets changed: L2 and DHCP agents. */
  networkUpdated(networkId: string): void
  networkDeleted(networkId: string): void
  /** Rules of these groups were added or removed. */
  securityGroupRulesUpdated(groupIds: string[]): void
  /** Ports joined or left these groups, or member addresses changed. */
  securityGroupMembersUpdated(groupIds: string[]): void
  /** Routers changed (interfaces, gateway, routes, floating IPs): L3 agents. */
  routersUpdated(routerIds: string[]): void
  routerDeleted(routerId: string): void
}

type Methods<T> = { [K in keyof T]: T[K] extends (args: infer A) => Promise<void> ? A : never }

export function createAgentNotifier(transport: Transport, log: Logger): AgentNotifier {
  const send = <T>(topic: string) => <K extends keyof T & string>(method: K, args: Methods<T>[K]): void => {
    transport.fanout(topic, method, args).catch((err: unknown) => log.warn('agent notification not sent', { topic, method, error: String(err) }))
  }
  const l2 = send<L2AgentNotifications>(l2AgentTopic)
  const dhcp = send<DhcpAgentNotifications>(dhcpAgentTopic)
  const l3 = send<L3AgentNotifications>(l3AgentTopic)
  return {
    portUpdated(port) {
      const args = { port_id: port.id, network_id: port.network_id, host: port.binding_host_id ?? '' }
      l2('port_update', args)
      dhcp('port_update', args)
    },
    portDeleted(port) {
      const args = { port_id: port.id, network_id: port.network_id }
      l2('port_delete', args)
      dhcp('port_delete', args)
    },
    networkUpdated(networkId) {
      l2('network_update', { network_id: networkId })
      dhcp('network_update', { network_id: networkId })
    },
    networkDeleted(networkId) {
      l2('network_delete', { network_id: networkId })
      dhcp('network_delete', { network_id: networkId })
    },
    securityGroupRulesUpdated(groupIds) {
      if (groupIds.length) l2('security_groups_rule_updated', { security_groups: [...new Set(groupIds)] })
    },
    securityGroupMembersUpdated(groupIds) {
      if (groupIds.length) l2('security_groups_member_updated', { security_groups: [...new Set(groupIds)] })
    },
    routersUpdated(routerIds) {
      if (routerIds.length) l3('routers_updated', { routers: [...new Set(routerIds)] })
    },
    routerDeleted(routerId) {
      l3('router_deleted', { router_id: routerId })
    },
  }
}
