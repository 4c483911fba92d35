import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '../../../../common/errors.ts'
import { parseTunnelRanges, VNI_MAX, VNI_MIN } from '../ranges.ts'
import { MemorySegmentAllocations, typeDriverContract } from '../type-driver.contract.ts'
import { VxlanTypeDriver } from './vxlan-driver.ts'

const vxlan = (entries: string[], physnetMtu = 1500) =>
  new VxlanTypeDriver({ ranges: parseTunnelRanges(entries, VNI_MIN, VNI_MAX, 'VXLAN'), physnetMtu })
const seg = (segmentationId: number | null, physicalNetwork: string | null = null) => ({ networkType: 'vxlan', physicalNetwork, segmentationId })

typeDriverContract('vxlan', {
  newDriver: () => vxlan(['10:12', '20:21']),
  provider: seg(5000),
  invalid: [
    { segment: seg(5000, 'physnet1'), message: /provider:physical_network specified for vxlan network/ },
    { segment: seg(0), message: /segmentation_id out of range \(1 through 16777215\)/ },
    { segment: seg(2 ** 24), message: /segmentation_id out of range/ },
  ],
  exclusive: true,
  tenantPoolSize: 5,
})

test('MTU is the physical MTU less 50 bytes of VXLAN overhead', () => {
  assert.equal(vxlan(['1:10']).mtu(), 1450)
  assert.equal(vxlan(['1:10'], 9000).mtu(), 8950)
})

test('a VNI in use is a 409 TunnelIdInUse; a partial request takes a free one', async () => {
  const driver = vxlan(['7:7'])
  const store = new MemorySegmentAllocations()
  assert.equal((await driver.reserveProviderSegment(store, seg(null))).segmentationId, 7)
  await assert.rejects(driver.reserveProviderSegment(store, seg(7)),
    { status: 409, title: 'TunnelIdInUse', message: 'Unable to create the network. The tunnel ID 7 is in use.' })
  await assert.rejects(driver.reserveProviderSegment(store, seg(null)), { status: 503, title: 'NoNetworkAvailable' })
})

test('bad vni_ranges are configuration errors', () => {
  for (const bad of ['5', '0:10', '10:5', '1:16777216', 'a:b']) {
    assert.throws(() => parseTunnelRanges([bad], VNI_MIN, VNI_MAX, 'VXLAN'), (e: unknown) => e instanceof ConfigError, bad)
  }
})
