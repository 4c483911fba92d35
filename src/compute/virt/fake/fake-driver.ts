/**
 * @module The fake hypervisor: guests are entries in a map, every operation deterministic.
 * Options make it slow (`delayMs`) or failing: `failOn` makes chosen operations throw, and the
 * flavor extra spec `nubis:fake_fault=<operation>` fails that operation for one flavor's guests,
 * so tests can drive reschedules and faults through the public API; `nubis:fake_delay=<operation>:<ms>`
 * slows one operation down for that flavor's guests. Tests reach the hypervisor's own view through
 * {@link FakeDriver.guests} and {@link FakeDriver.crash}, and kill the agent's process in the middle
 * of an operation with {@link FakeDriver.freeze}.
 */
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FlavorSnapshot, NetworkInfo } from '../../model/instance.ts'
import type { RescueDevice } from '../../model/rescue.ts'
import { PowerState } from '../../model/states.ts'
import type { DriverCapabilities, GuestDiagnostics, GuestSpec, GuestState, HostResources, VirtDriver } from '../driver.ts'
import { fakeDiagnostics, fakeRescueDisk } from './fake-diagnostics.ts'
import { FileMap, FileSet } from './file-map.ts'

export type FakeDriverOptions = {
  vcpus: number
  memoryMb: number
  diskGb: number
  delayMs?: number
  /** Operations that always fail, e.g. ['spawn']. */
  failOn?: string[]
  hostname?: string
  /**
   * The fake data centre this host belongs to: guests move between the hosts of one world
   * (migrations, evacuate) and outlive a restart of the agent. Default: a world of its own.
   */
  world?: FakeWorld
}

export type FakeGuest = {
  uuid: string
  name: string
  powerState: PowerState
  flavor: FlavorSnapshot
  imageRef: string
  networkInfo: NetworkInfo
  rescued: boolean
  /** Personality files written at the last create or rebuild: path → contents, decoded. */
  files?: Record<string, string>
  /** In a stable device rescue: the rescue disk's device name (vdb, sda…), after the guest's own. */
  rescueDisk?: string | null
  adminPassword: string | null
  console: string[]
  configDrive: boolean
  /** Guest device names of attached volumes (vdb…); local disks follow from the flavor. */
  volumeDevices: string[]
  /** When the guest last booted (ms since the epoch): its uptime counts from here. */
  bootedAt: number
  /** Disks handed to another host by a cold migration, not yet confirmed or reverted. */
  migratingTo: string | null
}

export class FakeDriverError extends Error {
  override name = 'FakeDriverError'
}

/** One host's fake hypervisor: its guests, and what other hosts are handing it. */
type FakeHypervisor = {
  guests: Map<string, FakeGuest>
  /** Disks (cold migration) or running guests (live migration) sent here, not yet taken over. */
  incoming: Map<string, FakeGuest>
  /** Guests this host is prepared to receive by live migration. */
  expecting: Set<string>
  /** What a cold migration left on its source (Nova's `_resize` directory), until confirm or revert. */
  migrated: Map<string, FakeGuest>
}

/**
 * The hypervisors of several fake hosts, by host name. The compute agents of one process share
 * one world (virt/registry.ts), so a guest leaves one host's hypervisor and appears on
 * another's, while each agent's driver sees only its own host's guests.
 */
export class FakeWorld {
  readonly #hosts = new Map<string, FakeHypervisor>()
  readonly #dir: string | undefined

  /**
   * With `dir`, what hosts hand each other (incoming disks and guests, expected live migrations)
   * lives in files there, so fake hosts in different processes sharing the directory can move
   * guests between them, as hosts with shared storage would.
   */
  constructor(opts: { dir?: string } = {}) {
    this.#dir = opts.dir
  }

  hypervisor(host: string): FakeHypervisor {
    let h = this.#hosts.get(host)
    if (!h) {
      const dir = this.#dir && join(this.#dir, encodeURIComponent(host))
      h = {
        guests: new Map(), migrated: new Map(),
        incoming: dir ? new FileMap<FakeGuest>(join(dir, 'incoming')) : new Map(),
        expecting: dir ? new FileSet(join(dir, 'expecting')) : new Set(),
      }
      this.#hosts.set(host, h)
    }
    return h
  }
}

/** The world of the fake agents started by this process (tests run several hosts in one process). */
export const sharedFakeWorld = new FakeWorld()

