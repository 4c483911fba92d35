/**
 * @module The conductor's RPC API (topic `conductor`): the multi-step workflows the API starts,
 * and the only path from compute agents to the database (agents never open it, as in Nova).
 */
import type { InjectedFile, Instance, RequestContext, RequestSpec, Selection } from '../model/instance.ts'
import type { Migration } from '../model/migration.ts'

export const CONDUCTOR_TOPIC = 'conductor'

export type InstanceChanges = Partial<Omit<Instance, 'uuid' | 'tags' | 'created_at'>>

export type ServiceReport = {
  host: string
  binary: string
  /** Resources of the host's hypervisor (compute agents only). */
  node?: {
    uuid: string
    hypervisorHostname: string
    hypervisorType: string
    hypervisorVersion: number
    hostIp: string
    vcpus: number
    memoryMb: number
    localGb: number
    cpuInfo: Record<string, unknown>
    cpuAllocationRatio: number
    ramAllocationRatio: number
    diskAllocationRatio: number
    reservedHostMemoryMb: number
    reservedHostDiskMb: number
  }
}

export type ConductorRpc = {
  /** From the API: schedule and build these instances (cast). */
  buildInstances(args: { context: RequestContext; instanceUuids: string[]; spec: RequestSpec; adminPassword: string | null; requestedNetworks: RequestSpec['requested_networks']; blockDevices: unknown[]; injectedFiles?: InjectedFile[] }): Promise<void>
  /** From the API: cold migrate or resize; schedules, then starts prep_resize on the destination (call, so the API can answer 400/409 with no host). */
  migrateServer(args: {
    context: RequestContext; instanceUuid: string; newFlavorId: string | null; host: string | null
    /** From the destination's agent when prep_resize failed there: try the next alternate. */
    retry?: { migrationUuid: string; alternates: Selection[]; failedHost: string; reason: string }
  }): Promise<void>
  /** Checks and schedules, then starts the move (the API calls it before 2.34 so it can answer 400, casts it after). */
  liveMigrateServer(args: { context: RequestContext; instanceUuid: string; host: string | null; blockMigration?: boolean | null; force?: boolean }): Promise<void>
  /** Rebuilds the instance of a down host elsewhere; the API created the evacuation's migration record. */
  evacuateServer(args: { context: RequestContext; instanceUuid: string; host: string | null; adminPassword: string | null; migrationUuid?: string; force?: boolean; stopped?: boolean }): Promise<void>
  /** Shelved: powers the guest on where it is. Offloaded: schedules with the stored request spec (the API saved any new zone), to `host` if given, and boots it there (cast). */
  unshelveServer(args: { context: RequestContext; instanceUuid: string; host: string | null }): Promise<void>

  /** From agents. */
  reportService(args: ServiceReport): Promise<{ serviceUuid: string; disabled: boolean }>
  instanceGet(args: { uuid: string }): Promise<Instance | null>
  instancesOnHost(args: { host: string }): Promise<Instance[]>
  /** Applies the changes; with `expectedTaskState` only when the instance's task_state is still one of those (else returns null). */
  instanceUpdate(args: { uuid: string; changes: InstanceChanges; expectedTaskState?: Array<string | null> }): Promise<Instance | null>
  /** Marks the instance deleted and frees its placement allocation and group membership. */
  instanceDestroyed(args: { uuid: string }): Promise<void>
  addFault(args: { uuid: string; code: number; message: string; details: string; host: string }): Promise<void>
  actionEvent(args: { uuid: string; requestId: string; event: string; phase: 'start' | 'finish'; result?: 'Success' | 'Error'; traceback?: string; host: string }): Promise<void>
  /** A build failed on `failedHost`: try the next alternate or put the instance in ERROR with a fault. */
  rescheduleBuild(args: { build: unknown; failedHost: string; reason: string }): Promise<void>
  migrationUpdate(args: { uuid: string; status: string }): Promise<void>
  migrationGet(args: { uuid: string }): Promise<Migration | null>
  /** The unfinished migrations from or to `host` (any status but the final ones), oldest first: what its agent's restart must look at. */
  migrationsOfHost(args: { host: string }): Promise<Migration[]>
  /** Evacuations away from `host` its agent has not cleaned up after (it destroys those guests when it comes back). */
  evacuationsFrom(args: { host: string }): Promise<Migration[]>
  /** Confirms the resizes onto `host` left in VERIFY_RESIZE longer than resizeConfirmWindowSec (Nova's _poll_unconfirmed_resizes); returns how many. */
  confirmOverdueResizes(args: { host: string }): Promise<number>
  /** Moves the instance's allocation between consumers/providers (finish of resize / migration / revert). */
  allocationsMoved(args: { instanceUuid: string; migrationUuid: string; outcome: 'confirmed' | 'reverted' | 'finished' }): Promise<void>
}

export type SchedulerRpc = {
  /** Hosts for `count` instances: for each, the chosen host first, then alternates. Claims allocations for the chosen. */
  selectDestinations(args: { spec: RequestSpec; instanceUuids: string[]; returnAlternates: boolean }): Promise<Selection[][]>
}
export const SCHEDULER_TOPIC = 'scheduler'
