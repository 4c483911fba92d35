/**
 * @module Workflows that move an instance between hosts: cold migration and resize, live
 * migration, evacuation and unshelve, and what the agents ask of the conductor while they move
 * one (the migration record, the allocations' last step).
 */
import { randomUUID } from 'node:crypto'
import { recordAction } from '../db/actions.ts'
import { findInstance } from '../db/instances.ts'
import { evacuationsFrom, findMigration, openMigrationsOfHost, updateMigration } from '../db/migrations-records.ts'
import { VmState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'
import { evacuateWorkflows } from './evacuate.ts'
import { liveMigrateWorkflows } from './live-migrate.ts'
import { moveBackToInstance } from './move-support.ts'
import { resizeWorkflows } from './resize.ts'
import { unshelveWorkflows } from './unshelve.ts'

type Moves = Pick<ConductorRpc, 'migrateServer' | 'liveMigrateServer' | 'evacuateServer' | 'unshelveServer' | 'allocationsMoved' | 'migrationGet' | 'evacuationsFrom' | 'migrationsOfHost' | 'confirmOverdueResizes'>

export function moveWorkflows(deps: ConductorDeps): Moves {
  return {
    ...resizeWorkflows(deps),
    ...liveMigrateWorkflows(deps),
    ...evacuateWorkflows(deps),
    ...unshelveWorkflows(deps),

    /**
     * The last placement step of a move. confirmed / finished: the source is free, so the
     * migration record's allocation goes. reverted: the instance takes the source back.
     */
    async allocationsMoved({ instanceUuid, migrationUuid, outcome }) {
      if (outcome === 'reverted') await moveBackToInstance(deps, instanceUuid, migrationUuid)
      else await deps.claims.release(migrationUuid)
    },

    async migrationGet({ uuid }) {
      return (await findMigration(deps.db, uuid)) ?? null
    },

    evacuationsFrom: ({ host }) => evacuationsFrom(deps.db, host, ['done']),

    migrationsOfHost: ({ host }) => openMigrationsOfHost(deps.db, host),

    async confirmOverdueResizes({ host }) {
      const windowSec = deps.config.resizeConfirmWindowSec ?? 0
      if (windowSec <= 0) return 0
      const cutoff = new Date(Date.now() - windowSec * 1000).toISOString()
      const overdue = await deps.db.selectFrom('instance_migrations').select(['uuid', 'instance_uuid', 'source_compute']).where('dest_compute', '=', host)
        .where('status', '=', 'finished').where('migration_type', 'in', ['resize', 'migration']).where('updated_at', '<', cutoff).execute()
      let confirmed = 0
      for (const m of overdue) {
        const i = await findInstance(deps.db, m.instance_uuid)
        if (!i || i.vm_state !== VmState.RESIZED || i.task_state !== null || !m.source_compute) continue
        if (!(await updateMigration(deps.db, m.uuid, { status: 'confirming' }, ['finished']))) continue
        const requestId = `req-${randomUUID()}`
        await recordAction(deps.db, { action: 'confirmResize', instanceUuid: i.uuid, requestId, userId: i.user_id, projectId: i.project_id })
        deps.log.info(`confirming the resize of instance ${i.uuid}: it waited longer than ${windowSec} s`)
        await deps.rpc.castAgent(m.source_compute, 'confirmResize', {
          context: { requestId, userId: i.user_id, projectId: i.project_id, roles: ['admin'], isAdmin: true, token: '' }, instance: i, migrationUuid: m.uuid,
        })
        confirmed++
      }
      return confirmed
    },
  }
}
