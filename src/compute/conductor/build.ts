/**
 * @module The build workflow (Nova's conductor schedule_and_build_instances): ask the scheduler
 * for hosts, record the choice on each instance, hand it to that host's agent with alternates,
 * and when a build fails on a host, move on to the next alternate or end in ERROR with a fault.
 */
import { actionEvent, addFault } from '../db/actions.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import type { Instance, Selection } from '../model/instance.ts'
import { TaskState, VmState } from '../model/states.ts'
import type { BuildRequest } from '../rpc/agent-rpc.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import type { ConductorDeps } from './deps.ts'

/** Puts the instance in ERROR with a fault the user sees in `GET /servers/{id}`. */
export async function failInstance(deps: ConductorDeps, uuid: string, code: number, message: string, details = '', requestId?: string, event?: string): Promise<void> {
  const updated = await updateInstance(deps.db, uuid, { vm_state: VmState.ERROR, task_state: null })
  if (!updated) return
  await addFault(deps.db, { uuid, code, message, details, host: updated.host })
  if (requestId && event) {
    await actionEvent(deps.db, { uuid, requestId, event, phase: 'finish', result: 'Error', traceback: details || message, host: deps.host })
  }
  deps.log.warn(`instance ${uuid} is in ERROR: ${message}`)
}

/** The availability zone of `host`: its aggregate's, else the default one. */
export async function hostZone(deps: ConductorDeps, host: string): Promise<string> {
  const row = await deps.db.selectFrom('host_aggregate_metadata').innerJoin('host_aggregate_hosts', 'host_aggregate_hosts.aggregate_id', 'host_aggregate_metadata.aggregate_id')
    .select('host_aggregate_metadata.value').where('host_aggregate_hosts.host', '=', host).where('host_aggregate_metadata.key', '=', 'availability_zone').executeTakeFirst()
  return row?.value ?? deps.config.defaultAvailabilityZone
}

/** Records the chosen host on the instance and casts the build to its agent; false if the instance went away meanwhile. */
async function sendToHost(deps: ConductorDeps, instance: Instance, selection: Selection, rest: Omit<BuildRequest, 'instance' | 'selection'>): Promise<boolean> {
  const az = instance.availability_zone ?? await hostZone(deps, selection.host)
  const placed = await updateInstance(deps.db, instance.uuid, { host: selection.host, node: selection.node, availability_zone: az }, { taskState: [TaskState.SCHEDULING] })
  if (!placed) {
    await deps.claims.release(instance.uuid).catch(() => {})
    return false
  }
  await deps.rpc.castAgent(selection.host, 'buildAndRunInstance', { ...rest, instance: placed, selection })
  return true
}

export function buildWorkflows(deps: ConductorDeps): Pick<ConductorRpc, 'buildInstances' | 'rescheduleBuild'> {
  return {
    async buildInstances({ context, instanceUuids, spec, adminPassword, requestedNetworks, blockDevices, injectedFiles }) {
      for (const uuid of instanceUuids) {
        await actionEvent(deps.db, { uuid, requestId: context.requestId, event: 'conductor_schedule_and_build_instances', phase: 'start', host: deps.host })
      }
      let selections: Selection[][]
      try {
        selections = await deps.rpc.scheduler.selectDestinations({ spec, instanceUuids, returnAlternates: true })
      } catch (err) {
        const e = err as Error & { remoteName?: string }
        const noHost = e.remoteName === 'NoValidHost' || e.name === 'NoValidHost'
        for (const uuid of instanceUuids) {
          await failInstance(deps, uuid, 500, noHost ? e.message : `Scheduling failed: ${e.message}`, noHost ? '' : String(e.stack ?? ''),
            context.requestId, 'conductor_schedule_and_build_instances')
        }
        return
      }
      for (const [n, uuid] of instanceUuids.entries()) {
        const [chosen, ...alternates] = selections[n]
        await actionEvent(deps.db, { uuid, requestId: context.requestId, event: 'conductor_schedule_and_build_instances', phase: 'finish', result: 'Success', host: deps.host })
        const instance = await findInstance(deps.db, uuid)
        if (!instance || instance.task_state !== TaskState.SCHEDULING) {
          // Deleted while it was being scheduled: give the capacity back and finish the delete.
          await deps.claims.release(uuid).catch(() => {})
          if (instance?.task_state === TaskState.DELETING) await deps.destroyed(uuid)
          continue
        }
        const sent = await sendToHost(deps, instance, chosen, { context, spec, alternates, adminPassword, requestedNetworks, blockDevices: blockDevices as BuildRequest['blockDevices'], injectedFiles })
        if (!sent) await deps.destroyed(uuid)
      }
    },

    async rescheduleBuild({ build, failedHost, reason }) {
      const b = build as BuildRequest
      const uuid = b.instance.uuid
      await deps.claims.release(uuid).catch(() => {})
      const instance = await findInstance(deps.db, uuid)
      if (!instance) return
      if (instance.task_state === TaskState.DELETING) {
        await deps.destroyed(uuid)
        return
      }
      deps.log.warn(`build of instance ${uuid} failed on ${failedHost}: ${reason}`)
      for (const [n, alt] of b.alternates.entries()) {
        if (!(await deps.claims.claim(uuid, alt.allocation, b.spec.project_id, b.spec.user_id))) continue
        const back = await updateInstance(deps.db, uuid, { task_state: TaskState.SCHEDULING, host: null, node: null, info_cache: [] })
        if (!back) {
          await deps.claims.release(uuid).catch(() => {})
          return
        }
        deps.log.info(`rescheduling instance ${uuid} to ${alt.host}`)
        await sendToHost(deps, back, alt, { ...b, alternates: b.alternates.slice(n + 1) })
        return
      }
      await updateInstance(deps.db, uuid, { host: null, node: null })
      const tried = b.alternates.length + 1
      await failInstance(deps, uuid, 500, `No valid host was found. Exceeded max scheduling attempts ${tried} for instance ${uuid}. Last exception: ${reason}`,
        reason, b.context.requestId, 'compute__do_build_and_run_instance')
    },
  }
}
