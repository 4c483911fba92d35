/**
 * @module What a compute agent does when it starts again (Nova's init_host and _init_instance):
 * every instance this host owns or is receiving, and every unfinished migration from or to it,
 * is brought to a state a user can act on, and each decision is logged in plain words.
 *
 * Nothing else sweeps, by design. A conductor that dies in the middle of a move leaves the
 * instance in a move task state with its source (or destination) host set; that host's agent
 * puts it right at its next start, by the rules below. A sweep at the conductor's start could
 * not tell a dead conductor's moves from those a live one is driving (any number of conductors
 * share the topic), while every later step of a move runs on the agents of its two hosts. In
 * the all-in-one process (`nubis up`) the conductor and the agent die and start together.
 *
 * By task state, on the host where it is safe to act:
 * - resize_prep (either host): nothing has left the source yet. Rolled back: the migration
 *   record's allocation goes back to the instance, the migration to error, the task cleared.
 *   Nova only clears the task state; we also free the destination, which Nova leaves to the
 *   operator. A prep_resize or resize_instance still in flight then sees the task state changed
 *   and does nothing.
 * - resize_migrating (source): rolled back as Nova does. The guest comes back on the source
 *   (finish_revert_migration when its disks were already handed over), powered on unless it was
 *   stopped; allocations back, migration in error, task cleared. If the hypervisor cannot give
 *   the guest back, the instance goes to ERROR with a fault.
 * - resize_migrated / resize_finish: the disks are on the destination and only it can finish.
 *   Its agent runs finish_resize again (idempotent: the hypervisor step is skipped when the
 *   guest is already there); the source leaves the move alone, as Nova does.
 * - resize_reverting: the destination runs revert_resize again (it removes its copy, then has
 *   the source finish the revert); the source asks the destination to. Both steps are idempotent.
 * - a confirm under way (migration 'confirming'; the API keeps the task state empty): the source
 *   runs confirm_resize again, which is idempotent.
 * - migrating (live, source): if the guest still runs here the migration is aborted (Nova):
 *   task cleared, the migration in error, allocations back. If it already left, the destination
 *   is asked to finish (post_live_migration_at_destination); if it cannot, ERROR with a fault.
 *   The destination's agent leaves a live migration to the source.
 * - deleting, building and the other task states (snapshots, power actions): as before, the
 *   delete is finished, the build failed, the rest cleared (Nova).
 * Then any migration of this host still marked in flight whose instance is idle or gone (its
 * conductor died, or it was reset) goes to error, with the allocation given back.
 */
import type { Instance, RequestContext } from '../model/instance.ts'
import type { Migration } from '../model/migration.ts'
import { PowerState, TaskState, VmState } from '../model/states.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { AgentContext } from './context.ts'
import { guestOf } from './guest.ts'
import { cleanUpEvacuated } from './move-actions.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** Statuses of a migration whose workflow was still running (Nova's in-progress migrations). */
const IN_FLIGHT = new Set(['accepted', 'queued', 'pre-migrating', 'migrating', 'post-migrating', 'preparing', 'running'])

export async function recoverHost(ctx: AgentContext, rpc: AgentRpc): Promise<void> {
  const { host, driver, conductor, log } = ctx
  await cleanUpEvacuated(ctx).catch((err) => log.error(`could not clean up after evacuations from ${host}: ${errText(err)}`))
  const instances = await conductor.instancesOnHost({ host })
  const known = new Set(instances.map((i) => i.uuid))
  for (const g of await driver.listGuests()) {
    if (!known.has(g.uuid)) {
      log.warn(`removing guest ${g.uuid}: no instance on ${host} owns it`)
      await driver.destroy(g.uuid).catch((err) => log.error(`could not remove guest ${g.uuid}`, { error: errText(err) }))
    }
  }
  const system: RequestContext = { requestId: `req-init-host-${host}`, userId: '', projectId: '', roles: ['admin'], isAdmin: true, token: '' }
  const migrations = await conductor.migrationsOfHost({ host })
  const recover = instanceRecovery(ctx, rpc, system)
  for (const i of instances) {
    const m = migrations.filter((x) => x.instance_uuid === i.uuid).at(-1)
    await recover(i, m).catch((err) => log.error(`could not recover instance ${i.uuid} (${i.vm_state}/${i.task_state ?? 'no task'}) on ${host}: ${errText(err)}`))
  }
  for (const m of await conductor.migrationsOfHost({ host })) {
    if (!IN_FLIGHT.has(m.status)) continue
    const i = await conductor.instanceGet({ uuid: m.instance_uuid })
    if (i && i.task_state !== null) continue
    const back = Boolean(i && i.host === m.source_compute)
    log.warn(`${m.migration_type} ${m.uuid} of instance ${m.instance_uuid} was left '${m.status}' with ${i ? 'the instance idle' : 'the instance deleted'}: setting it to error and ${back ? 'giving the instance back its allocation' : 'freeing what it held'}`)
    await conductor.allocationsMoved({ instanceUuid: m.instance_uuid, migrationUuid: m.uuid, outcome: back ? 'reverted' : 'confirmed' })
      .catch((err) => log.error(`could not free the allocation of migration ${m.uuid}: ${errText(err)}`))
    await conductor.migrationUpdate({ uuid: m.uuid, status: 'error' })
  }
}

