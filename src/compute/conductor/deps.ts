import type { Kysely } from 'kysely'
import type { Logger } from '../../common/log/logger.ts'
import type { ComputeConfig } from '../config.ts'
import type { ComputeDb } from '../db/schema.ts'
import type { ResourceClaims } from '../model/placement.ts'
import type { ComputeRpc } from '../rpc/clients.ts'

/** What the conductor's workflows share. */
export type ConductorDeps = {
  db: Kysely<ComputeDb>
  config: ComputeConfig
  rpc: ComputeRpc
  claims: ResourceClaims
  log: Logger
  /** This process's host name, for action events. */
  host: string
  /** Marks an instance deleted and frees what it held (the end of every delete). */
  destroyed(uuid: string): Promise<void>
}
