/**
 * @module Evacuation (Nova's conductor rebuild_instance for an evacuate): the instance's host is
 * down, so schedule another (never the source), or take the forced one, move the allocations in
 * one placement step (the evacuation's migration record keeps the source's until that host's
 * agent comes back and cleans up), and cast the rebuild to the destination's agent.
 */
import { actionEvent } from '../db/actions.ts'
import { createMigration, findMigration, updateMigration } from '../db/migrations-records.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import type { Selection } from '../model/instance.ts'
import { TaskState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'
import { allocationOn, computeNodeOf, moveFailed, moveToMigration, requestSpecOf, scheduleMove } from './move-support.ts'

const EVENT = 'conductor_rebuild_server'

export function evacuateWorkflows(deps: ConductorDeps): Pick<ConductorRpc, 'evacuateServer'> {
  const { db, log } = deps
  return {
    async evacuateServer({ context, instanceUuid, host, adminPassword, migrationUuid, force, stopped }) {
      const i = await findInstance(db, instanceUuid)
      if (!i || i.task_state !== TaskState.REBUILDING || !i.host) return
      await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'start', host: deps.host })
      const m = (migrationUuid && await findMigration(db, migrationUuid)) || await createMigration(db, {
        instance_uuid: i.uuid, migration_type: 'evacuation', status: 'accepted', source_compute: i.host, source_node: i.node,
        old_flavorid: i.flavor.flavorid, new_flavorid: i.flavor.flavorid, project_id: i.project_id, user_id: i.user_id,
      })
      let dest: Selection
      try {
        if (host && force) {
          const node = await computeNodeOf(deps, host)
          if (!node) throw Object.assign(new Error(`Compute host ${host} could not be found.`), { status: 400 })
          const allocation = allocationOn(node.uuid, i)
          if (!(await moveToMigration(deps, i, m.uuid, allocation))) throw new Error(`No valid host was found. Host ${host} has no room for instance ${i.uuid}.`)
          dest = { host, node: node.hypervisor_hostname, compute_node_uuid: node.uuid, allocation }
        } else {
          const spec = await requestSpecOf(deps, i)
          spec.ignore_hosts = [i.host]
          spec.force_hosts = host ? [host] : []
          dest = (await scheduleMove(deps, i, m.uuid, spec, false)).chosen
        }
      } catch (err) {
        return moveFailed(deps, { instanceUuid, migrationUuid: m.uuid, requestId: context.requestId, event: EVENT, status: 'error', restore: {}, expectedTaskState: TaskState.REBUILDING }, err)
      }
      await updateMigration(db, m.uuid, { dest_compute: dest.host, dest_node: dest.node, dest_host: dest.host, status: 'pre-migrating' })
      const moving = await updateInstance(db, i.uuid, { migration_host: dest.host }, { taskState: [TaskState.REBUILDING] })
      if (!moving) return
      await actionEvent(db, { uuid: i.uuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Success', host: deps.host })
      log.info(`evacuating instance ${i.uuid} from ${i.host} to ${dest.host}`, { migration: m.uuid })
      await deps.rpc.castAgent(dest.host, 'evacuateInstance', {
        context, instance: moving, selection: dest, imageRef: i.image_ref, adminPassword, migrationUuid: m.uuid, stopped: Boolean(stopped),
      })
    },
  }
}
