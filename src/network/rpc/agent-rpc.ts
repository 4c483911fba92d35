/**
 * @module Everything network host agents and the network server say to each other (Neutron's
 * plugin RPC, agent notifiers and report_state). Agents call the server on `pluginTopic`; the
 * server fans notifications out to every agent of a kind. Shapes are in agent-messages.ts.
 */
import type {
  AgentState, DeviceDetails, DeviceDown, DeviceRequest, DhcpNetwork, DhcpPort, FloatingIpStatus, ReportedStatus, SecurityGroupInfo, SyncRouter,
} from './agent-messages.ts'

export const pluginTopic = 'network.plugin'
export const l2AgentTopic = 'network.agent.l2'
export const dhcpAgentTopic = 'network.agent.dhcp'
export const l3AgentTopic = 'network.agent.l3'

/** Agent → server calls. `host` is always the caller's host; devices are port ids or tap names (`tap` + 11 characters of the id). */
export type NetworkPluginRpc = {
  /** Heartbeat: registers the agent on first report, refreshes configurations and liveness after. */
  report_state(args: { agent_state: AgentState; time: string }): Promise<ReportedStatus>
  // L2 agents
  get_device_details(args: DeviceRequest): Promise<DeviceDetails>
  get_devices_details_list(args: { devices: string[]; agent_id: string; host: string }): Promise<DeviceDetails[]>
  /** The port is wired on `host`: status ACTIVE. Ignored for ports bound elsewhere. */
  update_device_up(args: DeviceRequest): Promise<void>
  update_device_down(args: DeviceRequest): Promise<DeviceDown>
  security_group_info_for_devices(args: { devices: string[] }): Promise<SecurityGroupInfo>
  // DHCP agents
  get_active_networks_info(args: { host: string }): Promise<DhcpNetwork[]>
  get_network_info(args: { network_id: string; host: string }): Promise<DhcpNetwork | null>
  /** The agent's DHCP port on a network, created on first call (device_owner network:dhcp). */
  get_dhcp_port(args: { network_id: string; host: string }): Promise<DhcpPort>
  release_dhcp_port(args: { network_id: string; host: string }): Promise<void>
  // L3 agents
  /** Routers hosted by the caller's L3 agent (all, or those of `router_ids`); unhosted routers are given to it. */
  sync_routers(args: { host: string; router_ids?: string[] }): Promise<SyncRouter[]>
  update_floatingip_statuses(args: { router_id: string; statuses: Record<string, FloatingIpStatus> }): Promise<void>
}

/** Server → every L2 agent (each checks whether the port is on its host). */
export type L2AgentNotifications = {
  port_update(args: { port_id: string; network_id: string; host: string }): Promise<void>
  port_delete(args: { port_id: string; network_id: string }): Promise<void>
  network_update(args: { network_id: string }): Promise<void>
  network_delete(args: { network_id: string }): Promise<void>
  security_groups_rule_updated(args: { security_groups: string[] }): Promise<void>
  security_groups_member_updated(args: { security_groups: string[] }): Promise<void>
}

/** Server → every DHCP agent: re-read the network with get_network_info (or drop it). */
export type DhcpAgentNotifications = {
  network_update(args: { network_id: string }): Promise<void>
  network_delete(args: { network_id: string }): Promise<void>
  port_update(args: { port_id: string; network_id: string; host: string }): Promise<void>
  port_delete(args: { port_id: string; network_id: string }): Promise<void>
}

/** Server → every L3 agent: re-sync these routers (an agent not hosting one ignores it). */
export type L3AgentNotifications = {
  routers_updated(args: { routers: string[] }): Promise<void>
  router_deleted(args: { router_id: string }): Promise<void>
}
