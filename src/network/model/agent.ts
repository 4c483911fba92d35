/**
 * @module Network agents as every layer sees them (API, binder, RPC, the agents themselves):
 * Neutron's agent type names and the liveness rule.
 */

/** Neutron's agent_type values (neutron_lib.constants.AGENT_TYPE_*) for the agents Nubis has. */
export const AgentType = {
  linuxbridge: 'Linux bridge agent',
  openvswitch: 'Open vSwitch agent',
  dhcp: 'DHCP agent',
  l3: 'L3 agent',
  metadata: 'Metadata agent',
} as const

/** What an L2 agent reports under `configurations` (the keys mechanism drivers read). */
export type L2AgentConfigurations = {
  /** physical network → host interface (linuxbridge). */
  interface_mappings?: Record<string, string>
  /** physical network → existing bridge. */
  bridge_mappings?: Record<string, string>
  /** Overlay types the agent can carry, e.g. ['vxlan']. */
  tunnel_types?: string[]
  /** Local VTEP address for tunnels. */
  tunneling_ip?: string
  [key: string]: unknown
}

/** An agent is alive while its last heartbeat is younger than `downTimeSec` (Neutron's agent_down_time). */
export function isAgentAlive(heartbeatIso: string, downTimeSec: number, nowMs = Date.now()): boolean {
  const t = Date.parse(heartbeatIso)
  return Number.isFinite(t) && nowMs - t <= downTimeSec * 1000
}
