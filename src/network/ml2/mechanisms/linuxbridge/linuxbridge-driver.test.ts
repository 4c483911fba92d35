import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeMechanismDriver } from '../driver.contract.ts'
import { LinuxbridgeDriver } from './linuxbridge-driver.ts'

describeMechanismDriver(() => new LinuxbridgeDriver(), {
  agentType: 'Linux bridge agent',
  configurations: (physnet) => ({ interface_mappings: { [physnet]: 'eth1' }, tunnel_types: ['vxlan'] }),
  vifType: 'bridge',
})

const ctx = (network_type: string, configurations: Record<string, unknown>) => ({
  portId: 'p', networkId: '3d0c9a4e-1111-4000-8000-000000000002', vnicType: 'normal', profile: {}, host: 'h',
  segments: [{ id: 's', network_type, physical_network: network_type === 'vxlan' ? null : 'physnet1', segmentation_id: null }],
  agents: [{ id: 'a', agentType: 'Linux bridge agent', host: 'h', alive: true, adminStateUp: true, configurations }],
})

test('vif_details as Neutron (connectivity l2, port_filter) plus the bridge: brq + 11 characters of the network id', () => {
  const b = new LinuxbridgeDriver().bindPort(ctx('vxlan', { tunnel_types: ['vxlan'] }))
  assert.deepEqual(b, { segmentId: 's', vifType: 'bridge', vifDetails: { connectivity: 'l2', port_filter: true, bridge_name: 'brq3d0c9a4e-11' } })
})

test('a flat physnet mapped to an existing bridge is bound into that bridge; interface mappings keep the brq bridge', () => {
  const d = new LinuxbridgeDriver()
  assert.equal(d.bindPort(ctx('flat', { bridge_mappings: { physnet1: 'br-ex' } }))?.vifDetails.bridge_name, 'br-ex')
  assert.equal(d.bindPort(ctx('flat', { interface_mappings: { physnet1: 'eth1' } }))?.vifDetails.bridge_name, 'brq3d0c9a4e-11')
})
