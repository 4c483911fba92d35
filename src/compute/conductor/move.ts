/**
 * @module Workflows that move an instance between hosts: cold migration and resize, live
 * migration, evacuation and unshelve, and what the agents ask of the conductor while they move
 * one (the migration record, the allocations' last step).
 */
import { evacuationsFrom, findMigration } from '../db/migrations-records.ts'
import { NovaError } from '../errors.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'
import { evacuateWorkflows } from './evacuate.ts'
import { liveMigrateWorkflows } from './live-migrate.ts'
import { moveBackToInstance } from './move-support.ts'
import { resizeWorkflows } from './resize.ts'

type Moves = Pick<ConductorRpc, 'migrateServer' | 'liveMigrateServer' | 'evacuateServer' | 'unshelveServer' | 'allocationsMoved' | 'migrationGet' | 'evacuationsFrom'>

export function moveWorkflows(deps: ConductorDeps): Moves {
  const notYet = async () => {
    throw new NovaError(501, 'Not implemented yet.')
  }
  return {
    ...resizeWorkflows(deps),
    ...liveMigrateWorkflows(deps),
    ...evacuateWorkflows(deps),
    unshelveServer: notYet,

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
  }
}
