import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeMechanismDriver } from '../driver.contract.ts'
import { OpenvswitchDriver } from './openvswitch-driver.ts'

describeMechanismDriver(() => new OpenvswitchDriver(), {
  agentType: 'Open vSwitch agent',
  configurations: (physnet) => ({ bridge_mappings: { [physnet]: 'br-ex' }, tunnel_types: ['vxlan'], integration_bridge: 'br-int' }),
  vifType: 'ovs',
})

test('plugs into the integration bridge; interface mappings mean nothing to OVS', () => {
  const ctx = (configurations: Record<string, unknown>) => ({
    portId: 'p', networkId: 'n', vnicType: 'normal', profile: {}, host: 'h',
    segments: [{ id: 's', network_type: 'flat', physical_network: 'physnet1', segmentation_id: null }],
    agents: [{ id: 'a', agentType: 'Open vSwitch agent', host: 'h', alive: true, adminStateUp: true, configurations }],
  })
  const d = new OpenvswitchDriver()
  assert.deepEqual(d.bindPort(ctx({ bridge_mappings: { physnet1: 'br-ex' } }))?.vifDetails,
    { connectivity: 'l2', port_filter: true, ovs_hybrid_plug: false, datapath_type: 'system', bridge_name: 'br-int' })
  assert.equal(d.bindPort(ctx({ interface_mappings: { physnet1: 'eth1' } })), undefined)
})
