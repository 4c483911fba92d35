/**
 * @module What the compute agent needs from a hypervisor (Nova's ComputeDriver, reduced to what
 * Nubis uses). The agent owns all bookkeeping (states, ports, allocations); a driver only acts
 * on guests. Hypervisor ids never leave the driver: guests are named by instance uuid.
 * Every method either completes or throws, leaving the guest as it was (a failed spawn leaves
 * nothing behind). Idempotent where Nova relies on it: destroy of a missing guest succeeds.
 */
import type { GuestDiagnostics } from '../model/diagnostics.ts'
import type { FlavorSnapshot, InjectedFile, NetworkInfo } from '../model/instance.ts'
import type { RescueDevice } from '../model/rescue.ts'
import type { PowerState } from '../model/states.ts'

export type DiskSpec = {
  /** Local image to copy the root disk from; its bytes come from the image service. */
  image?: { id: string; diskFormat: string | null; fetch: () => Promise<NodeJS.ReadableStream> }
  /** Attached volumes: device path or connection info the driver understands. */
  volumes: Array<{ volumeId: string; device: string; connection: Record<string, unknown> }>
}

/** Everything a driver needs to create or re-create a guest. */
export type GuestSpec = {
  uuid: string
  /** Hypervisor-side name, e.g. instance-0000002a. */
  name: string
  hostname: string
  flavor: FlavorSnapshot
  imageRef: string
  imageProperties: Record<string, unknown>
  networkInfo: NetworkInfo
  disks: DiskSpec
  userData: string | null
  metadata: Record<string, string>
  keyData: string | null
  configDrive: boolean
  adminPassword: string | null
  /** Personality files to write into the guest as it is created or rebuilt. */
  injectedFiles?: InjectedFile[]
}

export type HostResources = {
  hypervisorType: string
  hypervisorVersion: number
  hypervisorHostname: string
  hostIp: string
  vcpus: number
  memoryMb: number
  localGb: number
  cpuInfo: Record<string, unknown>
}

export type GuestState = { uuid: string; powerState: PowerState }

export type { GuestDiagnostics }

export type DriverCapabilities = {
  supportsLiveMigration: boolean
  supportsRescue: boolean
  supportsSnapshot: boolean
  supportsPause: boolean
  supportsSuspend: boolean
  supportsAttachInterface: boolean
  supportsSetAdminPassword: boolean
}

export interface VirtDriver {
  readonly capabilities: DriverCapabilities
  /** Called once when the agent starts; finds guests left from an earlier run. */
  init(host: string): Promise<void>
  hostResources(): Promise<HostResources>
  /** Guests the hypervisor knows, with their power state. */
  listGuests(): Promise<GuestState[]>
  /** NOSTATE when the guest does not exist. */
  powerState(uuid: string): Promise<PowerState>

  /** Creates and starts the guest. On failure nothing is left behind. */
  spawn(guest: GuestSpec): Promise<void>
  /** Stops and removes the guest and its local disks. Succeeds when the guest is already gone. */
  destroy(uuid: string): Promise<void>
  /** Graceful shutdown, forced after `timeoutSec`. */
  powerOff(uuid: string, timeoutSec: number): Promise<void>
  powerOn(guest: GuestSpec): Promise<void>
  reboot(guest: GuestSpec, type: 'SOFT' | 'HARD'): Promise<void>
  pause(uuid: string): Promise<void>
  unpause(uuid: string): Promise<void>
  suspend(uuid: string): Promise<void>
  resume(guest: GuestSpec): Promise<void>
  /**
   * Boots the guest from a rescue image. Without `stable` the rescue disk comes first and the
   * guest's own disk is the second; with it (stable device rescue, asked for by the rescue
   * image's hw_rescue_device / hw_rescue_bus) the guest's disks keep their places and the rescue
   * disk is added after them as that device on that bus.
   */
  rescue(guest: GuestSpec, rescueImageRef: string, rescuePassword: string | null, stable?: RescueDevice | null): Promise<void>
  unrescue(guest: GuestSpec): Promise<void>
  /** Re-creates the guest from `guest.imageRef` (rebuild and evacuate). */
  rebuild(guest: GuestSpec): Promise<void>
  /** The guest's root disk as an image: returns the bytes' stream and format. */
  snapshot(uuid: string): Promise<{ data: NodeJS.ReadableStream; diskFormat: string; containerFormat: string }>
  setAdminPassword(uuid: string, password: string): Promise<void>
  consoleOutput(uuid: string): Promise<string>
  /** Usage counters of a guest (its power state is the caller's to check); fails for a missing guest. */
  diagnostics(uuid: string): Promise<GuestDiagnostics>
  attachInterface(uuid: string, vif: NetworkInfo[number]): Promise<void>
  detachInterface(uuid: string, vif: NetworkInfo[number]): Promise<void>

  /** Cold migration / resize, source side: power off and hand the disks to `destHost`. */
  migrateDiskAndPowerOff(uuid: string, destHost: string, flavor: FlavorSnapshot): Promise<void>
  /** Destination side: create the guest from the migrated disks (powered on when `powerOn`). */
  finishMigration(guest: GuestSpec, powerOn: boolean): Promise<void>
  /** Source side after confirm: remove what is left of the guest here. */
  confirmMigration(uuid: string): Promise<void>
  /** Source side after revert: bring the original guest back. */
  finishRevertMigration(guest: GuestSpec, powerOn: boolean): Promise<void>

  /** Live migration, destination side first: prepare to receive the guest. */
  preLiveMigration(guest: GuestSpec): Promise<void>
  /** Source side: move the running guest to `destHost`; the source guest is gone afterwards. */
  liveMigrate(uuid: string, destHost: string): Promise<void>
  /** Destination side: the guest runs here now. */
  postLiveMigrationAtDestination(guest: GuestSpec): Promise<void>
}
