/**
 * @module The agent's side of the two-host moves, each step on the host Nova runs it on:
 * resize and cold migration (prep_resize on the destination, resize_instance on the source,
 * finish_resize on the destination; confirm on the source; revert on the destination then the
 * source), live migration (pre on the destination, the move from the source, post on the
 * destination) and evacuation (rebuild on the destination; the source cleans up when its agent
 * comes back). Every step records its instance action event; a failure leaves a fault, the
 * migration in error and the instance in a state the user can act on.
 */
import type { Instance } from '../model/instance.ts'
import type { Migration } from '../model/migration.ts'
import { PowerState, TaskState, VmState } from '../model/states.ts'
import { bindPortsToHost } from '../network/network-api.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { AgentContext, ComputeAgentDeps } from './context.ts'
import { guestOf } from './guest.ts'

type Moves = Pick<AgentRpc, 'prepResize' | 'resizeInstance' | 'finishResize' | 'confirmResize' | 'revertResize' | 'finishRevertResize' |
  'preLiveMigration' | 'liveMigration' | 'postLiveMigrationAtDestination' | 'evacuateInstance'>

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

type MoveStep = {
  event: string
  expected: Array<string | null>
  run: (i: Instance) => Promise<void>
  /** Puts things back after `run` threw (the event and the log are taken care of). */
  fail: (i: Instance, err: unknown) => Promise<void>
}

function withoutOldVmState(i: Instance): Record<string, string> {
  const { old_vm_state: _old, ...rest } = i.system_metadata
  return rest
}

