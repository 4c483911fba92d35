/**
 * @module The suite every virt driver passes: the behaviour the compute agent relies on, from
 * the agent's side of the contract. Each driver's test file is one call to {@link describeVirtDriver}.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FlavorSnapshot, Vif } from '../model/instance.ts'
import { PowerState } from '../model/states.ts'
import type { GuestSpec, VirtDriver } from './driver.ts'

const flavor: FlavorSnapshot = {
  flavorid: '1', name: 'm1.tiny', memory_mb: 64, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1,
  is_public: true, description: null, extra_specs: {},
}

export function guestSpec(uuid: string, over: Partial<GuestSpec> = {}): GuestSpec {
  return {
    uuid, name: `instance-${uuid.slice(0, 8)}`, hostname: 'guest', flavor, imageRef: 'image-1', imageProperties: {},
    networkInfo: [], disks: { volumes: [] }, userData: null, metadata: {}, keyData: null, configDrive: false, adminPassword: null,
    ...over,
  }
}

/**
 * `newDriver(host)` gives a driver initialised for `host` (a fresh name each call when omitted);
 * drivers of one suite run must be able to move guests between their hosts (migrations).
 */
export function describeVirtDriver(name: string, newDriver: (host?: string) => Promise<VirtDriver>): void {
  const uuid = () => crypto.randomUUID()

  test(`${name}: reports host resources`, async () => {
    const d = await newDriver()
    const r = await d.hostResources()
    assert.ok(r.vcpus > 0 && r.memoryMb > 0 && r.localGb > 0)
    assert.ok(r.hypervisorType && r.hypervisorHostname)
  })

  test(`${name}: destroy of an unknown guest succeeds`, async () => {
    await (await newDriver()).destroy(uuid())
  })

  test(`${name}: an unknown guest has no power state`, async () => {
    assert.equal(await (await newDriver()).powerState(uuid()), PowerState.NOSTATE)
  })

  test(`${name}: spawn runs the guest, destroy removes it`, async () => {
    const d = await newDriver()
    const id = uuid()
    await d.spawn(guestSpec(id))
    assert.equal(await d.powerState(id), PowerState.RUNNING)
    assert.deepEqual((await d.listGuests()).map((g) => g.uuid), [id])
    await d.destroy(id)
    assert.equal(await d.powerState(id), PowerState.NOSTATE)
    assert.deepEqual(await d.listGuests(), [])
  })

  test(`${name}: power off, on, pause, suspend and their inverses`, async () => {
    const d = await newDriver()
    const spec = guestSpec(uuid())
    await d.spawn(spec)
    await d.powerOff(spec.uuid, 1)
    assert.equal(await d.powerState(spec.uuid), PowerState.SHUTDOWN)
    await d.powerOn(spec)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    if (d.capabilities.supportsPause) {
      await d.pause(spec.uuid)
      assert.equal(await d.powerState(spec.uuid), PowerState.PAUSED)
      await d.unpause(spec.uuid)
      assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    }
    if (d.capabilities.supportsSuspend) {
      await d.suspend(spec.uuid)
      assert.equal(await d.powerState(spec.uuid), PowerState.SUSPENDED)
      await d.resume(spec)
      assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    }
    await d.reboot(spec, 'HARD')
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.destroy(spec.uuid)
  })

  test(`${name}: operations on a missing guest fail`, async () => {
    const d = await newDriver()
    await assert.rejects(d.powerOff(uuid(), 1))
    await assert.rejects(d.consoleOutput(uuid()))
    await assert.rejects(d.diagnostics(uuid()))
  })

  test(`${name}: spawning the same guest twice fails and keeps the first`, async () => {
    const d = await newDriver()
    const spec = guestSpec(uuid())
    await d.spawn(spec)
    await assert.rejects(d.spawn(spec))
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.destroy(spec.uuid)
  })

  test(`${name}: console output is text`, async () => {
    const d = await newDriver()
    const spec = guestSpec(uuid())
    await d.spawn(spec)
    assert.equal(typeof await d.consoleOutput(spec.uuid), 'string')
    await d.destroy(spec.uuid)
  })

  test(`${name}: diagnostics count the guest's vCPUs, memory, nics and disks`, async () => {
    const d = await newDriver()
    const vif = (n: number): Vif => ({
      port_id: uuid(), network_id: uuid(), network_label: 'private', mac_address: `fa:16:3e:00:00:0${n}`,
      fixed_ips: [], preserve_on_delete: false, tag: null, vif_type: 'bridge', devname: `tap0000000${n}-00`,
    })
    const spec = guestSpec(uuid(), { flavor: { ...flavor, vcpus: 2, memory_mb: 128, ephemeral_gb: 1 }, networkInfo: [vif(1), vif(2)] })
    await d.spawn(spec)
    const diag = await d.diagnostics(spec.uuid)
    assert.equal(diag.state, 'running')
    assert.deepEqual(diag.cpus.map((c) => c.id), [0, 1])
    assert.equal(diag.memory.maximumMb, 128)
    assert.deepEqual(diag.nics.map((n) => n.macAddress), ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02'])
    assert.equal(diag.disks.length, 2, 'root and ephemeral disk')
    assert.equal(new Set(diag.disks.map((k) => k.device)).size, 2, 'each disk has its own device name')
    assert.ok(diag.uptimeSec === null || diag.uptimeSec >= 0)
    await d.destroy(spec.uuid)
  })

  test(`${name}: rescue and unrescue; a stable device rescue adds the rescue disk and keeps the guest's own`, async (t) => {
    const d = await newDriver()
    if (!d.capabilities.supportsRescue) return t.skip('this driver does not rescue')
    const spec = guestSpec(uuid())
    await d.spawn(spec)
    const own = (await d.diagnostics(spec.uuid)).disks.map((k) => k.device)
    await d.rescue(spec, 'rescue-image', null)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.unrescue(spec)
    await d.rescue(spec, 'rescue-image', null, { device: 'disk', bus: 'virtio' })
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    const rescued = (await d.diagnostics(spec.uuid)).disks.map((k) => k.device)
    assert.deepEqual(rescued.slice(0, own.length), own, 'the guest\'s disks keep their names and order')
    assert.equal(rescued.length, own.length + 1, 'and the rescue disk comes after them')
    await d.unrescue(spec)
    assert.deepEqual((await d.diagnostics(spec.uuid)).disks.map((k) => k.device), own)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.destroy(spec.uuid)
  })

  test(`${name}: an interface attaches to and detaches from a guest; a missing guest refuses it`, async (t) => {
    const d = await newDriver()
    if (!d.capabilities.supportsAttachInterface) return t.skip('driver does not hot-plug interfaces')
    const spec = guestSpec(uuid())
    const vif: Vif = {
      port_id: uuid(), network_id: uuid(), network_label: 'private', mac_address: 'fa:16:3e:00:00:01',
      fixed_ips: [{ address: '10.0.0.5', subnet_id: uuid(), version: 4, floating_ips: [] }],
      preserve_on_delete: false, tag: null, vif_type: 'bridge', devname: 'tap00000000-00',
    }
    await d.spawn(spec)
    await d.attachInterface(spec.uuid, vif)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING, 'hot-plug keeps the guest running')
    await d.detachInterface(spec.uuid, vif)
    await d.powerOff(spec.uuid, 1)
    await d.attachInterface(spec.uuid, vif)
    await d.detachInterface(spec.uuid, vif)
    await assert.rejects(d.attachInterface(uuid(), vif))
    await d.destroy(spec.uuid)
  })

  test(`${name}: live migration moves the guest between two drivers`, async (t) => {
    const src = await newDriver('src-' + uuid().slice(0, 8))
    if (!src.capabilities.supportsLiveMigration) return t.skip('driver does not live-migrate')
    const destHost = 'dest-' + uuid().slice(0, 8)
    const dst = await newDriver(destHost)
    const spec = guestSpec(uuid())
    await src.spawn(spec)
    await assert.rejects(src.liveMigrate(spec.uuid, destHost), 'the destination must be prepared first')
    assert.equal(await src.powerState(spec.uuid), PowerState.RUNNING, 'a refused live migration leaves the guest running')
    await dst.preLiveMigration(spec)
    await src.liveMigrate(spec.uuid, destHost)
    await dst.postLiveMigrationAtDestination(spec)
    assert.equal(await src.powerState(spec.uuid), PowerState.NOSTATE)
    assert.deepEqual((await src.listGuests()).map((g) => g.uuid), [])
    assert.equal(await dst.powerState(spec.uuid), PowerState.RUNNING)
    assert.deepEqual((await dst.listGuests()).map((g) => g.uuid), [spec.uuid])
    await dst.destroy(spec.uuid)
  })

  test(`${name}: cold migration then confirm leaves the guest only on the destination, with the new flavor`, async () => {
    const src = await newDriver('src-' + uuid().slice(0, 8))
    const destHost = 'dest-' + uuid().slice(0, 8)
    const dst = await newDriver(destHost)
    const spec = guestSpec(uuid())
    await src.spawn(spec)
    const bigger = { ...spec.flavor, flavorid: '2', name: 'm1.small', memory_mb: 128, root_gb: 2 }
    await src.migrateDiskAndPowerOff(spec.uuid, destHost, bigger)
    assert.equal(await src.powerState(spec.uuid), PowerState.NOSTATE, 'the source guest is shut down and undefined')
    await dst.finishMigration({ ...spec, flavor: bigger }, true)
    assert.equal(await dst.powerState(spec.uuid), PowerState.RUNNING)
    await src.confirmMigration(spec.uuid)
    assert.deepEqual((await src.listGuests()).map((g) => g.uuid), [])
    assert.deepEqual((await dst.listGuests()).map((g) => g.uuid), [spec.uuid])
    await assert.rejects(src.finishRevertMigration(spec, true), 'nothing is left to revert to after a confirm')
    await dst.destroy(spec.uuid)
  })

  test(`${name}: cold migration then revert brings the guest back on the source`, async () => {
    const src = await newDriver('src-' + uuid().slice(0, 8))
    const destHost = 'dest-' + uuid().slice(0, 8)
    const dst = await newDriver(destHost)
    const spec = guestSpec(uuid())
    await src.spawn(spec)
    await src.migrateDiskAndPowerOff(spec.uuid, destHost, spec.flavor)
    await dst.finishMigration(spec, false)
    assert.equal(await dst.powerState(spec.uuid), PowerState.SHUTDOWN, 'finish without power-on leaves it stopped')
    await dst.destroy(spec.uuid)
    await src.finishRevertMigration(spec, true)
    assert.equal(await src.powerState(spec.uuid), PowerState.RUNNING)
    assert.equal(await dst.powerState(spec.uuid), PowerState.NOSTATE)
    await src.destroy(spec.uuid)
  })

  test(`${name}: a resize on the same host keeps the original until confirm or revert`, async () => {
    const host = 'same-' + uuid().slice(0, 8)
    const d = await newDriver(host)
    const spec = guestSpec(uuid())
    await d.spawn(spec)
    const bigger = { ...spec.flavor, flavorid: '2', name: 'm1.small', memory_mb: 128 }
    await d.migrateDiskAndPowerOff(spec.uuid, host, bigger)
    await d.finishMigration({ ...spec, flavor: bigger }, true)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.destroy(spec.uuid)
    await d.finishRevertMigration(spec, true)
    assert.equal(await d.powerState(spec.uuid), PowerState.RUNNING)
    await d.destroy(spec.uuid)
  })
}
