/**
 * @module nova-compute: the agent on each hypervisor host. It serves topic `compute.<host>`,
 * drives the virt driver, makes the instance's ports through the network API, reports its
 * resources and heartbeat, and keeps the database's power states true to the hypervisor. It
 * never opens the database: every read and write goes through the conductor.
 */
import { createHash } from 'node:crypto'
import type { Instance, NetworkInfo } from '../model/instance.ts'
import { conflict } from '../errors.ts'
import { POWER_STATE_NAMES, PowerState, TaskState, VmState } from '../model/states.ts'
import { allocateForInstance, deallocateForInstance } from '../network/network-api.ts'
import type { ActionRequest, AgentRpc, BuildRequest } from '../rpc/agent-rpc.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { VirtDriver } from '../virt/driver.ts'
import { guestOf } from './guest.ts'
import { createInstanceLocks } from './instance-locks.ts'
import type { AgentContext, ComputeAgentDeps } from './context.ts'
import { moreAgentActions } from './more-actions.ts'
import { forgetShelvedImage, offloadOverdueShelved } from './shelve-actions.ts'
import { recoverHost } from './recovery.ts'

export type { ActionStep, AgentContext, ComputeAgentDeps } from './context.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** The compute node's uuid, stable across restarts: derived from the hypervisor host name. */
export function nodeUuidOf(hypervisorHostname: string): string {
  const h = createHash('sha1').update(`nubis-compute-node:${hypervisorHostname}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function createComputeAgent(deps: ComputeAgentDeps): { rpc: AgentRpc; start(): Promise<void>; stop(): Promise<void>; syncPowerStates(): Promise<void> } {
  const { host, driver, conductor, log, config } = deps
  const withLock = createInstanceLocks()
  const timers: NodeJS.Timeout[] = []

  const update: AgentContext['update'] = (uuid, changes, expected) => conductor.instanceUpdate({ uuid, changes, expectedTaskState: expected })
  const event: AgentContext['event'] = async (args, name, phase, error) => {
    await conductor.actionEvent({
      uuid: args.instance.uuid, requestId: args.context.requestId, event: name, phase, host,
      ...(phase === 'finish' ? { result: error ? 'Error' : 'Success', traceback: error ? String((error as Error).stack ?? error) : undefined } : {}),
    }).catch((err) => log.warn('could not record an instance action event', { error: errText(err) }))
  }

  /** One action: check the task state is still ours, run it, record the event and a fault on failure. */
  const act: AgentContext['act'] = (args, step) => withLock(args.instance.uuid, async () => {
    const uuid = args.instance.uuid
    const i = await conductor.instanceGet({ uuid })
    if (!i || !step.expected.includes(i.task_state)) {
      log.info(`skipping ${step.event} for instance ${uuid}: its task state changed to ${i?.task_state ?? 'deleted'}`)
      return
    }
    await event(args, step.event, 'start')
    try {
      const changes = await step.run(i)
      await update(uuid, { task_state: null, ...changes }, step.expected)
      await event(args, step.event, 'finish')
    } catch (err) {
      log.error(`${step.event} failed for instance ${uuid}: ${errText(err)}`)
      await update(uuid, { task_state: null, ...(step.onError === 'error' ? { vm_state: VmState.ERROR } : {}), power_state: await driver.powerState(uuid) })
      await conductor.addFault({ uuid, code: 500, message: errText(err), details: String((err as Error).stack ?? ''), host })
      await event(args, step.event, 'finish', err)
    }
  })

  const ctx: AgentContext = { ...deps, withLock, act, update, event }

  async function build(b: BuildRequest): Promise<void> {
    const uuid = b.instance.uuid
    const args = { context: b.context, instance: b.instance }
    await withLock(uuid, async () => {
      await event(args, 'compute__do_build_and_run_instance', 'start')
      let i = await update(uuid, { task_state: TaskState.NETWORKING }, [TaskState.SCHEDULING])
      if (!i) return log.info(`instance ${uuid} was deleted before its build started on ${host}`)
      let info: NetworkInfo = []
      let spawned = false
      try {
        if (b.requestedNetworks !== 'none' && b.requestedNetworks !== 'auto' && b.requestedNetworks.length) {
          info = await allocateForInstance(deps.network, b.context.token, i, b.requestedNetworks, host, i.security_groups)
        }
        i = await update(uuid, { task_state: TaskState.SPAWNING, info_cache: info }, [TaskState.NETWORKING])
        if (!i) throw new Error('deleted during networking')
        await driver.spawn(guestOf(i, { adminPassword: b.adminPassword, injectedFiles: b.injectedFiles ?? [] }))
        spawned = true
        const done = await update(uuid, {
          vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: new Date().toISOString(), progress: 0,
        }, [TaskState.SPAWNING])
        if (!done) throw new Error('deleted during spawn')
        log.info(`instance ${uuid} is running on ${host}`, { request_id: b.context.requestId })
        await event(args, 'compute__do_build_and_run_instance', 'finish')
      } catch (err) {
        const now = await conductor.instanceGet({ uuid })
        if (!now || now.task_state === TaskState.DELETING) {
          // Deleted meanwhile: the terminate queued behind this lock cleans up the guest and ports.
          await update(uuid, { info_cache: info })
          await event(args, 'compute__do_build_and_run_instance', 'finish')
          return
        }
        if (spawned) await driver.destroy(uuid).catch(() => {})
        if (info.length) await deallocateForInstance(deps.network, { ...i!, info_cache: info }).catch(() => {})
        await event(args, 'compute__do_build_and_run_instance', 'finish', err)
        const status = (err as { status?: number }).status
        // A bad request of the user's (an address in use, over quota) fails the same on every host.
        const build = status && status < 500 ? { ...b, alternates: [] } : b
        await deps.castConductor('rescheduleBuild', { build, failedHost: host, reason: errText(err) })
      }
    })
  }

  async function terminate(args: ActionRequest): Promise<void> {
    const uuid = args.instance.uuid
    await withLock(uuid, async () => {
      const i = await conductor.instanceGet({ uuid })
      if (!i) return
      await event(args, 'compute_terminate_instance', 'start')
      try {
        await driver.destroy(uuid)
        await deallocateForInstance(deps.network, i)
        await event(args, 'compute_terminate_instance', 'finish')
        await conductor.instanceDestroyed({ uuid })
      } catch (err) {
        log.error(`could not delete instance ${uuid}: ${errText(err)}`)
        await update(uuid, { vm_state: VmState.ERROR, task_state: null })
        await conductor.addFault({ uuid, code: 500, message: errText(err), details: String((err as Error).stack ?? ''), host })
        await event(args, 'compute_terminate_instance', 'finish', err)
      }
    })
  }

  const power = (event: string, expected: string, run: (i: Instance) => Promise<unknown>, changes: InstanceChanges) =>
    (args: ActionRequest) => act(args, { event, expected: [expected], run: async (i) => { await run(i); return changes } })

  const rpc: AgentRpc = {
    buildAndRunInstance: build,
    terminateInstance: terminate,
    stopInstance: power('compute_stop_instance', TaskState.POWERING_OFF, (i) => driver.powerOff(i.uuid, 60),
      { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN }),
    startInstance: (args) => act(args, {
      event: 'compute_start_instance', expected: [TaskState.POWERING_ON],
      run: async (i) => {
        await driver.powerOn(guestOf(i))
        // The end of unshelving a server that was never offloaded: its snapshot is not needed any more.
        return { ...(await forgetShelvedImage(ctx, args, i)), vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING }
      },
    }),
    rebootInstance: (args) => act(args, {
      event: 'compute_reboot_instance',
      expected: args.type === 'HARD' ? [TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD] : [TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED],
      run: async (i) => {
        await driver.reboot(guestOf(i), args.type)
        return { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING }
      },
    }),
    pauseInstance: power('compute_pause_instance', TaskState.PAUSING, (i) => driver.pause(i.uuid), { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED }),
    unpauseInstance: power('compute_unpause_instance', TaskState.UNPAUSING, (i) => driver.unpause(i.uuid), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING }),
    suspendInstance: power('compute_suspend_instance', TaskState.SUSPENDING, (i) => driver.suspend(i.uuid), { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED }),
    resumeInstance: power('compute_resume_instance', TaskState.RESUMING, (i) => driver.resume(guestOf(i)), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING }),
    async getConsoleOutput({ instance, length }) {
      const text = await driver.consoleOutput(instance.uuid)
      return length === null ? text : tailLines(text, length)
    },
    async getDiagnostics({ instance }) {
      const state = await driver.powerState(instance.uuid)
      if (state !== PowerState.RUNNING) throw conflict(`Cannot 'get_diagnostics' instance ${instance.uuid} while it is in power state ${POWER_STATE_NAMES[state]}`)
      return driver.diagnostics(instance.uuid)
    },
    ...moreAgentActions(ctx),
  }

  async function registerNode(): Promise<void> {
    const r = await driver.hostResources()
    const a = config.agent
    const nodeUuid = nodeUuidOf(r.hypervisorHostname)
    await deps.claims.ensureProvider({
      uuid: nodeUuid, name: r.hypervisorHostname,
      inventories: {
        VCPU: { total: r.vcpus, reserved: 0, allocation_ratio: a.cpuAllocationRatio, max_unit: r.vcpus },
        MEMORY_MB: { total: r.memoryMb, reserved: a.reservedHostMemoryMb, allocation_ratio: a.ramAllocationRatio, max_unit: r.memoryMb },
        DISK_GB: { total: r.localGb, reserved: Math.ceil(a.reservedHostDiskMb / 1024), allocation_ratio: a.diskAllocationRatio, max_unit: r.localGb },
      },
      // os-traits has no ENABLED trait: an enabled host simply lacks COMPUTE_STATUS_DISABLED (Nova sets that one while the service is disabled).
      traits: ['COMPUTE_NET_ATTACH_INTERFACE'],
    })
    await report(r)
  }

  let resources: Awaited<ReturnType<VirtDriver['hostResources']>> | undefined
  async function report(r = resources): Promise<void> {
    if (!r) return
    resources = r
    const a = config.agent
    await conductor.reportService({
      host, binary: 'nova-compute',
      node: {
        uuid: nodeUuidOf(r.hypervisorHostname), hypervisorHostname: r.hypervisorHostname, hypervisorType: r.hypervisorType,
        hypervisorVersion: r.hypervisorVersion, hostIp: r.hostIp, vcpus: r.vcpus, memoryMb: r.memoryMb, localGb: r.localGb,
        cpuInfo: r.cpuInfo, cpuAllocationRatio: a.cpuAllocationRatio, ramAllocationRatio: a.ramAllocationRatio,
        diskAllocationRatio: a.diskAllocationRatio, reservedHostMemoryMb: a.reservedHostMemoryMb, reservedHostDiskMb: a.reservedHostDiskMb,
      },
    })
  }

  /** After a restart: put right what a dead process left half done (see recovery.ts). */
  const recover = () => recoverHost(ctx, rpc)

  /** Nova's _sync_power_states: the hypervisor is right about power; a guest that stopped by itself makes its server SHUTOFF. */
  async function syncPowerStates(): Promise<void> {
    const instances = await conductor.instancesOnHost({ host })
    for (const i of instances) {
      if (i.host !== host || i.task_state !== null) continue
      await withLock(i.uuid, async () => {
        const now = await conductor.instanceGet({ uuid: i.uuid })
        if (!now || now.task_state !== null || now.host !== host) return
        const p = await driver.powerState(i.uuid)
        const changes: InstanceChanges = {}
        if (p !== now.power_state) changes.power_state = p
        if (now.vm_state === VmState.ACTIVE && (p === PowerState.SHUTDOWN || p === PowerState.CRASHED || p === PowerState.NOSTATE)) {
          log.warn(`instance ${i.uuid} stopped outside Nubis (power state ${p}); marking it SHUTOFF`)
          changes.vm_state = VmState.STOPPED
        } else if (now.vm_state === VmState.STOPPED && p === PowerState.RUNNING) {
          log.warn(`instance ${i.uuid} should be stopped but runs; stopping it`)
          await driver.powerOff(i.uuid, 60)
          changes.power_state = PowerState.SHUTDOWN
        }
        if (Object.keys(changes).length) await update(i.uuid, changes, [null])
      })
    }
  }

  return {
    rpc,
    syncPowerStates,
    async start() {
      await driver.init(host)
      await registerNode()
      await recover()
      await syncPowerStates()
      timers.push(setInterval(() => void report().catch((err) => log.warn(`heartbeat of ${host} failed: ${errText(err)}`)), config.reportIntervalSec * 1000))
      if (config.syncPowerStateIntervalSec > 0) {
        timers.push(setInterval(() => void syncPowerStates().catch((err) => log.warn(`power-state sync failed: ${errText(err)}`)), config.syncPowerStateIntervalSec * 1000))
      }
      const offloadAfter = config.shelvedOffloadTimeSec ?? 0
      if (offloadAfter > 0) {
        timers.push(setInterval(() => void offloadOverdueShelved(ctx, rpc).catch((err) => log.warn(`offloading shelved servers failed: ${errText(err)}`)), Math.min(60, offloadAfter) * 1000))
      }
      const confirmWindow = config.resizeConfirmWindowSec ?? 0
      if (confirmWindow > 0) {
        timers.push(setInterval(() => void conductor.confirmOverdueResizes({ host }).catch((err) => log.warn(`auto-confirm of resizes failed: ${errText(err)}`)), Math.min(60, confirmWindow) * 1000))
      }
      for (const t of timers) t.unref()
    },
    async stop() {
      for (const t of timers) clearInterval(t)
    },
  }
}

/** The last `length` lines, cut the way Nova's compute manager cuts them: a trailing newline
 * counts as one (empty) last line, and 0 means the whole log. */
export function tailLines(text: string, length: number): string {
  const lines = text.split('\n')
  return length > 0 && length < lines.length ? lines.slice(-length).join('\n') : text
}
