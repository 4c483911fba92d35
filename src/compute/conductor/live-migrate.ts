/**
 * @module Live migration (Nova's conductor LiveMigrationTask): check the destination (another
 * host, up, enabled, with room) or let the scheduler choose one, move the allocations in one
 * placement step, have the destination prepare, then cast the migration to the source's agent.
 * Anything failing here gives the allocation back and leaves the server ACTIVE (or PAUSED) where
 * it was, with the migration in error. Errors reach the API (400) when it waits (before 2.34).
 */
import { actionEvent } from '../db/actions.ts'
import { createMigration, updateMigration } from '../db/migrations-records.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import { NovaError, badRequest } from '../errors.ts'
import type { Selection } from '../model/instance.ts'
import { TaskState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'
import { allocationOn, computeNodeOf, errText, isNoValidHost, moveBackToInstance, moveFailed, moveToMigration, requestSpecOf, scheduleMove, serviceState } from './move-support.ts'

const EVENT = 'conductor_live_migrate_instance'

export function liveMigrateWorkflows(deps: ConductorDeps): Pick<ConductorRpc, 'liveMigrateServer'> {
  const { db, log } = deps
  return {
    async liveMigrateServer({ context, instanceUuid, host, force }) {
      const i = await findInstance(db, instanceUuid)
      if (!i || i.task_state !== TaskState.MIGRATING || !i.host) return
      await actionEvent(db, { uuid: instanceUuid, requestId: context.requestId, event: EVENT, phase: 'start', host: deps.host })
      const m = await createMigration(db, {
        instance_uuid: i.uuid, migration_type: 'live-migration', status: 'accepted', source_compute: i.host, source_node: i.node,
        old_flavorid: i.flavor.flavorid, new_flavorid: i.flavor.flavorid, project_id: i.project_id, user_id: i.user_id,
      })
      let moved = false
      try {
        let dest: Selection
        if (host) {
          if (host === i.host) throw badRequest(`Unable to migrate instance (${i.uuid}) to current host (${i.host}).`)
          const svc = await serviceState(deps, host)
          const node = await computeNodeOf(deps, host)
          if (!svc.exists || !node) throw badRequest(`Compute host ${host} could not be found.`)
          if (!svc.up || svc.disabled) throw badRequest(`Compute service of ${host} is unavailable at this time.`)
        }
        if (host && force) {
          // Forced (2.30 to 2.67): no scheduler; placement alone says whether it fits.
          const node = (await computeNodeOf(deps, host))!
          const allocation = allocationOn(node.uuid, i)
          if (!(await moveToMigration(deps, i, m.uuid, allocation))) {
            throw badRequest(`Migration pre-check error: Unable to move instance ${i.uuid} to host ${host}. There is not enough capacity on the host for the instance.`)
          }
          dest = { host, node: node.hypervisor_hostname, compute_node_uuid: node.uuid, allocation }
        } else {
          const spec = await requestSpecOf(deps, i)
          spec.ignore_hosts = [i.host]
          spec.force_hosts = host ? [host] : []
          try {
            dest = (await scheduleMove(deps, i, m.uuid, spec, false)).chosen
          } catch (err) {
            if (isNoValidHost(err)) throw badRequest(errText(err))
            throw err
          }
        }
        moved = true
        await updateMigration(db, m.uuid, { dest_compute: dest.host, dest_node: dest.node, dest_host: dest.host, status: 'queued' })
        const migrating = await updateInstance(db, i.uuid, { migration_host: dest.host }, { taskState: [TaskState.MIGRATING] })
        if (!migrating) throw new NovaError(409, `Instance ${i.uuid} changed state while its live migration was being scheduled.`)
        await updateMigration(db, m.uuid, { status: 'preparing' })
        await deps.rpc.agent(dest.host).preLiveMigration({ context, instance: migrating, migrationUuid: m.uuid })
        await actionEvent(db, { uuid: i.uuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Success', host: deps.host })
        log.info(`live migration of instance ${i.uuid}: ${i.host} → ${dest.host}`, { migration: m.uuid })
        await deps.rpc.castAgent(i.host, 'liveMigration', { context, instance: migrating, migrationUuid: m.uuid, destHost: dest.host })
      } catch (err) {
        if (moved) await moveBackToInstance(deps, i.uuid, m.uuid).catch((e) => log.error(`could not give instance ${i.uuid} its allocation back: ${errText(e)}`))
        const status = (err as { status?: number }).status
        await moveFailed(deps, {
          instanceUuid: i.uuid, migrationUuid: m.uuid, requestId: context.requestId, event: EVENT, status: status && status < 500 ? 'error' : 'failed',
          restore: {}, expectedTaskState: TaskState.MIGRATING,
        }, err)
        if (status && status < 500) throw err
        throw badRequest(`Migration pre-check error: ${errText(err)}`)
      }
    },
  }
}
