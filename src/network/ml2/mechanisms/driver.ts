/**
 * @module The mechanism driver contract (ML2's MechanismDriver, agent-based flavour): given a port
 * being bound on a host, the network's segments and the agents on that host, a driver either
 * binds one segment (vif_type and vif_details for the hypervisor) or declines.
 */

/** A segment of the port's network, in the network's order. */
export type SegmentToBind = {
  id: string
  network_type: string
  physical_network: string | null
  segmentation_id: number | null
}

/** An agent registered on the binding host, as its last heartbeat reported it. */
export type HostAgent = {
  id: string
  agentType: string
  host: string
  alive: boolean
  adminStateUp: boolean
  configurations: Record<string, unknown>
}

/** Everything a driver may look at; drivers never read the database. */
export type PortContext = {
  portId: string
  networkId: string
  /** binding:vnic_type ('normal', 'direct', …). */
  vnicType: string
  /** binding:profile. */
  profile: Record<string, unknown>
  host: string
  segments: SegmentToBind[]
  agents: HostAgent[]
}

export type SegmentBinding = {
  segmentId: string
  vifType: string
  vifDetails: Record<string, unknown>
}

export interface MechanismDriver {
  /** The name in config.ml2.mechanismDrivers. */
  readonly name: string
  /**
   * Binds the port to the first segment one of its alive agents can reach, or returns undefined
   * (unknown vnic type, no agent of its type on the host, dead agents, no reachable segment).
   * Pure and synchronous: the same context always gives the same answer; never throws.
   */
  bindPort(ctx: PortContext): SegmentBinding | undefined
}

/**
 * What an agent-based driver declares (Neutron's SimpleAgentMechanismDriverBase): the agent type
 * it pairs with, the vnic types it binds, and how it reads that agent's configuration.
 */
export type AgentDriverSpec = {
  agentType: string
  vnicTypes: readonly string[]
  /** Network types the agent can carry (its tunnel types plus local, flat and vlan). */
  allowedNetworkTypes(agent: HostAgent): readonly string[]
  /** Physical network → bridge or interface on the host. */
  mappings(agent: HostAgent): Record<string, unknown>
  vifType(agent: HostAgent, segment: SegmentToBind): string
  vifDetails(agent: HostAgent, segment: SegmentToBind, ctx: PortContext): Record<string, unknown>
}

/** Neutron's check_segment_for_agent: the type is allowed and a flat/vlan segment's physnet is mapped. */
export function agentCanReach(spec: AgentDriverSpec, agent: HostAgent, segment: SegmentToBind): boolean {
  if (agent.agentType !== spec.agentType) return false
  if (!spec.allowedNetworkTypes(agent).includes(segment.network_type)) return false
  if (segment.network_type === 'flat' || segment.network_type === 'vlan') {
    return segment.physical_network !== null && Object.hasOwn(spec.mappings(agent), segment.physical_network)
  }
  return true
}

/** Neutron's AgentMechanismDriverBase.bind_port: the first alive agent of the type, the first segment it reaches. */
export function bindWithAgents(spec: AgentDriverSpec, ctx: PortContext): SegmentBinding | undefined {
  if (!spec.vnicTypes.includes(ctx.vnicType)) return undefined
  for (const agent of ctx.agents) {
    if (agent.agentType !== spec.agentType || !agent.alive) continue
    const segment = ctx.segments.find((s) => agentCanReach(spec, agent, s))
    if (segment) return { segmentId: segment.id, vifType: spec.vifType(agent, segment), vifDetails: spec.vifDetails(agent, segment, ctx) }
  }
  return undefined
}

/** A configuration value that should be a string → string map ({} when the agent sent something else). */
export function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {}
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

/** A configuration value that should be a list of strings. */
export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
