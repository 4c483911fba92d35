/** Power and simple state actions: start, stop, reboot, pause, suspend, lock, reset state, force delete, console output. */
import { callerOf } from '../../../identity/auth-middleware.ts'
import { badRequest, conflict } from '../../errors.ts'
import { TaskState, VmState } from '../../model/states.ts'
import { recordAction } from '../../db/actions.ts'
import { updateInstance } from '../../db/instances.ts'
import { authorize, isAdmin, requestContext } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { versionOf } from '../context.ts'
import { beginTransition } from '../server-lookup.ts'
import { deleteServer } from '../handlers/servers.ts'
import { accepted, type ServerAction } from './action.ts'

const T = TaskState
const V = VmState
const REBOOT_TASKS = [null, T.REBOOTING, T.REBOOT_PENDING, T.REBOOT_STARTED, T.REBOOTING_HARD, T.REBOOT_PENDING_HARD, T.REBOOT_STARTED_HARD, T.RESUMING, T.UNPAUSING, T.PAUSING, T.SUSPENDING]

/** Start a simple one-host action: check state, set the task, cast to the agent. */
function simple(policy: string, action: string, vmStates: string[], task: string, method: 'stopInstance' | 'startInstance' | 'pauseInstance' | 'unpauseInstance' | 'suspendInstance' | 'resumeInstance'): ServerAction {
  return async (deps, req, i) => {
    authorize(deps, req, policy, { project_id: i.project_id })
    const started = await beginTransition(deps, req, i, { action, vmStates, taskStates: [null], changes: { task_state: task }, record: action })
    await deps.rpc.castAgent(started.host!, method, { context: requestContext(deps, req), instance: started })
    return accepted()
  }
}

export const powerActions: Record<string, ServerAction> = {
  'os-stop': simple('servers:stop', 'stop', [V.ACTIVE, V.ERROR], T.POWERING_OFF, 'stopInstance'),
  'os-start': simple('servers:start', 'start', [V.STOPPED], T.POWERING_ON, 'startInstance'),
  pause: simple('os-pause-server:pause', 'pause', [V.ACTIVE], T.PAUSING, 'pauseInstance'),
  unpause: simple('os-pause-server:unpause', 'unpause', [V.PAUSED], T.UNPAUSING, 'unpauseInstance'),
  suspend: simple('os-suspend-server:suspend', 'suspend', [V.ACTIVE], T.SUSPENDING, 'suspendInstance'),
  resume: simple('os-suspend-server:resume', 'resume', [V.SUSPENDED], T.RESUMING, 'resumeInstance'),

  async reboot(deps, req, i, body) {
    authorize(deps, req, 'servers:reboot', { project_id: i.project_id })
    const type = String(body?.type ?? '').toUpperCase()
    if (body === null || typeof body !== 'object' || !['SOFT', 'HARD'].includes(type)) {
      throw badRequest(`Invalid input for field/attribute type. Value: ${body?.type}. '${body?.type}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`)
    }
    const hard = type === 'HARD'
    // A soft reboot is only for a running server; a hard one also revives stopped, paused, suspended and broken ones.
    const started = await beginTransition(deps, req, i, hard
      ? { action: 'reboot', vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.ERROR], taskStates: REBOOT_TASKS, changes: { task_state: T.REBOOTING_HARD }, record: 'reboot' }
      : { action: 'reboot', vmStates: [V.ACTIVE], taskStates: [null], changes: { task_state: T.REBOOTING }, record: 'reboot' })
    await deps.rpc.castAgent(started.host!, 'rebootInstance', { context: requestContext(deps, req), instance: started, type: hard ? 'HARD' : 'SOFT' })
    return accepted()
  },

  async lock(deps, req, i, body) {
    authorize(deps, req, 'os-lock-server:lock', { project_id: i.project_id })
    const reason = body && typeof body === 'object' ? body.locked_reason : undefined
    if (reason !== undefined) {
      if (!atLeast(versionOf(req), '2.73')) throw badRequest("Invalid input for field/attribute lock. Additional properties are not allowed ('locked_reason' was unexpected)")
      if (typeof reason !== 'string' || reason.length > 255) throw badRequest('Invalid input for field/attribute locked_reason.')
    }
    await updateInstance(deps.db, i.uuid, { locked: true, locked_by: isAdmin(deps, req) && callerOf(req).projectId !== i.project_id ? 'admin' : 'owner', locked_reason: reason ?? null })
    await recordAction(deps.db, { action: 'lock', instanceUuid: i.uuid, requestId: req.requestId, userId: callerOf(req).userId, projectId: callerOf(req).projectId ?? i.project_id })
    return accepted()
  },

  async unlock(deps, req, i) {
    authorize(deps, req, 'os-lock-server:unlock', { project_id: i.project_id })
    if (i.locked_by === 'admin' && !isAdmin(deps, req)) authorize(deps, req, 'os-lock-server:unlock:unlock_override', { project_id: i.project_id })
    await updateInstance(deps.db, i.uuid, { locked: false, locked_by: null, locked_reason: null })
    await recordAction(deps.db, { action: 'unlock', instanceUuid: i.uuid, requestId: req.requestId, userId: callerOf(req).userId, projectId: callerOf(req).projectId ?? i.project_id })
    return accepted()
  },

  async 'os-resetState'(deps, req, i, body) {
    authorize(deps, req, 'os-admin-actions:reset_state', { project_id: i.project_id })
    const state = body?.state
    if (state !== 'active' && state !== 'error') throw badRequest(`Invalid input for field/attribute state. Value: ${state}. '${state}' is not one of ['active', 'error']`)
    await updateInstance(deps.db, i.uuid, { vm_state: state, task_state: null })
    await recordAction(deps.db, { action: 'reset_state', instanceUuid: i.uuid, requestId: req.requestId, userId: callerOf(req).userId, projectId: callerOf(req).projectId ?? i.project_id })
    return accepted()
  },

  // An action, so 202 where DELETE /servers/{id} answers 204.
  async forceDelete(deps, req) {
    await deleteServer(deps, req, true)
    return accepted()
  },

  // Deletes take effect at once (Nova's default reclaim_instance_interval of 0), so no server
  // is ever SOFT_DELETED and there is nothing to restore: Nova answers 409 then too.
  async restore(deps, req, i) {
    authorize(deps, req, 'os-deferred-delete:restore', { project_id: i.project_id })
    throw conflict(`Cannot 'restore' instance ${i.uuid} while it is in vm_state ${i.vm_state}`)
  },

  async 'os-getConsoleOutput'(deps, req, i, body) {
    authorize(deps, req, 'os-console-output', { project_id: i.project_id })
    let length: number | null = null
    const raw = body?.length
    if (raw !== undefined && raw !== null) {
      if (!/^-?\d+$/.test(String(raw))) throw badRequest(`Invalid input for field/attribute length. Value: ${raw}.`)
      length = Number(raw)
      if (length < -1) throw badRequest(`Invalid input for field/attribute length. Value: ${raw}. ${raw} is less than the minimum of -1`)
      if (length === -1) length = null
    }
    if (!i.host || ![V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.RESCUED, V.RESIZED, V.ERROR].includes(i.vm_state as never)) {
      throw conflict(`Cannot 'get_console_output' instance ${i.uuid} while it is in vm_state ${i.vm_state}`)
    }
    const output = await deps.rpc.agent(i.host).getConsoleOutput({ context: requestContext(deps, req), instance: i, length })
    return { status: 200, body: { output } }
  },
}
