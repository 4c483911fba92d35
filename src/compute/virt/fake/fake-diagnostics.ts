/**
 * @module What the fake hypervisor measures of a guest: one entry per vCPU, nic and disk of the
 * guest, fixed counters (those of Nova's fake driver) and the flavor's memory, so tests can
 * rely on every number but the uptime. Like Nova's fake it reports the libvirt family, the
 * only one of the API's driver names that fits a QEMU host.
 */
import type { FlavorSnapshot, NetworkInfo } from '../../model/instance.ts'
import { POWER_STATE_NAMES, type PowerState } from '../../model/states.ts'
import type { GuestDiagnostics } from '../driver.ts'

/** The part of a fake guest its diagnostics come from. */
export type MeasuredGuest = {
  powerState: PowerState
  flavor: FlavorSnapshot
  networkInfo: NetworkInfo
  configDrive: boolean
  volumeDevices?: string[]
  /** The rescue disk while in a stable device rescue. */
  rescueDisk?: string | null
  bootedAt?: number
}

/** Guest device names as libvirt gives them: the root disk, then ephemeral and swap disks, then volumes. */
export function fakeDiskDevices(g: MeasuredGuest): string[] {
  const local = ['root', ...(g.flavor.ephemeral_gb > 0 ? ['ephemeral'] : []), ...(g.flavor.swap > 0 ? ['swap'] : [])]
  const volumes = g.volumeDevices ?? []
  const names: string[] = []
  for (let n = 0; names.length < local.length; n++) {
    const name = `vd${String.fromCharCode(97 + n)}`
    if (!volumes.includes(name)) names.push(name)
  }
  return [...names, ...volumes, ...(g.rescueDisk ? [g.rescueDisk] : [])]
}

/** The rescue disk's name on `bus`, as libvirt names a disk there (vd… on virtio, sd… on scsi, sata and usb, hd… on ide), after the disks the guest has. */
export function fakeRescueDisk(g: MeasuredGuest, bus: string): string {
  const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : bus === 'fdc' ? 'fd' : 'sd'
  const taken = new Set(fakeDiskDevices({ ...g, rescueDisk: null }))
  for (let n = 0; ; n++) {
    const name = `${prefix}${String.fromCharCode(97 + n)}`
    if (!taken.has(name)) return name
  }
}

export function fakeDiagnostics(g: MeasuredGuest, nowMs: number): GuestDiagnostics {
  return {
    state: POWER_STATE_NAMES[g.powerState], driver: 'libvirt', hypervisor: 'fake', hypervisorOs: 'linux',
    uptimeSec: g.bootedAt === undefined ? null : Math.max(0, Math.floor((nowMs - g.bootedAt) / 1000)),
    configDrive: g.configDrive,
    cpus: Array.from({ length: g.flavor.vcpus }, (_, id) => ({ id, timeNs: 17_300_000_000, utilisation: 15 })),
    memory: { maximumMb: g.flavor.memory_mb, usedMb: Math.floor(g.flavor.memory_mb / 2) },
    nics: g.networkInfo.map((vif) => ({
      device: vif.devname ?? `tap${vif.port_id.slice(0, 11)}`, macAddress: vif.mac_address,
      rxOctets: 2_070_139, rxErrors: 0, rxDrop: 0, rxPackets: 26_701, rxRate: null,
      txOctets: 140_208, txErrors: 0, txDrop: 0, txPackets: 662, txRate: null,
    })),
    disks: fakeDiskDevices(g).map((device) => ({
      device, readBytes: 262_144, readRequests: 112, writeBytes: 5_778_432, writeRequests: 488, errorsCount: 0,
    })),
  }
}