export class FakeDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities = {
    supportsLiveMigration: true, supportsRescue: true, supportsSnapshot: true, supportsPause: true,
    supportsSuspend: true, supportsAttachInterface: true, supportsSetAdminPassword: true,
  }
  readonly #opts: FakeDriverOptions
  readonly #world: FakeWorld
  #hv: FakeHypervisor
  #host = ''
  #frozen = false

  constructor(opts: FakeDriverOptions) {
    this.#opts = opts
    this.#world = opts.world ?? new FakeWorld()
    this.#hv = new FakeWorld().hypervisor('')
  }

  get #guests(): Map<string, FakeGuest> {
    return this.#hv.guests
  }

  /** The hypervisor's own view (read-only copies). */
  guests(): FakeGuest[] {
    return [...this.#guests.values()].map((g) => ({ ...g }))
  }

  /** Simulates a guest that stops by itself (a crash or a shutdown from inside). */
  crash(uuid: string, state: PowerState = PowerState.SHUTDOWN): void {
    const g = this.#guests.get(uuid)
    if (g) g.powerState = state
  }

  /**
   * Simulates the death of the agent's process: every operation under way or to come never
   * returns, so the agent that called it does nothing more. The hypervisor's state (the world)
   * stays as it was; a new driver for the same host (a restarted agent) sees it.
   */
  freeze(): void {
    this.#frozen = true
  }

  async init(host: string): Promise<void> {
    this.#host = host
    this.#hv = this.#world.hypervisor(host)
  }

  async hostResources(): Promise<HostResources> {
    return {
      hypervisorType: 'fake', hypervisorVersion: 1000, hypervisorHostname: this.#opts.hostname || this.#host,
      hostIp: '127.0.0.1', vcpus: this.#opts.vcpus, memoryMb: this.#opts.memoryMb, localGb: this.#opts.diskGb,
      cpuInfo: { arch: 'x86_64', model: 'fake', vendor: 'Nubis', topology: { sockets: 1, cores: this.#opts.vcpus, threads: 1 }, features: [] },
    }
  }

  async listGuests(): Promise<GuestState[]> {
    return [...this.#guests.values()].map((g) => ({ uuid: g.uuid, powerState: g.powerState }))
  }

  async powerState(uuid: string): Promise<PowerState> {
    return this.#guests.get(uuid)?.powerState ?? PowerState.NOSTATE
  }

  async spawn(guest: GuestSpec): Promise<void> {
    await this.#step('spawn', guest.flavor)
    if (this.#guests.has(guest.uuid)) throw new FakeDriverError(`guest ${guest.uuid} already exists on ${this.#host}`)
    this.#guests.set(guest.uuid, {
      uuid: guest.uuid, name: guest.name, powerState: PowerState.RUNNING, flavor: guest.flavor, imageRef: guest.imageRef,
      networkInfo: guest.networkInfo, rescued: false, adminPassword: guest.adminPassword, migratingTo: null,
      configDrive: guest.configDrive, volumeDevices: guest.disks.volumes.map((v) => v.device.replace(/^\/dev\//, '')), bootedAt: Date.now(),
      files: Object.fromEntries((guest.injectedFiles ?? []).map((f) => [f.path, Buffer.from(f.contents, 'base64').toString('utf8')])),
      console: [
        `Nubis fake hypervisor on ${this.#host}`, `booting ${guest.hostname} from image ${guest.imageRef || '(volume)'}`,
        ...(guest.injectedFiles ?? []).map((f) => `injected file ${f.path} (${Buffer.from(f.contents, 'base64').length} bytes)`),
        `${guest.hostname} login:`,
      ],
    })
  }

  async destroy(uuid: string): Promise<void> {
    await this.#step('destroy', this.#guests.get(uuid)?.flavor)
    this.#guests.delete(uuid)
    this.#hv.incoming.delete(uuid)
    this.#hv.expecting.delete(uuid)
  }

  async powerOff(uuid: string): Promise<void> {
    const g = await this.#guest('power_off', uuid)
    g.powerState = PowerState.SHUTDOWN
    g.console.push('reboot: Power down')
  }

  async powerOn(guest: GuestSpec): Promise<void> {
    const g = await this.#guest('power_on', guest.uuid)
    g.powerState = PowerState.RUNNING
    g.bootedAt = Date.now()
    g.console.push(`${guest.hostname} login:`)
  }

  async reboot(guest: GuestSpec, type: 'SOFT' | 'HARD'): Promise<void> {
    const g = await this.#guest('reboot', guest.uuid)
    if (type === 'SOFT' && g.powerState !== PowerState.RUNNING) throw new FakeDriverError('soft reboot needs a running guest')
    g.powerState = PowerState.RUNNING
    g.bootedAt = Date.now()
    g.console.push(`${type === 'HARD' ? 'hard' : 'soft'} reboot`, `${guest.hostname} login:`)
  }

  async pause(uuid: string): Promise<void> {
    (await this.#guest('pause', uuid)).powerState = PowerState.PAUSED
  }

  async unpause(uuid: string): Promise<void> {
    (await this.#guest('unpause', uuid)).powerState = PowerState.RUNNING
  }

  async suspend(uuid: string): Promise<void> {
    (await this.#guest('suspend', uuid)).powerState = PowerState.SUSPENDED
  }

  async resume(guest: GuestSpec): Promise<void> {
    (await this.#guest('resume', guest.uuid)).powerState = PowerState.RUNNING
  }

  async rescue(guest: GuestSpec, rescueImageRef: string, _password: string | null, stable: RescueDevice | null = null): Promise<void> {
    const g = await this.#guest('rescue', guest.uuid)
    g.rescued = true
    g.rescueDisk = stable ? fakeRescueDisk(g, stable.bus) : null
    g.powerState = PowerState.RUNNING
    g.console.push(stable
      ? `stable device rescue: image ${rescueImageRef} attached as ${stable.device} ${g.rescueDisk} on the ${stable.bus} bus; the server's own disks keep their places`
      : `rescue boot from image ${rescueImageRef}`)
  }

  async unrescue(guest: GuestSpec): Promise<void> {
    const g = await this.#guest('unrescue', guest.uuid)
    g.rescued = false
    g.rescueDisk = null
    g.powerState = PowerState.RUNNING
  }

  async rebuild(guest: GuestSpec): Promise<void> {
    await this.#step('rebuild', guest.flavor)
    const before = this.#guests.get(guest.uuid)
    this.#guests.delete(guest.uuid)
    await this.spawn(guest).catch((err) => {
      if (before) this.#guests.set(guest.uuid, before)
      throw err
    })
  }

  async snapshot(uuid: string): Promise<{ data: NodeJS.ReadableStream; diskFormat: string; containerFormat: string }> {
    const g = await this.#guest('snapshot', uuid)
    return { data: Readable.from([Buffer.from(`fake disk of ${g.uuid} from image ${g.imageRef}\n`)]), diskFormat: 'raw', containerFormat: 'bare' }
  }

  async setAdminPassword(uuid: string, password: string): Promise<void> {
    const g = await this.#guest('set_admin_password', uuid)
    if (g.powerState !== PowerState.RUNNING) throw new FakeDriverError('the guest agent is not running')
    g.adminPassword = password
  }

  async consoleOutput(uuid: string): Promise<string> {
    return (await this.#guest('console_output', uuid)).console.join('\n') + '\n'
  }

  async diagnostics(uuid: string): Promise<GuestDiagnostics> {
    return fakeDiagnostics(await this.#guest('get_diagnostics', uuid), Date.now())
  }

  async attachInterface(uuid: string, vif: NetworkInfo[number]): Promise<void> {
    const g = await this.#guest('attach_interface', uuid)
    g.networkInfo = [...g.networkInfo.filter((v) => v.port_id !== vif.port_id), vif]
  }

  async detachInterface(uuid: string, vif: NetworkInfo[number]): Promise<void> {
    const g = await this.#guest('detach_interface', uuid)
    g.networkInfo = g.networkInfo.filter((v) => v.port_id !== vif.port_id)
  }

  async migrateDiskAndPowerOff(uuid: string, destHost: string): Promise<void> {
    const g = await this.#guest('migrate_disk_and_power_off', uuid)
    g.powerState = PowerState.SHUTDOWN
    g.console.push('reboot: Power down')
    // The guest is undefined here; its disks stay behind until confirm and a copy goes to the destination.
    this.#guests.delete(uuid)
    this.#hv.migrated.set(uuid, { ...g, migratingTo: destHost })
    this.#world.hypervisor(destHost).incoming.set(uuid, { ...g, console: [...g.console], migratingTo: null })
  }

  async finishMigration(guest: GuestSpec, powerOn: boolean): Promise<void> {
    await this.#step('finish_migration', guest.flavor)
    const disks = this.#hv.incoming.get(guest.uuid)
    if (!disks) throw new FakeDriverError(`no migrated disks of guest ${guest.uuid} arrived on ${this.#host}`)
    if (this.#guests.has(guest.uuid)) throw new FakeDriverError(`guest ${guest.uuid} already runs on ${this.#host}`)
    this.#hv.incoming.delete(guest.uuid)
    this.#guests.set(guest.uuid, {
      ...disks, name: guest.name, flavor: guest.flavor, networkInfo: guest.networkInfo, migratingTo: null, bootedAt: Date.now(),
      powerState: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN,
      console: [...disks.console, `resized to flavor ${guest.flavor.name} on ${this.#host}`, ...(powerOn ? [`${guest.hostname} login:`] : [])],
    })
  }

  async confirmMigration(uuid: string): Promise<void> {
    await this.#step('confirm_migration', this.#hv.migrated.get(uuid)?.flavor)
    this.#hv.migrated.delete(uuid)
  }

  async finishRevertMigration(guest: GuestSpec, powerOn: boolean): Promise<void> {
    await this.#step('finish_revert_migration', guest.flavor)
    const kept = this.#hv.migrated.get(guest.uuid)
    if (!kept) throw new FakeDriverError(`nothing of guest ${guest.uuid} was kept on ${this.#host} to revert to`)
    this.#hv.migrated.delete(guest.uuid)
    this.#guests.set(guest.uuid, {
      ...kept, flavor: guest.flavor, networkInfo: guest.networkInfo, migratingTo: null,
      powerState: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN,
    })
  }

  async preLiveMigration(guest: GuestSpec): Promise<void> {
    await this.#step('pre_live_migration', guest.flavor)
    if (this.#guests.has(guest.uuid)) throw new FakeDriverError(`guest ${guest.uuid} already runs on ${this.#host}`)
    this.#hv.expecting.add(guest.uuid)
  }

  async liveMigrate(uuid: string, destHost: string): Promise<void> {
    const g = await this.#guest('live_migration', uuid)
    const dest = this.#world.hypervisor(destHost)
    if (destHost === this.#host) throw new FakeDriverError(`cannot live-migrate guest ${uuid} to its own host`)
    if (!dest.expecting.has(uuid)) throw new FakeDriverError(`host ${destHost} is not prepared to receive guest ${uuid}`)
    dest.expecting.delete(uuid)
    this.#guests.delete(uuid)
    dest.incoming.set(uuid, { ...g, console: [...g.console, `live-migrated from ${this.#host} to ${destHost}`] })
  }

  async postLiveMigrationAtDestination(guest: GuestSpec): Promise<void> {
    await this.#step('post_live_migration_at_destination', guest.flavor)
    const g = this.#hv.incoming.get(guest.uuid)
    if (!g) throw new FakeDriverError(`guest ${guest.uuid} did not arrive on ${this.#host}`)
    this.#hv.incoming.delete(guest.uuid)
    this.#guests.set(guest.uuid, { ...g, networkInfo: guest.networkInfo, migratingTo: null })
  }

  async #guest(op: string, uuid: string): Promise<FakeGuest> {
    const g = this.#guests.get(uuid)
    await this.#step(op, g?.flavor)
    if (!g) throw new FakeDriverError(`guest ${uuid} does not exist on ${this.#host}`)
    return g
  }

  /** The configured delay, then the injected fault if this operation should fail. */
  async #step(op: string, flavor?: FlavorSnapshot): Promise<void> {
    if (this.#opts.delayMs) await new Promise((r) => setTimeout(r, this.#opts.delayMs))
    const slow = (flavor?.extra_specs['nubis:fake_delay'] ?? '').split(',').map((s) => s.trim().split(':')).find(([o]) => o === op)
    // Unref'd: a guest operation frozen mid-sleep must not keep the test process alive.
    if (slow) await new Promise((r) => setTimeout(r, Number(slow[1]) || 0).unref())
    if (this.#frozen) await new Promise(() => {})
    const faults = (flavor?.extra_specs['nubis:fake_fault'] ?? '').split(',').map((s) => s.trim())
    if (this.#opts.failOn?.includes(op) || faults.includes(op)) {
      throw new FakeDriverError(`injected fault: ${op} failed on ${this.#host}`)
    }
  }
}
