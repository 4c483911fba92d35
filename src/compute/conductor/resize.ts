/**
 * @module Resize and cold migration (Nova's conductor MigrationTask): record the migration,
 * schedule a destination (never the source for a migration; for a resize only with
 * allowResizeToSameHost), move the allocations in one placement step, and start prep_resize on
 * the destination's agent. The agents take it from there (prep → resize on the source → finish
 * on the destination); a failed prep comes back here to try the next alternate.
 */
import { actionEvent } from '../db/actions.ts'
import { createMigration, findMigration, updateMigration } from '../db/migrations-records.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import type { Instance } from '../model/instance.ts'
import { TaskState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'
import { errText, moveBackToInstance, moveFailed, requestSpecOf, scheduleMove } from './move-support.ts'

const EVENT = 'conductor_migrate_server'

/** What a failed resize or migration puts back on the instance. */
const restoreOf = (i: Instance) => ({ new_flavor: null, old_flavor: null, migration_host: null, vm_state: i.vm_state })

export function resizeWorkflows(deps: ConductorDeps): Pick<ConductorRpc, 'migrateServer'> {
  const { db, log } = deps

  async function reschedule(args: Parameters<ConductorRpc['migrateServer']>[0] & { retry: NonNullable<Parameters<ConductorRpc['migrateServer']>[0]['retry']> }): Promise<void> {
    const { context, instanceUuid, retry } = args
    const i = await findInstance(db, instanceUuid)
    const m = await findMigration(db, retry.migrationUuid)
    if (!m) return
    if (!i || i.task_state !== TaskState.RESIZE_PREP) {
      await moveBackToInstance(deps, instanceUuid, m.uuid).catch(() => {})
      await updateMigration(db, m.uuid, { status: 'error' })
      return
    }
    log.warn(`prep_resize of instance ${instanceUuid} failed on ${retry.failedHost}: ${retry.reason}`)
    await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'start', host: deps.host })
    for (const [n, alt] of retry.alternates.entries()) {
      // The migration record keeps the source; only the instance's claim moves to the alternate.
      const ok = await deps.claims.move([{ consumer: instanceUuid, allocation: alt.allocation, projectId: i.project_id, userId: i.user_id }])
      if (!ok) continue
      await updateMigration(db, m.uuid, { dest_compute: alt.host, dest_node: alt.node, dest_host: alt.host })
      const moved = await updateInstance(db, instanceUuid, { migration_host: alt.host }, { taskState: [TaskState.RESIZE_PREP] })
      if (!moved) break
      await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Success', host: deps.host })
      log.info(`rescheduling the ${m.migration_type} of instance ${instanceUuid} to ${alt.host}`)
      await deps.rpc.castAgent(alt.host, 'prepResize', {
        context, instance: moved, migrationUuid: m.uuid, selection: alt, newFlavor: moved.new_flavor ?? moved.flavor, alternates: retry.alternates.slice(n + 1),
      })
      return
    }
    await moveBackToInstance(deps, instanceUuid, m.uuid).catch((err) => log.error(`could not give instance ${instanceUuid} its allocation back: ${errText(err)}`))
    const tried = retry.alternates.length + 1
    await moveFailed(deps, { instanceUuid, migrationUuid: m.uuid, requestId: context.requestId, event: EVENT, status: 'error', restore: restoreOf(i), expectedTaskState: TaskState.RESIZE_PREP },
      new Error(`No valid host was found. Exceeded max scheduling attempts ${tried} for instance ${instanceUuid}. Last exception: ${retry.reason}`))
  }

  return {
    async migrateServer(args) {
      if (args.retry) return reschedule({ ...args, retry: args.retry })
      const { context, instanceUuid, host } = args
      const i = await findInstance(db, instanceUuid)
      if (!i || i.task_state !== TaskState.RESIZE_PREP || !i.host) {
        log.info(`not migrating instance ${instanceUuid}: its task state is now ${i?.task_state ?? 'deleted'}`)
        return
      }
      await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'start', host: deps.host })
      const newFlavor = i.new_flavor ?? i.flavor
      const resize = newFlavor.flavorid !== i.flavor.flavorid
      const m = await createMigration(db, {
        instance_uuid: i.uuid, migration_type: resize ? 'resize' : 'migration', status: 'pre-migrating',
        source_compute: i.host, source_node: i.node, old_flavorid: i.flavor.flavorid, new_flavorid: newFlavor.flavorid,
        project_id: i.project_id, user_id: i.user_id,
      })
      const fail = (err: unknown) => moveFailed(deps, {
        instanceUuid, migrationUuid: m.uuid, requestId: context.requestId, event: EVENT, status: 'error', restore: restoreOf(i), expectedTaskState: TaskState.RESIZE_PREP,
      }, err)
      let placed
      try {
        const spec = await requestSpecOf(deps, i, newFlavor)
        // A migration never stays; a resize may, where the operator allows it (Nova's allow_resize_to_same_host).
        spec.ignore_hosts = resize && deps.config.allowResizeToSameHost ? [] : [i.host]
        spec.force_hosts = host ? [host] : []
        placed = await scheduleMove(deps, i, m.uuid, spec, true)
      } catch (err) {
        return fail(err)
      }
      const { chosen, alternates } = placed
      await updateMigration(db, m.uuid, { dest_compute: chosen.host, dest_node: chosen.node, dest_host: chosen.host })
      const moving = await updateInstance(db, instanceUuid, { migration_host: chosen.host }, { taskState: [TaskState.RESIZE_PREP] })
      if (!moving) {
        // Deleted or reset meanwhile: give the source back to the instance and forget the move.
        await moveBackToInstance(deps, instanceUuid, m.uuid).catch(() => {})
        await updateMigration(db, m.uuid, { status: 'error' })
        return
      }
      await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Success', host: deps.host })
      log.info(`${m.migration_type} of instance ${instanceUuid}: ${i.host} → ${chosen.host}`, { migration: m.uuid })
      await deps.rpc.castAgent(chosen.host, 'prepResize', { context, instance: moving, migrationUuid: m.uuid, selection: chosen, newFlavor, alternates })
    },
  }
}