export function moveAgentActions(ctx: AgentContext): Moves {
  const { host, driver, conductor, log } = ctx

  const peers = () => {
    if (!ctx.agents) throw new Error('this compute agent was started without a way to reach other hosts')
    return ctx.agents
  }

  const fault = (uuid: string, err: unknown) =>
    conductor.addFault({ uuid, code: (err as { status?: number }).status ?? 500, message: errText(err), details: String((err as Error).stack ?? ''), host })
      .catch((e) => log.warn(`could not record a fault for instance ${uuid}: ${errText(e)}`))

  const migration = async (uuid: string): Promise<Migration> => {
    const m = await conductor.migrationGet({ uuid })
    if (!m) throw new Error(`migration ${uuid} does not exist`)
    return m
  }

  const setMigration = (uuid: string, status: string) =>
    conductor.migrationUpdate({ uuid, status }).catch((err) => log.warn(`could not set migration ${uuid} to ${status}: ${errText(err)}`))

  /** The ports follow the guest: bound to this host before it runs here. */
  const portsHere = async (i: Instance) => (i.info_cache.length ? bindPortsToHost(ctx.network, i, host) : i.info_cache)

  function step(args: ActionRequest, s: MoveStep): Promise<void> {
    const uuid = args.instance.uuid
    return ctx.withLock(uuid, async () => {
      const i = await conductor.instanceGet({ uuid })
      if (!i || !s.expected.includes(i.task_state)) {
        log.info(`skipping ${s.event} for instance ${uuid}: its task state changed to ${i?.task_state ?? 'deleted'}`)
        return
      }
      await ctx.event(args, s.event, 'start')
      try {
        await s.run(i)
        await ctx.event(args, s.event, 'finish')
      } catch (err) {
        log.error(`${s.event} failed for instance ${uuid} on ${host}: ${errText(err)}`)
        await s.fail(i, err).catch((e) => log.error(`could not clean up after the failed ${s.event} of instance ${uuid}: ${errText(e)}`))
        await ctx.event(args, s.event, 'finish', err)
      }
    })
  }

  /** A resize or migration that failed before the guest moved: the source keeps it, allocations go back. */
  async function rollbackResize(i: Instance, migrationUuid: string, err: unknown, extra: InstanceChanges = {}): Promise<void> {
    await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid, outcome: 'reverted' })
      .catch((e) => log.error(`could not give instance ${i.uuid} its allocation back: ${errText(e)}`))
    await setMigration(migrationUuid, 'error')
    await ctx.update(i.uuid, { task_state: null, new_flavor: null, old_flavor: null, migration_host: null, ...extra })
    await fault(i.uuid, err)
  }

  /** A step after the guest left the source failed: the instance needs an admin (ERROR), the migration is in error. */
  async function brokenMove(i: Instance, migrationUuid: string, err: unknown, extra: InstanceChanges = {}): Promise<void> {
    await setMigration(migrationUuid, 'error')
    await ctx.update(i.uuid, { vm_state: VmState.ERROR, task_state: null, ...extra })
    await fault(i.uuid, err)
  }

  return {
    prepResize: (args) => step(args, {
      event: 'compute_prep_resize', expected: [TaskState.RESIZE_PREP],
      async run(i) {
        const f = args.newFlavor
        const r = await driver.hostResources()
        if (f.vcpus > r.vcpus || f.memory_mb > r.memoryMb || f.root_gb + f.ephemeral_gb > r.localGb) {
          throw new Error(`Host ${host} is too small for flavor ${f.name} (${f.vcpus} VCPU, ${f.memory_mb} MB RAM, ${f.root_gb + f.ephemeral_gb} GB disk).`)
        }
        if (i.host !== host && (await driver.powerState(i.uuid)) !== PowerState.NOSTATE) throw new Error(`A guest of instance ${i.uuid} already exists on ${host}.`)
        await peers().cast(i.host!, 'resizeInstance', { context: args.context, instance: i, migrationUuid: args.migrationUuid, destHost: host })
      },
      async fail(_i, err) {
        // Nova's reschedule of a failed prep_resize: the conductor tries the next alternate (or gives up).
        await ctx.castConductor('migrateServer', {
          context: args.context, instanceUuid: args.instance.uuid, newFlavorId: args.newFlavor.flavorid, host: null,
          retry: { migrationUuid: args.migrationUuid, alternates: args.alternates ?? [], failedHost: host, reason: errText(err) },
        })
      },
    }),

    resizeInstance: (args) => step(args, {
      event: 'compute_resize_instance', expected: [TaskState.RESIZE_PREP],
      async run(i) {
        await conductor.migrationUpdate({ uuid: args.migrationUuid, status: 'migrating' })
        // Nothing leaves this host unless the move is still ours (a restarted agent may have abandoned it).
        if (!(await ctx.update(i.uuid, { task_state: TaskState.RESIZE_MIGRATING }, [TaskState.RESIZE_PREP]))) {
          throw new Error(`instance ${i.uuid} changed state before its disks were migrated`)
        }
        await driver.migrateDiskAndPowerOff(i.uuid, args.destHost, i.new_flavor ?? i.flavor)
        await conductor.migrationUpdate({ uuid: args.migrationUuid, status: 'post-migrating' })
        const migrated = await ctx.update(i.uuid, { task_state: TaskState.RESIZE_MIGRATED, power_state: PowerState.SHUTDOWN }, [TaskState.RESIZE_MIGRATING])
        if (!migrated) throw new Error(`instance ${i.uuid} changed state while its disks were being migrated`)
        await peers().cast(args.destHost, 'finishResize', { context: args.context, instance: migrated, migrationUuid: args.migrationUuid })
      },
      fail: async (i, err) => rollbackResize(i, args.migrationUuid, err, { power_state: await driver.powerState(i.uuid) }),
    }),

    finishResize: (args) => step(args, {
      // resize_finish too: a restarted destination finishes what its previous run began.
      event: 'compute_finish_resize', expected: [TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH],
      async run(i) {
        const m = await migration(args.migrationUuid)
        await ctx.update(i.uuid, { task_state: TaskState.RESIZE_FINISH }, [TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH])
        const info = await portsHere(i)
        const flavor = i.new_flavor ?? i.flavor
        const powerOn = i.vm_state !== VmState.STOPPED
        // Idempotent: a guest already here is the one an interrupted run made.
        if ((await driver.powerState(i.uuid)) === PowerState.NOSTATE) await driver.finishMigration(guestOf({ ...i, flavor, info_cache: info }), powerOn)
        await conductor.migrationUpdate({ uuid: m.uuid, status: 'finished' })
        await ctx.update(i.uuid, {
          vm_state: VmState.RESIZED, task_state: null, host, node: m.dest_node, flavor, old_flavor: i.flavor, new_flavor: flavor,
          migration_host: m.source_compute, info_cache: info, power_state: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN, progress: 100,
          system_metadata: { ...i.system_metadata, old_vm_state: i.vm_state },
        }, [TaskState.RESIZE_FINISH])
      },
      fail: (i, err) => brokenMove(i, args.migrationUuid, err),
    }),

    confirmResize: (args) => step(args, {
      event: 'compute_confirm_resize', expected: [null],
      async run(i) {
        if (i.vm_state !== VmState.RESIZED) return
        await driver.confirmMigration(i.uuid)
        await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid: args.migrationUuid, outcome: 'confirmed' })
        await conductor.migrationUpdate({ uuid: args.migrationUuid, status: 'confirmed' })
        await ctx.update(i.uuid, {
          vm_state: i.power_state === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE, old_flavor: null, new_flavor: null,
          migration_host: null, system_metadata: withoutOldVmState(i),
        }, [null])
      },
      fail: (i, err) => brokenMove(i, args.migrationUuid, err),
    }),

    revertResize: (args) => step(args, {
      event: 'compute_revert_resize', expected: [TaskState.RESIZE_REVERTING],
      async run(i) {
        const m = await migration(args.migrationUuid)
        await driver.destroy(i.uuid)
        await peers().cast(m.source_compute!, 'finishRevertResize', { context: args.context, instance: i, migrationUuid: m.uuid })
      },
      fail: (i, err) => brokenMove(i, args.migrationUuid, err),
    }),

    finishRevertResize: (args) => step(args, {
      event: 'compute_finish_revert_resize', expected: [TaskState.RESIZE_REVERTING],
      async run(i) {
        const m = await migration(args.migrationUuid)
        const flavor = i.old_flavor ?? i.flavor
        const stopped = i.system_metadata.old_vm_state === VmState.STOPPED
        await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid: m.uuid, outcome: 'reverted' })
        const info = await portsHere(i)
        // Idempotent: a guest already back here is the one an interrupted run restored.
        if ((await driver.powerState(i.uuid)) === PowerState.NOSTATE) await driver.finishRevertMigration(guestOf({ ...i, flavor, info_cache: info }), !stopped)
        await conductor.migrationUpdate({ uuid: m.uuid, status: 'reverted' })
        await ctx.update(i.uuid, {
          vm_state: stopped ? VmState.STOPPED : VmState.ACTIVE, task_state: null, host, node: m.source_node, flavor, old_flavor: null, new_flavor: null,
          migration_host: null, info_cache: info, power_state: stopped ? PowerState.SHUTDOWN : PowerState.RUNNING, system_metadata: withoutOldVmState(i),
        }, [TaskState.RESIZE_REVERTING])
      },
      fail: (i, err) => brokenMove(i, args.migrationUuid, err),
    }),

    async preLiveMigration(args) {
      const uuid = args.instance.uuid
      await ctx.withLock(uuid, async () => {
        const i = await conductor.instanceGet({ uuid })
        if (!i || i.task_state !== TaskState.MIGRATING) throw new Error(`instance ${uuid} is no longer being migrated`)
        await ctx.event(args, 'compute_pre_live_migration', 'start')
        try {
          await driver.preLiveMigration(guestOf(i))
          await ctx.event(args, 'compute_pre_live_migration', 'finish')
        } catch (err) {
          await ctx.event(args, 'compute_pre_live_migration', 'finish', err)
          throw err
        }
      })
    },

    liveMigration: (args) => {
      let moved = false
      return step(args, {
        event: 'compute_live_migration', expected: [TaskState.MIGRATING],
        async run(i) {
          await conductor.migrationUpdate({ uuid: args.migrationUuid, status: 'running' })
          await driver.liveMigrate(i.uuid, args.destHost)
          moved = true
          await peers().call(args.destHost).postLiveMigrationAtDestination({ context: args.context, instance: i, migrationUuid: args.migrationUuid })
        },
        async fail(i, err) {
          if (moved) return brokenMove(i, args.migrationUuid, err)
          // The guest never left: it keeps running here, the destination's claim goes back to the source.
          await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid: args.migrationUuid, outcome: 'reverted' })
            .catch((e) => log.error(`could not give instance ${i.uuid} its allocation back: ${errText(e)}`))
          await setMigration(args.migrationUuid, 'failed')
          await ctx.update(i.uuid, { task_state: null, migration_host: null, power_state: await driver.powerState(i.uuid) })
          await fault(i.uuid, err)
        },
      })
    },

    async postLiveMigrationAtDestination(args) {
      const uuid = args.instance.uuid
      await ctx.withLock(uuid, async () => {
        await ctx.event(args, 'compute_post_live_migration_at_destination', 'start')
        try {
          const i = (await conductor.instanceGet({ uuid })) ?? args.instance
          const m = await migration(args.migrationUuid)
          const info = await portsHere(i)
          // Idempotent: a guest already here is the one an interrupted run took over.
          if ((await driver.powerState(uuid)) === PowerState.NOSTATE) await driver.postLiveMigrationAtDestination(guestOf({ ...i, info_cache: info }))
          // Source freed and migration done before the server looks idle again, so whoever waits on it sees the end state.
          await conductor.allocationsMoved({ instanceUuid: uuid, migrationUuid: m.uuid, outcome: 'finished' })
          await conductor.migrationUpdate({ uuid: m.uuid, status: 'completed' })
          await ctx.update(uuid, {
            host, node: m.dest_node, task_state: null, migration_host: null, info_cache: info, power_state: await driver.powerState(uuid),
          }, [TaskState.MIGRATING])
          await ctx.event(args, 'compute_post_live_migration_at_destination', 'finish')
        } catch (err) {
          await ctx.event(args, 'compute_post_live_migration_at_destination', 'finish', err)
          throw err
        }
      })
    },

    evacuateInstance: (args) => {
      let spawned = false
      return step(args, {
        event: 'compute_rebuild_instance', expected: [TaskState.REBUILDING],
        async run(i) {
          const here = await ctx.update(i.uuid, { host, node: args.selection.node, task_state: TaskState.REBUILD_SPAWNING }, [TaskState.REBUILDING])
          if (!here) throw new Error(`instance ${i.uuid} changed state before its evacuation started`)
          const info = await portsHere(here)
          await driver.spawn(guestOf({ ...here, image_ref: args.imageRef || here.image_ref, info_cache: info }, { adminPassword: args.adminPassword }))
          spawned = true
          if (args.stopped) await driver.powerOff(i.uuid, 60)
          await conductor.migrationUpdate({ uuid: args.migrationUuid, status: 'done' })
          await ctx.update(i.uuid, {
            vm_state: args.stopped ? VmState.STOPPED : VmState.ACTIVE, task_state: null, migration_host: null, info_cache: info,
            power_state: await driver.powerState(i.uuid), launched_at: new Date().toISOString(),
          }, [TaskState.REBUILD_SPAWNING])
        },
        async fail(i, err) {
          if (spawned) await driver.destroy(i.uuid).catch(() => {})
          const m = await conductor.migrationGet({ uuid: args.migrationUuid })
          await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid: args.migrationUuid, outcome: 'reverted' })
            .catch((e) => log.error(`could not give instance ${i.uuid} its allocation back: ${errText(e)}`))
          await setMigration(args.migrationUuid, 'failed')
          await ctx.update(i.uuid, {
            vm_state: VmState.ERROR, task_state: null, migration_host: null, ...(m ? { host: m.source_compute, node: m.source_node } : {}),
          })
          await fault(i.uuid, err)
        },
      })
    },
  }
}

/**
 * When an agent comes back after its host was evacuated: its guests of evacuated instances
 * must not run again (they live elsewhere now). Destroys them, frees what the evacuations
 * kept on this host, and completes those migrations (Nova's _destroy_evacuated_instances).
 */
export async function cleanUpEvacuated(deps: Pick<ComputeAgentDeps, 'host' | 'driver' | 'conductor' | 'log'>): Promise<void> {
  const { host, driver, conductor, log } = deps
  for (const m of await conductor.evacuationsFrom({ host })) {
    const i = await conductor.instanceGet({ uuid: m.instance_uuid })
    if (!i || i.host !== host) {
      log.warn(`destroying guest ${m.instance_uuid}: its instance was evacuated to ${i?.host ?? m.dest_compute} while ${host} was down`)
      await driver.destroy(m.instance_uuid)
    }
    await conductor.allocationsMoved({ instanceUuid: m.instance_uuid, migrationUuid: m.uuid, outcome: 'confirmed' })
    await conductor.migrationUpdate({ uuid: m.uuid, status: 'completed' })
  }
}
