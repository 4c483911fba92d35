import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../../common/errors.ts'
import { createTypeDrivers } from './registry.ts'

const base = {
  typeDrivers: ['local', 'flat', 'vlan', 'vxlan'], tenantNetworkTypes: ['vxlan', 'local'], flatNetworks: ['*'],
  networkVlanRanges: ['physnet1:1000:1999'], vniRanges: ['1:65535'], globalPhysnetMtu: 1500,
}

test('enables the configured drivers and orders the tenant types', () => {
  const d = createTypeDrivers(base)
  assert.deepEqual([...d.byType.keys()], ['local', 'flat', 'vlan', 'vxlan'])
  assert.deepEqual(d.tenant.map((t) => t.networkType), ['vxlan', 'local'])
  assert.equal(d.physnetMtu, 1500)
})

test('unknown drivers and tenant types outside typeDrivers are configuration errors', () => {
  assert.throws(() => createTypeDrivers({ ...base, typeDrivers: ['gre'] }), (e: unknown) => e instanceof ConfigError && /unknown type driver 'gre'/.test(e.message))
  assert.throws(() => createTypeDrivers({ ...base, typeDrivers: ['local'], tenantNetworkTypes: ['vlan'] }), (e: unknown) => e instanceof ConfigError && /'vlan' is not among/.test(e.message))
})