function instanceRecovery(ctx: AgentContext, rpc: AgentRpc, context: RequestContext) {
  const { host, driver, conductor, log } = ctx
  const args = (i: Instance): ActionRequest => ({ context, instance: i })
  const fault = (uuid: string, message: string) => conductor.addFault({ uuid, code: 500, message, details: '', host })

  /** Ends the move with the instance idle where it was: allocations back, migration in error. */
  async function rollBack(i: Instance, m: Migration | undefined, changes: InstanceChanges): Promise<void> {
    if (m) {
      await conductor.allocationsMoved({ instanceUuid: i.uuid, migrationUuid: m.uuid, outcome: 'reverted' })
        .catch((err) => log.error(`could not give instance ${i.uuid} its allocation back from migration ${m.uuid}: ${errText(err)}`))
      await conductor.migrationUpdate({ uuid: m.uuid, status: 'error' })
    }
    await ctx.update(i.uuid, { task_state: null, migration_host: null, ...changes }, [i.task_state])
  }

  async function broken(i: Instance, m: Migration | undefined, message: string): Promise<void> {
    log.error(`instance ${i.uuid}: ${message}; setting it to ERROR`)
    if (m) await conductor.migrationUpdate({ uuid: m.uuid, status: 'error' })
    await ctx.update(i.uuid, { vm_state: VmState.ERROR, task_state: null, power_state: await driver.powerState(i.uuid) })
    await fault(i.uuid, message)
  }

  /** resize_migrating on the source: the guest comes back here, as it was. */
  async function revertOnSource(i: Instance, m: Migration | undefined): Promise<void> {
    const powerOn = (i.system_metadata.old_vm_state ?? i.vm_state) !== VmState.STOPPED
    try {
      const state = await driver.powerState(i.uuid)
      if (state === PowerState.NOSTATE) await driver.finishRevertMigration(guestOf(i), powerOn)
      else if (powerOn && state !== PowerState.RUNNING) await driver.powerOn(guestOf(i))
      else if (!powerOn && state === PowerState.RUNNING) await driver.powerOff(i.uuid, 60)
    } catch (err) {
      await rollBack(i, m, { new_flavor: null, old_flavor: null })
      return broken(i, undefined, `The ${m?.migration_type ?? 'resize'} was interrupted by a restart of the compute service on ${host} and the guest could not be restored: ${errText(err)}`)
    }
    await rollBack(i, m, { new_flavor: null, old_flavor: null, power_state: await driver.powerState(i.uuid) })
    log.warn(`instance ${i.uuid} was found in resize_migrating on ${host} (its ${m?.migration_type ?? 'resize'} was interrupted): rolled back; the guest is on ${host} again ${powerOn ? 'and running' : 'and stopped'}, migration ${m?.uuid ?? '(none)'} set to error`)
  }

  /** migrating on the source: abort where the guest still runs here, else have the destination finish. */
  async function liveMigrationOnSource(i: Instance, m: Migration | undefined): Promise<void> {
    if ((await driver.powerState(i.uuid)) !== PowerState.NOSTATE) {
      await rollBack(i, m, { power_state: await driver.powerState(i.uuid) })
      log.warn(`instance ${i.uuid} was found live-migrating from ${host} to ${i.migration_host ?? '?'}: the guest still runs here, so the migration ${m?.uuid ?? '(none)'} is set to error and the instance stays on ${host}`)
      return
    }
    if (m?.status === 'running' && m.dest_compute && ctx.agents) {
      log.warn(`instance ${i.uuid} was found live-migrating from ${host}: its guest left, asking ${m.dest_compute} to finish the migration`)
      try {
        await ctx.agents.call(m.dest_compute).postLiveMigrationAtDestination({ context, instance: i, migrationUuid: m.uuid })
        return
      } catch (err) {
        return broken(i, m, `The live migration to ${m.dest_compute} was interrupted by a restart of the compute service on ${host} and could not be finished: ${errText(err)}`)
      }
    }
    return broken(i, m, `The live migration was interrupted by a restart of the compute service on ${host} and the guest is no longer on ${host}.`)
  }

  return async (i: Instance, m: Migration | undefined): Promise<void> => {
    const t = i.task_state
    const owner = i.host === host
    const receiving = !owner && i.migration_host === host
    if (t === TaskState.DELETING && owner) {
      log.info(`instance ${i.uuid} was being deleted when the compute service stopped: finishing the delete`)
      await rpc.terminateInstance(args(i))
    } else if (i.vm_state === VmState.BUILDING && owner) {
      log.warn(`instance ${i.uuid} was being built when the compute service stopped; setting it to ERROR`)
      await ctx.update(i.uuid, { vm_state: VmState.ERROR, task_state: null })
      await fault(i.uuid, 'Instance build was interrupted by a restart of the compute service.')
    } else if (t === TaskState.RESIZE_PREP) {
      await ctx.withLock(i.uuid, () => rollBack(i, m, { new_flavor: null, old_flavor: null }))
      log.warn(`instance ${i.uuid} was found in resize_prep on ${host} (${owner ? 'source' : 'destination'}): nothing had moved yet; the move is abandoned, migration ${m?.uuid ?? '(none)'} set to error, allocations given back`)
    } else if (t === TaskState.RESIZE_MIGRATING && owner) {
      await ctx.withLock(i.uuid, () => revertOnSource(i, m))
    } else if ((t === TaskState.RESIZE_MIGRATED || t === TaskState.RESIZE_FINISH) && receiving && m) {
      log.warn(`instance ${i.uuid} was found in ${t} arriving on ${host}: finishing its ${m.migration_type} here`)
      await rpc.finishResize({ ...args(i), migrationUuid: m.uuid })
    } else if (t === TaskState.RESIZE_REVERTING && m && (owner || receiving)) {
      log.warn(`instance ${i.uuid} was found in resize_reverting on ${host} (${owner ? 'destination' : 'source'}): ${owner ? 'reverting again' : `asking ${i.host} to revert again`}`)
      if (owner) await rpc.revertResize({ ...args(i), migrationUuid: m.uuid })
      else if (ctx.agents && i.host) await ctx.agents.cast(i.host, 'revertResize', { ...args(i), migrationUuid: m.uuid })
    } else if (i.vm_state === VmState.RESIZED && (t === null || t === TaskState.RESIZE_CONFIRMING) && m?.status === 'confirming' && m.source_compute === host) {
      log.warn(`the confirm of the resize of instance ${i.uuid} was under way when ${host} stopped: confirming again`)
      if (t !== null) await ctx.update(i.uuid, { task_state: null }, [t])
      await rpc.confirmResize({ ...args(i), migrationUuid: m.uuid })
    } else if (t === TaskState.MIGRATING && owner) {
      await ctx.withLock(i.uuid, () => liveMigrationOnSource(i, m))
    } else if (t !== null && owner && !t.startsWith('resize') && t !== TaskState.MIGRATING) {
      log.info(`instance ${i.uuid} was found in ${t} on ${host}: clearing the interrupted task`)
      await ctx.update(i.uuid, { task_state: null, power_state: await driver.powerState(i.uuid) })
    } else if (t !== null) {
      log.info(`instance ${i.uuid} is in ${t} with ${i.host} as its host: left for ${owner ? 'the other host of its move' : i.host} to finish`)
    }
  }
}
