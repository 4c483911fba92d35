/**
 * @module The linuxbridge mechanism driver: binds ports on hosts whose Linux bridge agent reaches
 * the segment (a mapping for the physical network of flat/vlan, the tunnel type for vxlan, any
 * for local). vif_type `bridge`, as Neutron's LinuxbridgeMechanismDriver.
 */
import { bindWithAgents, stringList, stringMap, type AgentDriverSpec, type HostAgent, type MechanismDriver, type PortContext, type SegmentBinding, type SegmentToBind } from '../driver.ts'

/** The bridge the Linux bridge agent makes for a network without a mapped bridge (`brq` + 11 characters of its id). */
export const networkBridgeName = (networkId: string): string => `brq${networkId.slice(0, 11)}`

const mappings = (agent: HostAgent) => ({ ...stringMap(agent.configurations.interface_mappings), ...stringMap(agent.configurations.bridge_mappings) })

/** Flat and vlan segments on a physnet the agent maps to an existing bridge use that bridge; all others get the network's brq bridge. */
function bridgeName(agent: HostAgent, segment: SegmentToBind, networkId: string): string {
  const bridges = stringMap(agent.configurations.bridge_mappings)
  const mapped = segment.physical_network !== null && (segment.network_type === 'flat' || segment.network_type === 'vlan')
    ? bridges[segment.physical_network] : undefined
  return mapped ?? networkBridgeName(networkId)
}

const spec: AgentDriverSpec = {
  agentType: 'Linux bridge agent',
  vnicTypes: ['normal'],
  allowedNetworkTypes: (agent) => [...stringList(agent.configurations.tunnel_types), 'local', 'flat', 'vlan'],
  mappings,
  vifType: () => 'bridge',
  vifDetails: (agent, segment, ctx) => ({ connectivity: 'l2', port_filter: true, bridge_name: bridgeName(agent, segment, ctx.networkId) }),
}

export class LinuxbridgeDriver implements MechanismDriver {
  readonly name = 'linuxbridge'
  bindPort(ctx: PortContext): SegmentBinding | undefined {
    return bindWithAgents(spec, ctx)
  }
}
