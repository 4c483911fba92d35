import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemorySegmentAllocations, typeDriverContract } from '../type-driver.contract.ts'
import { LocalTypeDriver } from './local-driver.ts'

typeDriverContract('local', {
  newDriver: () => new LocalTypeDriver(),
  provider: { networkType: 'local', physicalNetwork: null, segmentationId: null },
  invalid: [
    { segment: { networkType: 'local', physicalNetwork: 'physnet1', segmentationId: null }, message: /physical_network prohibited for local provider network/ },
    { segment: { networkType: 'local', physicalNetwork: null, segmentationId: 7 }, message: /segmentation_id prohibited for local provider network/ },
  ],
  exclusive: false,
  tenantPoolSize: Infinity,
})

test('local segments hold nothing and set no MTU', async () => {
  const store = new MemorySegmentAllocations()
  const seg = await new LocalTypeDriver().allocateTenantSegment(store)
  assert.deepEqual(seg, { networkType: 'local', physicalNetwork: null, segmentationId: null, mtu: 0 })
  assert.equal(store.held.size, 0)
})
