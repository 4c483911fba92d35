import assert from 'node:assert/strict'
import { test } from 'node:test'
import { silentLogger } from '../../common/log/logger.ts'
import type { PortRow } from '../db/schema.ts'
import { bindWithDrivers, createPortBinder, portContext } from './binding.ts'
import type { MechanismDriver } from './mechanisms/driver.ts'

const driver = (name: string, binds: boolean): MechanismDriver => ({
  name, bindPort: (ctx) => (binds ? { segmentId: ctx.segments[0].id, vifType: name, vifDetails: { by: name } } : undefined),
})
const port = { id: 'p1', network_id: 'n1', binding_vnic_type: 'normal', binding_profile: '{"a":1}' } as PortRow
const segments = [{ id: 's1', network_type: 'vxlan', physical_network: null, segmentation_id: 9 }]

test('drivers are tried in configured order; the first that binds wins', () => {
  const ctx = portContext(port, 'h', segments, [])
  assert.deepEqual(bindWithDrivers([driver('a', false), driver('b', true), driver('c', true)], ctx),
    { segmentId: 's1', vifType: 'b', vifDetails: { by: 'b' }, driver: 'b' })
  assert.equal(bindWithDrivers([driver('a', false)], ctx), undefined)
  assert.equal(bindWithDrivers([], ctx), undefined)
})

test('the port context carries the vnic type, the parsed profile and the host', () => {
  const ctx = portContext({ ...port, binding_vnic_type: '', binding_profile: 'not json' }, 'h2', segments, [])
  assert.deepEqual([ctx.vnicType, ctx.profile, ctx.host, ctx.networkId], ['normal', {}, 'h2', 'n1'])
})

test('a binder called without a database handle fails the binding instead of reading beside the transaction', async () => {
  const binder = createPortBinder({ drivers: [driver('a', true)], agentDownTimeSec: 75, log: silentLogger })
  assert.deepEqual(await binder({ port, segments, host: 'h' } as any), { vifType: 'binding_failed', vifDetails: {} })
})
