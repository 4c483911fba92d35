/**
 * The shared suite every mechanism driver passes (conventions §5.1). Each implementation's test
 * file is one call, with the agent type it pairs with and a configuration that maps physnet1 and
 * carries vxlan.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { HostAgent, MechanismDriver, PortContext, SegmentToBind } from './driver.ts'

export type DriverFixture = {
  agentType: string
  /** An agent configuration reaching physical network `physnet` (flat/vlan) and vxlan tunnels. */
  configurations(physnet: string): Record<string, unknown>
  vifType: string
}

const seg = (id: string, network_type: string, physical_network: string | null = null, segmentation_id: number | null = null): SegmentToBind =>
  ({ id, network_type, physical_network, segmentation_id })

export function describeMechanismDriver(newDriver: () => MechanismDriver, f: DriverFixture): void {
  const agent = (o: Partial<HostAgent> = {}): HostAgent => ({
    id: 'agent-1', agentType: f.agentType, host: 'host-1', alive: true, adminStateUp: true, configurations: f.configurations('physnet1'), ...o,
  })
  const ctx = (segments: SegmentToBind[], agents: HostAgent[] = [agent()], o: Partial<PortContext> = {}): PortContext => ({
    portId: '6f1c2b8e-0000-4000-8000-000000000001', networkId: '3d0c9a4e-1111-4000-8000-000000000002', vnicType: 'normal', profile: {},
    host: 'host-1', segments, agents, ...o,
  })

  describe(`mechanism driver contract: ${newDriver().name}`, () => {
    test('binds a flat segment on a mapped physical network, with its vif_type and L2 vif_details', () => {
      const b = newDriver().bindPort(ctx([seg('s1', 'flat', 'physnet1')]))
      assert.ok(b)
      assert.equal(b.segmentId, 's1')
      assert.equal(b.vifType, f.vifType)
      assert.equal(b.vifDetails.connectivity, 'l2')
      assert.equal(typeof b.vifDetails.port_filter, 'boolean')
    })

    test('binds vlan on a mapped physnet and vxlan when the agent carries it; local always', () => {
      const d = newDriver()
      assert.equal(d.bindPort(ctx([seg('v', 'vlan', 'physnet1', 1000)]))?.segmentId, 'v')
      assert.equal(d.bindPort(ctx([seg('x', 'vxlan', null, 77)]))?.segmentId, 'x')
      assert.equal(d.bindPort(ctx([seg('l', 'local')], [agent({ configurations: {} })]))?.segmentId, 'l')
    })

    test('declines an unmapped physnet, an overlay the agent lacks, and unknown network types', () => {
      const d = newDriver()
      assert.equal(d.bindPort(ctx([seg('f', 'flat', 'physnet9')])), undefined)
      assert.equal(d.bindPort(ctx([seg('v', 'vlan', 'physnet9', 5)])), undefined)
      assert.equal(d.bindPort(ctx([seg('x', 'vxlan', null, 7)], [agent({ configurations: {} })])), undefined)
      assert.equal(d.bindPort(ctx([seg('g', 'geneve', null, 7)])), undefined)
    })

    test('needs an alive agent of its own type on the host', () => {
      const d = newDriver()
      const s = [seg('s1', 'flat', 'physnet1')]
      assert.equal(d.bindPort(ctx(s, [])), undefined)
      assert.equal(d.bindPort(ctx(s, [agent({ alive: false })])), undefined)
      assert.equal(d.bindPort(ctx(s, [agent({ agentType: 'Some other agent' })])), undefined)
    })

    test('declines vnic types it does not bind', () => {
      assert.equal(newDriver().bindPort(ctx([seg('s1', 'flat', 'physnet1')], undefined, { vnicType: 'baremetal' })), undefined)
    })

    test('multi-segment networks: the first segment in order that the agent reaches', () => {
      const b = newDriver().bindPort(ctx([seg('a', 'vlan', 'physnet9', 5), seg('b', 'vxlan', null, 9), seg('c', 'flat', 'physnet1')]))
      assert.equal(b?.segmentId, 'b')
    })

    test('is pure: the same context gives the same answer and is left unchanged', () => {
      const c = ctx([seg('s1', 'flat', 'physnet1')])
      const copy = structuredClone(c)
      const d = newDriver()
      assert.deepEqual(d.bindPort(c), d.bindPort(c))
      assert.deepEqual(c, copy)
    })

    test('malformed agent configurations make it decline, never throw', () => {
      const junk = agent({ configurations: { bridge_mappings: 'physnet1', interface_mappings: [1], tunnel_types: 'vxlan' } })
      const d = newDriver()
      assert.equal(d.bindPort(ctx([seg('f', 'flat', 'physnet1')], [junk])), undefined)
      assert.equal(d.bindPort(ctx([seg('x', 'vxlan', null, 1)], [junk])), undefined)
    })
  })
}
