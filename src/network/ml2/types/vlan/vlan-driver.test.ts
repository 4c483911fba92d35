import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../../../common/errors.ts'
import { parseVlanRanges } from '../ranges.ts'
import { MemorySegmentAllocations, typeDriverContract } from '../type-driver.contract.ts'
import { VlanTypeDriver } from './vlan-driver.ts'

const vlan = (entries: string[]) => new VlanTypeDriver({ ranges: parseVlanRanges(entries), physnetMtu: 1500 })
const seg = (physicalNetwork: string | null, segmentationId: number | null) => ({ networkType: 'vlan', physicalNetwork, segmentationId })

typeDriverContract('vlan', {
  newDriver: () => vlan(['physnet1:100:102', 'physnet2:200:201', 'provideronly']),
  provider: seg('physnet1', 100),
  invalid: [
    { segment: seg('physnet9', 100), message: /physical_network 'physnet9' unknown for VLAN provider network/ },
    { segment: seg('physnet1', 0), message: /segmentation_id out of range \(1 through 4094\)/ },
    { segment: seg('physnet1', 4095), message: /segmentation_id out of range \(1 through 4094\)/ },
    { segment: seg(null, 100), message: /segmentation_id requires physical_network for VLAN provider network/ },
  ],
  exclusive: true,
  tenantPoolSize: 5,
})

test('an admin may use any tag on a known physical network, also one without tenant ranges', async () => {
  const driver = vlan(['physnet1:100:102', 'provideronly'])
  const store = new MemorySegmentAllocations()
  driver.validateProviderSegment(seg('provideronly', 4094))
  assert.deepEqual(await driver.reserveProviderSegment(store, seg('provideronly', 4094)),
    { networkType: 'vlan', physicalNetwork: 'provideronly', segmentationId: 4094, mtu: 1500 })
  await driver.reserveProviderSegment(store, seg('physnet1', 3000))
  await assert.rejects(driver.reserveProviderSegment(store, seg('physnet1', 3000)),
    { status: 409, title: 'VlanIdInUse', message: 'Unable to create the network. The VLAN 3000 on physical network physnet1 is in use.' })
})

test('partial provider segments take a free tag of the named physical network, or of any', async () => {
  const driver = vlan(['physnet1:100:100', 'physnet2:200:200', 'provideronly'])
  const store = new MemorySegmentAllocations()
  assert.equal(driver.isPartialSegment(seg('physnet2', null)), true)
  assert.deepEqual(await driver.reserveProviderSegment(store, seg('physnet2', null)),
    { networkType: 'vlan', physicalNetwork: 'physnet2', segmentationId: 200, mtu: 1500 })
  await assert.rejects(driver.reserveProviderSegment(store, seg('physnet2', null)), { status: 503, title: 'NoNetworkAvailable' })
  await assert.rejects(driver.reserveProviderSegment(store, seg('provideronly', null)), { status: 503 })
  assert.equal((await driver.reserveProviderSegment(store, seg(null, null))).segmentationId, 100)
  await assert.rejects(driver.reserveProviderSegment(store, seg(null, null)), { status: 503 })
})

test('tenant tags come only from the configured ranges', async () => {
  const driver = vlan(['physnet1:1000:1001'])
  const store = new MemorySegmentAllocations()
  const ids = [(await driver.allocateTenantSegment(store))!.segmentationId, (await driver.allocateTenantSegment(store))!.segmentationId]
  assert.deepEqual(ids.sort(), [1000, 1001])
})

test('bad network_vlan_ranges are configuration errors', () => {
  for (const bad of ['physnet1:1', 'physnet1:5:1', 'physnet1:0:10', 'physnet1:1:4095', ':1:2', 'physnet1:a:b']) {
    assert.throws(() => parseVlanRanges([bad]), (e: unknown) => e instanceof ConfigError, bad)
  }
})
