/**
 * @module Shelving, API side (Nova's os-shelve): shelve snapshots the server into the image
 * service and powers it off (its host offloads it, at once by default); shelveOffload frees the
 * host of a shelved server; unshelve brings it back, from 2.77 into a chosen availability zone
 * and from 2.91 onto a chosen host (admins) or with its zone unpinned. The API checks, records
 * the action and sets the first task state; the agent (shelve) or conductor (unshelve) goes on.
 */
import { validator } from '../../../common/http/validation.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { updateInstance } from '../../db/instances.ts'
import { deallocateForInstance } from '../../network/network-api.ts'
import { badRequest, conflict, invalidState } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { TaskState, VmState } from '../../model/states.ts'
import { authorize, isAdmin, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { beginTransition } from '../server-lookup.ts'
import { aggregateZonesByHost } from '../service-state.ts'
import { accepted, type ServerAction } from './action.ts'
import { createSnapshotImage } from './guest.ts'

const T = TaskState
const V = VmState

const SHELVABLE = [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED]
const UNSHELVABLE = [V.SHELVED, V.SHELVED_OFFLOADED]

/** Nova's unshelve_v277: null, or exactly an availability zone name. */
const unshelveV277 = {
  type: 'object', required: ['unshelve'], additionalProperties: false,
  properties: {
    unshelve: {
      type: ['object', 'null'], required: ['availability_zone'], additionalProperties: false,
      properties: { availability_zone: { type: 'string', minLength: 1, maxLength: 255, pattern: '^\\S(.*\\S)?$' } },
    },
  },
}
/** Nova's unshelve_v291: null, or a zone (null unpins it) and/or a host. */
const unshelveV291 = {
  type: 'object', required: ['unshelve'], additionalProperties: false,
  properties: {
    unshelve: {
      type: ['object', 'null'], additionalProperties: false,
      properties: { availability_zone: { type: ['string', 'null'] }, host: { type: 'string' } },
    },
  },
}

/** Nova's check_instance_lock and check_instance_state, which run before anything else the action checks. */
function checkState(deps: ComputeApiDeps, req: ComputeRequest, i: Instance, action: string, vmStates: string[]): void {
  if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
  if (!vmStates.includes(i.vm_state)) throw invalidState(action, i.uuid, 'vm_state', i.vm_state)
  if (i.task_state !== null) throw invalidState(action, i.uuid, 'task_state', i.task_state)
}

/** The zones a server may ask for: the default one and every aggregate's. */
async function availabilityZones(deps: ComputeApiDeps): Promise<Set<string>> {
  const rows = await deps.db.selectFrom('host_aggregate_metadata').select('value').where('key', '=', 'availability_zone').execute()
  return new Set([deps.config.defaultAvailabilityZone, ...rows.map((r) => r.value)])
}

/**
 * On delete (Nova's _delete): a shelved server's snapshot goes with it, and an offloaded one,
 * which no host will tear down, has its ports deleted here.
 */
export async function deleteShelvedLeftovers(deps: ComputeApiDeps, req: ComputeRequest, i: Instance): Promise<void> {
  if (i.vm_state !== V.SHELVED && i.vm_state !== V.SHELVED_OFFLOADED) return
  const imageId = i.system_metadata.shelved_image_id
  if (imageId) await deps.images(callerOf(req).token).delete(imageId).catch((err) => deps.log.warn(`could not delete shelved image ${imageId}: ${(err as Error).message}`))
  if (!i.host && i.info_cache.length) {
    await deallocateForInstance(deps.network, i).catch((err) => deps.log.warn(`could not delete the ports of offloaded instance ${i.uuid}: ${(err as Error).message}`))
  }
}

async function storedSpec(deps: ComputeApiDeps, uuid: string): Promise<Record<string, unknown> | undefined> {
  const row = await deps.db.selectFrom('request_specs').select('spec').where('instance_uuid', '=', uuid).executeTakeFirst()
  return row ? JSON.parse(row.spec) : undefined
}

export const shelveActions: Record<string, ServerAction> = {
  async shelve(deps, req, i) {
    authorize(deps, req, 'os-shelve:shelve', { user_id: i.user_id, project_id: i.project_id })
    const started = await beginTransition(deps, req, i, {
      action: 'shelve', vmStates: SHELVABLE, taskStates: [null], record: 'shelve',
      // Unshelve and rebuild need the base image (Nova keeps it here since bug 1893618).
      changes: { task_state: T.SHELVING, system_metadata: { ...i.system_metadata, image_base_image_ref: i.image_ref } },
    })
    const context = requestContext(deps, req)
    // A volume-backed server needs no snapshot: its host offloads it at once.
    if (!i.image_ref) {
      await deps.rpc.castAgent(started.host!, 'shelveOffloadInstance', { context, instance: started })
      return accepted()
    }
    let imageId: string
    try {
      imageId = (await createSnapshotImage(deps, req, i, `${i.display_name}-shelved`)).id
    } catch (err) {
      await updateInstance(deps.db, i.uuid, { task_state: null }, { taskState: [T.SHELVING] })
      throw err
    }
    await deps.rpc.castAgent(started.host!, 'shelveInstance', { context, instance: started, imageId })
    return accepted()
  },

  async shelveOffload(deps, req, i) {
    authorize(deps, req, 'os-shelve:shelve_offload', { user_id: i.user_id, project_id: i.project_id })
    const started = await beginTransition(deps, req, i, {
      action: 'shelveOffload', vmStates: [V.SHELVED], taskStates: [null], changes: { task_state: T.SHELVING_OFFLOADING }, record: 'shelveOffload',
    })
    await deps.rpc.castAgent(started.host!, 'shelveOffloadInstance', { context: requestContext(deps, req), instance: started })
    return accepted()
  },

  async unshelve(deps, req, i, body) {
    const v = versionOf(req)
    // Before 2.77 the body is not looked at (Nova documents null).
    if (atLeast(v, '2.91')) validator(unshelveV291)({ unshelve: body })
    else if (atLeast(v, '2.77')) validator(unshelveV277)({ unshelve: body })
    authorize(deps, req, 'os-shelve:unshelve', { project_id: i.project_id })
    checkState(deps, req, i, 'unshelve', UNSHELVABLE)
    const b = (atLeast(v, '2.77') && body ? body : {}) as { availability_zone?: string | null; host?: string }
    const zonePassed = 'availability_zone' in b
    const host = atLeast(v, '2.91') ? b.host : undefined
    if ((zonePassed || host) && i.vm_state !== V.SHELVED_OFFLOADED) {
      // A shelved server still belongs to its host: only an offloaded one is scheduled again.
      throw conflict(`Specifying an availability zone or a host when unshelving server "${i.uuid}" with status "${i.vm_state}" is not supported. The server status must be SHELVED_OFFLOADED.`)
    }
    if (zonePassed && b.availability_zone && !(await availabilityZones(deps)).has(b.availability_zone)) {
      throw badRequest('The requested availability zone is not available')
    }
    const spec = await storedSpec(deps, i.uuid)
    const zoneAfter = zonePassed ? b.availability_zone ?? null : (spec?.availability_zone as string | null | undefined) ?? null
    if (host) {
      authorize(deps, req, 'os-shelve:unshelve_to_host', { user_id: i.user_id, project_id: i.project_id })
      const node = await deps.db.selectFrom('compute_nodes').select('uuid').where('host', '=', host).executeTakeFirst()
      if (!node) throw badRequest(`Compute host ${host} could not be found.`)
      const hostZone = (await aggregateZonesByHost(deps.db)).get(host)?.join(',') || deps.config.defaultAvailabilityZone
      if (zoneAfter !== null && hostZone !== zoneAfter) throw conflict(`Host "${host}" is not in the availability zone "${zoneAfter}".`)
    }
    // The new zone is the server's from now on, even if no host in it has room (as in Nova).
    if (zonePassed && spec) {
      await deps.db.updateTable('request_specs').set({ spec: JSON.stringify({ ...spec, availability_zone: zoneAfter }) }).where('instance_uuid', '=', i.uuid).execute()
    }
    const started = await beginTransition(deps, req, i, {
      action: 'unshelve', vmStates: UNSHELVABLE, taskStates: [null], changes: { task_state: T.UNSHELVING }, record: 'unshelve',
    })
    await deps.rpc.castConductor('unshelveServer', { context: requestContext(deps, req), instanceUuid: started.uuid, host: host ?? null })
    return accepted()
  },
}
