/**
 * @module What every /servers/{id} handler starts with: the instance if the caller may see it
 * (404 otherwise, so other projects' servers do not exist for them), its view with faults and
 * volumes, and Nova's state checks for actions (409 with Nova's words).
 */
import { callerOf } from '../../identity/auth-middleware.ts'
import { latestFaults, recordAction } from '../db/actions.ts'
import { findInstance, instancesOf, updateInstance } from '../db/instances.ts'
import { conflict, instanceNotFound, invalidState } from '../errors.ts'
import type { Instance } from '../model/instance.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import { can, isAdmin, linkBase, versionOf, type ComputeApiDeps, type ComputeRequest } from './context.ts'
import { serverView, type ServerViewExtras, type ViewOptions } from './views/server.ts'

/**
 * The instance, or 404 when it does not exist, is deleted (unless `opts.deleted`), or belongs to
 * another project (non-admins).
 */
export async function serverForCaller(deps: ComputeApiDeps, req: ComputeRequest, id: string, opts: { deleted?: boolean } = {}): Promise<Instance> {
  const i = await findInstance(deps.db, id, opts)
  if (!i) throw instanceNotFound(id)
  if (i.project_id !== callerOf(req).projectId && !isAdmin(deps, req)) throw instanceNotFound(id)
  return i
}

export function viewOptions(deps: ComputeApiDeps, req: ComputeRequest, kind: ViewOptions['kind'], target: Record<string, unknown> = {}): ViewOptions {
  return {
    version: versionOf(req), base: linkBase(req), kind,
    extendedAttrs: can(deps, req, 'os-extended-server-attributes', target),
    flavorExtraSpecs: can(deps, req, 'servers:show:flavor-extra-specs', target),
    showHostStatus: can(deps, req, 'servers:show:host_status', target),
  }
}

/** Views of several instances with their faults, volumes and host states loaded in a few queries. */
export async function serverViews(deps: ComputeApiDeps, req: ComputeRequest, instances: Instance[], kind: ViewOptions['kind'], showServerGroups = false): Promise<Record<string, unknown>[]> {
  const uuids = instances.map((i) => i.uuid)
  const faults = await latestFaults(deps.db, uuids.filter((_, n) => instances[n].vm_state === 'error' || instances[n].deleted))
  const bdms = uuids.length
    ? await deps.db.selectFrom('block_device_mappings').select(['instance_uuid', 'volume_id', 'delete_on_termination'])
      .where('instance_uuid', 'in', uuids).where('volume_id', 'is not', null).orderBy('id').execute()
    : []
  const groups = showServerGroups && uuids.length
    ? await deps.db.selectFrom('server_group_members').innerJoin('server_groups', 'server_groups.id', 'server_group_members.group_id')
      .select(['server_group_members.instance_uuid', 'server_groups.uuid']).where('instance_uuid', 'in', uuids).execute()
    : []
  const hostStatus = await hostStatuses(deps, instances.map((i) => i.host).filter((h): h is string => Boolean(h)))
  const opts = viewOptions(deps, req, kind)
  return instances.map((i) => {
    const extras: ServerViewExtras = {
      fault: faults.get(i.uuid),
      volumes: bdms.filter((b) => b.instance_uuid === i.uuid).map((b) => ({ id: b.volume_id!, delete_on_termination: Boolean(Number(b.delete_on_termination)) })),
      serverGroups: groups.filter((g) => g.instance_uuid === i.uuid).map((g) => g.uuid),
      hostStatus: i.host ? hostStatus.get(i.host) ?? 'UNKNOWN' : '',
    }
    return serverView(i, { ...opts, showServerGroups }, extras)
  })
}

export async function serverViewOf(deps: ComputeApiDeps, req: ComputeRequest, i: Instance, kind: ViewOptions['kind']): Promise<Record<string, unknown>> {
  return (await serverViews(deps, req, [i], kind, true))[0]
}

/** UP / DOWN / MAINTENANCE per host, from its compute service's heartbeat (Nova's host_status). */
async function hostStatuses(deps: ComputeApiDeps, hosts: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (!hosts.length) return out
  const rows = await deps.db.selectFrom('compute_services').select(['host', 'disabled', 'forced_down', 'last_seen_up'])
    .where('binary', '=', 'nova-compute').where('host', 'in', [...new Set(hosts)]).execute()
  const cutoff = Date.now() - deps.config.serviceDownTimeSec * 1000
  for (const r of rows) {
    const up = !Number(r.forced_down) && r.last_seen_up !== null && Date.parse(r.last_seen_up) >= cutoff
    out.set(r.host, !up ? 'DOWN' : Number(r.disabled) ? 'MAINTENANCE' : 'UP')
  }
  return out
}

export type Transition = {
  /** The action's name as Nova's 409 names it ('stop', 'pause', ...). */
  action: string
  /** vm_states the action is allowed in (undefined: any). */
  vmStates?: string[]
  /** task_states allowed (null: idle; undefined: any). */
  taskStates?: Array<string | null>
  /** What to set when it starts (usually the new task_state). */
  changes: InstanceChanges
  /** The instance-action name recorded for os-instance-actions (e.g. 'stop'); none when undefined. */
  record?: string
  /** Admins pass a lock; others get 409 on a locked server (lock and unlock themselves pass). */
  ignoreLock?: boolean
}

/** Checks the state, records the action, and applies the starting changes atomically (409 if another request won). */
export async function beginTransition(deps: ComputeApiDeps, req: ComputeRequest, i: Instance, t: Transition): Promise<Instance> {
  if (!t.ignoreLock && i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
  if (t.vmStates && !t.vmStates.includes(i.vm_state)) throw invalidState(t.action, i.uuid, 'vm_state', i.vm_state)
  if (t.taskStates && !t.taskStates.includes(i.task_state)) throw invalidState(t.action, i.uuid, 'task_state', i.task_state)
  const updated = await updateInstance(deps.db, i.uuid, t.changes, { taskState: t.taskStates, vmState: t.vmStates })
  if (!updated) {
    const now = await findInstance(deps.db, i.uuid)
    if (!now) throw instanceNotFound(i.uuid)
    throw invalidState(t.action, i.uuid, 'task_state', now.task_state)
  }
  if (t.record) {
    const c = callerOf(req)
    await recordAction(deps.db, { action: t.record, instanceUuid: i.uuid, requestId: req.requestId, userId: c.userId, projectId: c.projectId ?? i.project_id })
  }
  return updated
}

export { instancesOf }
