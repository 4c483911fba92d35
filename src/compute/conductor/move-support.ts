/**
 * @module What the move workflows share: the instance's request spec, the one placement step
 * that hands the source host's allocation to the migration record and gives the instance the
 * destination's, its reverse, and ending a move that failed in the conductor.
 */
import { actionEvent, addFault } from '../db/actions.ts'
import { findMigration, updateMigration } from '../db/migrations-records.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import type { Instance, RequestSpec, Selection } from '../model/instance.ts'
import { MIGRATION_DONE } from '../model/migration.ts'
import { flavorResources, type Candidate } from '../model/placement.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** The request spec the instance was booted with (the scheduler places a move the same way), for `flavor`. */
export async function requestSpecOf(deps: ConductorDeps, i: Instance, flavor = i.flavor): Promise<RequestSpec> {
  const row = await deps.db.selectFrom('request_specs').select('spec').where('instance_uuid', '=', i.uuid).executeTakeFirst()
  const stored: Partial<RequestSpec> = row ? JSON.parse(row.spec) : {}
  return {
    project_id: i.project_id, user_id: i.user_id, availability_zone: i.availability_zone, scheduler_hints: {}, instance_group: null,
    requested_networks: 'none', boot_from_volume: !i.image_ref,
    image: { id: i.image_ref, properties: {}, min_disk: 0, min_ram: 0, size: 0 },
    ...stored, flavor, num_instances: 1, ignore_hosts: [], force_hosts: [],
  }
}

/** The allocation an instance of `flavor` needs on the compute node `nodeUuid`. */
export function allocationOn(nodeUuid: string, i: Instance, flavor = i.flavor): Candidate['allocation'] {
  return { [nodeUuid]: { resources: flavorResources(flavor, !i.image_ref) } }
}

/**
 * One POST /allocations: the migration record takes over what the instance holds on the source,
 * and the instance holds `dest` (for a resize on the same host: both, on one provider). False
 * when placement refused (the destination filled up meanwhile).
 */
export async function moveToMigration(deps: ConductorDeps, i: Instance, migrationUuid: string, dest: Candidate['allocation']): Promise<boolean> {
  const source = await deps.claims.allocationsOf(i.uuid)
  return deps.claims.move([
    { consumer: migrationUuid, allocation: source, projectId: i.project_id, userId: i.user_id },
    { consumer: i.uuid, allocation: dest, projectId: i.project_id, userId: i.user_id },
  ])
}

/** The reverse: the instance takes back what the migration record holds (its source), in one step. */
export async function moveBackToInstance(deps: ConductorDeps, instanceUuid: string, migrationUuid: string): Promise<void> {
  const held = await deps.claims.allocationsOf(migrationUuid)
  if (!Object.keys(held).length) return
  const m = await findMigration(deps.db, migrationUuid)
  const i = await findInstance(deps.db, instanceUuid, { deleted: true })
  const projectId = i?.project_id ?? m?.project_id ?? ''
  const userId = i?.user_id ?? m?.user_id ?? ''
  const ok = await deps.claims.move([
    { consumer: instanceUuid, allocation: held, projectId, userId },
    { consumer: migrationUuid, allocation: {}, projectId, userId },
  ])
  if (!ok) throw new Error(`placement refused to give instance ${instanceUuid} back its allocation held by migration ${migrationUuid}`)
}

/**
 * Schedules a move. The scheduler claims the chosen host under the migration's uuid (so nothing
 * the instance holds is touched while it looks); the claim then becomes the instance's in
 * {@link moveToMigration}. Returns the chosen host and the alternates (unclaimed).
 */
export async function scheduleMove(deps: ConductorDeps, i: Instance, migrationUuid: string, spec: RequestSpec, alternates: boolean): Promise<{ chosen: Selection; alternates: Selection[] }> {
  const [selections] = await deps.rpc.scheduler.selectDestinations({ spec, instanceUuids: [migrationUuid], returnAlternates: alternates })
  const [chosen, ...rest] = selections
  if (!(await moveToMigration(deps, i, migrationUuid, chosen.allocation))) {
    await deps.claims.release(migrationUuid).catch(() => {})
    throw Object.assign(new Error(`No valid host was found. Host ${chosen.host} ran out of room while the move was being set up.`), { name: 'NoValidHost' })
  }
  return { chosen, alternates: rest }
}

/** The compute node of a host, or undefined when the host has no compute service. */
export async function computeNodeOf(deps: ConductorDeps, host: string): Promise<{ uuid: string; hypervisor_hostname: string } | undefined> {
  return deps.db.selectFrom('compute_nodes').select(['uuid', 'hypervisor_hostname']).where('host', '=', host).orderBy('id').executeTakeFirst()
}

/** Whether the host's compute service is up (heartbeat recent, not forced down) and enabled. */
export async function serviceState(deps: ConductorDeps, host: string): Promise<{ exists: boolean; up: boolean; disabled: boolean }> {
  const s = await deps.db.selectFrom('compute_services').select(['disabled', 'forced_down', 'last_seen_up'])
    .where('host', '=', host).where('binary', '=', 'nova-compute').executeTakeFirst()
  if (!s) return { exists: false, up: false, disabled: false }
  const cutoff = Date.now() - deps.config.serviceDownTimeSec * 1000
  return { exists: true, up: !Number(s.forced_down) && s.last_seen_up !== null && Date.parse(s.last_seen_up) >= cutoff, disabled: Boolean(Number(s.disabled)) }
}

/**
 * A move the conductor could not start: the migration ends in `status`, the instance is idle
 * again in its old state (with `restore`), a fault and the failed event are recorded.
 */
export async function moveFailed(
  deps: ConductorDeps, a: { instanceUuid: string; migrationUuid: string; requestId: string; event: string; status: string; restore: InstanceChanges; expectedTaskState: string },
  err: unknown,
): Promise<void> {
  const message = errText(err)
  await updateMigration(deps.db, a.migrationUuid, { status: a.status })
  const i = await updateInstance(deps.db, a.instanceUuid, { task_state: null, migration_host: null, ...a.restore }, { taskState: [a.expectedTaskState] })
  if (i) await addFault(deps.db, { uuid: a.instanceUuid, code: (err as { status?: number }).status ?? 500, message, details: String((err as Error).stack ?? ''), host: deps.host })
  await actionEvent(deps.db, { uuid: a.instanceUuid, requestId: a.requestId, event: a.event, phase: 'finish', result: 'Error', traceback: message, host: deps.host })
  deps.log.warn(`${a.event} of instance ${a.instanceUuid} failed: ${message}`)
}

/** A deleted instance's unfinished moves: their migration records hold a source host's resources; free them. */
export async function releaseMoveAllocations(deps: ConductorDeps, instanceUuid: string): Promise<void> {
  const open = await deps.db.selectFrom('instance_migrations').select('uuid').where('instance_uuid', '=', instanceUuid)
    .where('status', 'not in', [...MIGRATION_DONE]).execute()
  for (const m of open) {
    await deps.claims.release(m.uuid).catch((err) => deps.log.warn(`could not free the allocation of migration ${m.uuid}`, { error: errText(err) }))
    await updateMigration(deps.db, m.uuid, { status: 'error' })
  }
}

export const isNoValidHost = (err: unknown) => {
  const e = err as { name?: string; remoteName?: string }
  return e.name === 'NoValidHost' || e.remoteName === 'NoValidHost'
}

export { errText }
