import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeVirtDriver, guestSpec } from '../driver.contract.ts'
import { FakeDriver } from './fake-driver.ts'
import { PowerState } from '../../model/states.ts'

const make = async () => {
  const d = new FakeDriver({ vcpus: 4, memoryMb: 4096, diskGb: 40 })
  await d.init('host-a')
  return d
}

describeVirtDriver('fake', make)

test('fake: a flavor extra spec injects a fault into one operation', async () => {
  const d = await make()
  const spec = guestSpec(crypto.randomUUID())
  spec.flavor = { ...spec.flavor, extra_specs: { 'nubis:fake_fault': 'spawn' } }
  await assert.rejects(d.spawn(spec), /injected fault: spawn failed on host-a/)
  assert.equal(await d.powerState(spec.uuid), PowerState.NOSTATE)
})

test('fake: crash() stops a guest as if it shut down by itself', async () => {
  const d = await make()
  const spec = guestSpec(crypto.randomUUID())
  await d.spawn(spec)
  d.crash(spec.uuid)
  assert.equal(await d.powerState(spec.uuid), PowerState.SHUTDOWN)
})
