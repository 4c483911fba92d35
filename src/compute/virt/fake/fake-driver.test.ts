import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { describeVirtDriver, guestSpec } from '../driver.contract.ts'
import { fakeDiagnostics, fakeDiskDevices } from './fake-diagnostics.ts'
import { FakeDriver, FakeWorld } from './fake-driver.ts'
import { PowerState } from '../../model/states.ts'

const world = new FakeWorld()
let hosts = 0
const make = async (host = `host-${++hosts}`) => {
  const d = new FakeDriver({ vcpus: 4, memoryMb: 4096, diskGb: 40, world })
  await d.init(host)
  return d
}

describeVirtDriver('fake', make)

test('fake: a flavor extra spec injects a fault into one operation', async () => {
  const d = await make()
  const spec = guestSpec(crypto.randomUUID())
  spec.flavor = { ...spec.flavor, extra_specs: { 'nubis:fake_fault': 'spawn' } }
  await assert.rejects(d.spawn(spec), /injected fault: spawn failed on host-\d+/)
  assert.equal(await d.powerState(spec.uuid), PowerState.NOSTATE)
})

test('fake: crash() stops a guest as if it shut down by itself', async () => {
  const d = await make()
  const spec = guestSpec(crypto.randomUUID())
  await d.spawn(spec)
  d.crash(spec.uuid)
  assert.equal(await d.powerState(spec.uuid), PowerState.SHUTDOWN)
})

test('fake: a restarted agent finds the guests its host kept; other hosts see none of them', async () => {
  const a = await make('keep-a')
  const spec = guestSpec(crypto.randomUUID())
  await a.spawn(spec)
  const again = await make('keep-a')
  assert.deepEqual((await again.listGuests()).map((g) => g.uuid), [spec.uuid])
  assert.deepEqual(await (await make('keep-b')).listGuests(), [])
})

test('fake: drivers without a world share nothing', async () => {
  const a = new FakeDriver({ vcpus: 1, memoryMb: 512, diskGb: 1 })
  const b = new FakeDriver({ vcpus: 1, memoryMb: 512, diskGb: 1 })
  await a.init('same')
  await b.init('same')
  await a.spawn(guestSpec(crypto.randomUUID()))
  assert.deepEqual(await b.listGuests(), [])
})

test('fake: an attached interface joins the guest\'s network info, a detached one leaves it', async () => {
  const d = await make()
  const spec = guestSpec(crypto.randomUUID())
  await d.spawn(spec)
  const vif = {
    port_id: crypto.randomUUID(), network_id: crypto.randomUUID(), network_label: 'private', mac_address: 'fa:16:3e:00:00:02',
    fixed_ips: [], preserve_on_delete: true, tag: 'nic1', vif_type: 'bridge', devname: 'tap1',
  }
  await d.attachInterface(spec.uuid, vif)
  await d.attachInterface(spec.uuid, vif)
  assert.deepEqual(d.guests().find((g) => g.uuid === spec.uuid)?.networkInfo.map((v) => v.port_id), [vif.port_id], 'attaching twice keeps one')
  await d.detachInterface(spec.uuid, vif)
  assert.deepEqual(d.guests().find((g) => g.uuid === spec.uuid)?.networkInfo, [])
})

test('fake: hosts of different worlds sharing a directory hand guests over (cold and live migration)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nubis-fake-world-'))
  try {
    const onOwnWorld = async (host: string) => {
      const d = new FakeDriver({ vcpus: 4, memoryMb: 4096, diskGb: 40, world: new FakeWorld({ dir }) })
      await d.init(host)
      return d
    }
    const a = await onOwnWorld('dir-a')
    const b = await onOwnWorld('dir-b')
    const spec = guestSpec(crypto.randomUUID())
    await a.spawn(spec)
    await a.migrateDiskAndPowerOff(spec.uuid, 'dir-b')
    await b.finishMigration(spec, true)
    await a.confirmMigration(spec.uuid)
    assert.deepEqual((await b.listGuests()).map((g) => g.uuid), [spec.uuid])
    assert.deepEqual(await a.listGuests(), [])
    await a.preLiveMigration(spec)
    await b.liveMigrate(spec.uuid, 'dir-a')
    await a.postLiveMigrationAtDestination(spec)
    assert.equal(await a.powerState(spec.uuid), PowerState.RUNNING)
    assert.deepEqual(await b.listGuests(), [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('fake: local disks take the device names attached volumes leave free', () => {
  const spec = guestSpec(crypto.randomUUID())
  const g = { powerState: PowerState.RUNNING, flavor: { ...spec.flavor, ephemeral_gb: 1, swap: 512 }, networkInfo: [], configDrive: false, volumeDevices: ['vdb'] }
  assert.deepEqual(fakeDiskDevices(g), ['vda', 'vdc', 'vdd', 'vdb'])
  assert.deepEqual(fakeDiagnostics(g, 0).disks.map((d) => d.device), ['vda', 'vdc', 'vdd', 'vdb'])
})
