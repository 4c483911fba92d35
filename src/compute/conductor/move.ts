/**
 * @module Workflows that move an instance between hosts: cold migration and resize, live
 * migration, evacuation and unshelve.
 */
import { NovaError } from '../errors.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'

type Moves = Pick<ConductorRpc, 'migrateServer' | 'liveMigrateServer' | 'evacuateServer' | 'unshelveServer' | 'allocationsMoved'>

export function moveWorkflows(_deps: ConductorDeps): Moves {
  const notYet = async () => {
    throw new NovaError(501, 'Not implemented yet.')
  }
  return { migrateServer: notYet, liveMigrateServer: notYet, evacuateServer: notYet, unshelveServer: notYet, allocationsMoved: notYet }
}
