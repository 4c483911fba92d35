import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemorySegmentAllocations, typeDriverContract } from '../type-driver.contract.ts'
import { FlatTypeDriver } from './flat-driver.ts'

const flat = (flatNetworks: string[]) => new FlatTypeDriver({ flatNetworks, physnetMtu: 1500 })
const seg = (physicalNetwork: string | null, segmentationId: number | null = null) => ({ networkType: 'flat', physicalNetwork, segmentationId })

typeDriverContract('flat', {
  newDriver: () => flat(['physnet1', 'physnet2']),
  provider: seg('physnet1'),
  invalid: [
    { segment: seg(null), message: /physical_network required for flat provider network/ },
    { segment: seg('nope'), message: /physical_network 'nope' unknown for flat provider network/ },
    { segment: seg('physnet1', 10), message: /segmentation_id prohibited for flat provider network/ },
  ],
  exclusive: true,
  tenantPoolSize: 0,
})

test("'*' allows any physical network and [] disables flat networks", () => {
  flat(['*']).validateProviderSegment(seg('anything'))
  assert.throws(() => flat([]).validateProviderSegment(seg('physnet1')), /Flat provider networks are disabled/)
})

test('one flat network per physical network, and the conflict names it', async () => {
  const driver = flat(['*'])
  const store = new MemorySegmentAllocations()
  const a = await driver.reserveProviderSegment(store, seg('physnet1'))
  assert.deepEqual(a, { networkType: 'flat', physicalNetwork: 'physnet1', segmentationId: null, mtu: 1500 })
  await driver.reserveProviderSegment(store, seg('physnet2'))
  await assert.rejects(driver.reserveProviderSegment(store, seg('physnet1')),
    { status: 409, title: 'FlatNetworkInUse', message: 'Unable to create the flat network. Physical network physnet1 is in use.' })
})
