/**
 * @module The openvswitch mechanism driver: binds ports on hosts whose Open vSwitch agent reaches
 * the segment (bridge_mappings for flat/vlan, tunnel_types for vxlan). vif_type `ovs`, plugged
 * into the agent's integration bridge, as Neutron's OpenvswitchMechanismDriver (no DPDK or
 * hardware offload).
 */
import { bindWithAgents, stringList, stringMap, type AgentDriverSpec, type MechanismDriver, type PortContext, type SegmentBinding } from '../driver.ts'

const spec: AgentDriverSpec = {
  agentType: 'Open vSwitch agent',
  vnicTypes: ['normal'],
  allowedNetworkTypes: (agent) => [...stringList(agent.configurations.tunnel_types), 'local', 'flat', 'vlan'],
  mappings: (agent) => stringMap(agent.configurations.bridge_mappings),
  vifType: () => 'ovs',
  vifDetails: (agent) => {
    const c = agent.configurations
    const bridge = typeof c.integration_bridge === 'string' ? c.integration_bridge : 'br-int'
    return {
      connectivity: 'l2', port_filter: true, ovs_hybrid_plug: c.ovs_hybrid_plug === true,
      datapath_type: typeof c.datapath_type === 'string' ? c.datapath_type : 'system', bridge_name: bridge,
    }
  },
}

export class OpenvswitchDriver implements MechanismDriver {
  readonly name = 'openvswitch'
  bindPort(ctx: PortContext): SegmentBinding | undefined {
    return bindWithAgents(spec, ctx)
  }
}
