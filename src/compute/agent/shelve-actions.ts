/**
 * @module Shelving, agent side (nova-compute's shelve_instance, shelve_offload_instance and
 * unshelve_instance): power the guest off and snapshot it into the image service, offload it
 * (destroy the guest, unbind its ports, free its allocation, forget the host), and boot an
 * offloaded instance again from its shelved image on the host the scheduler chose.
 */
import type { Instance } from '../model/instance.ts'
import { PowerState, TaskState, VmState } from '../model/states.ts'
import { bindPortsToHost } from '../network/network-api.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { InstanceChanges } from '../rpc/conductor-rpc.ts'
import type { AgentContext } from './context.ts'
import { guestOf } from './guest.ts'
import { uploadSnapshot } from './guest-actions.ts'

const T = TaskState
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** What shelving keeps in system_metadata until the server is unshelved. */
const SHELVED_KEYS = ['shelved_at', 'shelved_image_id', 'shelved_host']

export type ShelveAgentActions = Pick<AgentRpc, 'shelveInstance' | 'shelveOffloadInstance' | 'unshelveInstance'>

/** The shelving age after which this host offloads a shelved server (0: at once; negative: never). */
const offloadTimeOf = (ctx: AgentContext) => ctx.config.shelvedOffloadTimeSec ?? 0

/**
 * After an unshelve: deletes the shelved snapshot (with the caller's token) and returns the
 * system_metadata without the shelved_* keys, or {} when the instance was not shelved.
 */
export async function forgetShelvedImage(ctx: AgentContext, args: ActionRequest, i: Instance): Promise<InstanceChanges> {
  if (!SHELVED_KEYS.some((k) => k in i.system_metadata)) return {}
  const imageId = i.system_metadata.shelved_image_id
  if (imageId) {
    await ctx.images?.(args.context.token).delete(imageId)
      .catch((err) => ctx.log.warn(`could not delete the shelved image ${imageId} of instance ${i.uuid}: ${errText(err)}`))
  }
  return { system_metadata: Object.fromEntries(Object.entries(i.system_metadata).filter(([k]) => !SHELVED_KEYS.includes(k))) }
}

export function shelveAgentActions(ctx: AgentContext): ShelveAgentActions {
  const { driver, host, log } = ctx

  async function step(uuid: string, to: string, from: Array<string | null>): Promise<Instance> {
    const i = await ctx.update(uuid, { task_state: to }, from)
    if (!i) throw new Error(`instance ${uuid} was deleted or changed its task state during the operation`)
    return i
  }

  /** Nova's _shelve_offload_instance: the changes that leave the instance SHELVED_OFFLOADED with no host. */
  async function offload(i: Instance): Promise<InstanceChanges> {
    if (await driver.powerState(i.uuid) !== PowerState.NOSTATE) await driver.powerOff(i.uuid, 0)
    const power = await driver.powerState(i.uuid)
    const info = i.info_cache.length ? await bindPortsToHost(ctx.network, i, '') : i.info_cache
    await driver.destroy(i.uuid)
    // Freed before the server looks offloaded, so whoever polls for that can use the room at once.
    await ctx.claims.release(i.uuid)
    log.info(`instance ${i.uuid} offloaded from ${host}`)
    return { vm_state: VmState.SHELVED_OFFLOADED, power_state: power, host: null, node: null, info_cache: info }
  }

  return {
    shelveInstance: (args) => ctx.act(args, {
      event: 'compute_shelve_instance',
      expected: [T.SHELVING, T.SHELVING_IMAGE_PENDING_UPLOAD, T.SHELVING_IMAGE_UPLOADING, T.SHELVING_OFFLOADING],
      run: async (i) => {
        const offloadNow = offloadTimeOf(ctx) === 0
        await driver.powerOff(i.uuid, i.power_state === PowerState.PAUSED ? 0 : 60)
        await uploadSnapshot(ctx, args, i.uuid, args.imageId, async (stage) => {
          if (stage === 'pending_upload') await step(i.uuid, T.SHELVING_IMAGE_PENDING_UPLOAD, [T.SHELVING])
          else if (stage === 'uploading') await step(i.uuid, T.SHELVING_IMAGE_UPLOADING, [T.SHELVING_IMAGE_PENDING_UPLOAD])
        })
        const shelved = await ctx.update(i.uuid, {
          vm_state: VmState.SHELVED, task_state: offloadNow ? T.SHELVING_OFFLOADING : null, power_state: await driver.powerState(i.uuid),
          system_metadata: { ...i.system_metadata, shelved_at: new Date().toISOString(), shelved_image_id: args.imageId, shelved_host: host },
        }, [T.SHELVING, T.SHELVING_IMAGE_UPLOADING])
        if (!shelved) throw new Error(`instance ${i.uuid} was deleted or changed its task state while it was being shelved`)
        log.info(`instance ${i.uuid} shelved on ${host} as image ${args.imageId}`, { request_id: args.context.requestId })
        return offloadNow ? offload(shelved) : { task_state: null }
      },
    }),

    shelveOffloadInstance: (args) => ctx.act(args, {
      event: 'compute_shelve_offload_instance',
      expected: [T.SHELVING, T.SHELVING_OFFLOADING],
      // A volume-backed server comes here straight from shelve (task_state shelving): no snapshot, no shelved_* keys.
      run: (i) => offload(i),
    }),

    unshelveInstance: (args) => ctx.act(args, {
      event: 'compute_unshelve_instance',
      expected: [T.UNSHELVING, T.SPAWNING],
      run: async (i) => {
        let spawned = false
        try {
          const images = ctx.images?.(args.context.token)
          if (args.imageId && images && !(await images.get(args.imageId))) {
            throw new Error(`Unshelve attempted but the image ${args.imageId} cannot be found.`)
          }
          const here = await step(i.uuid, T.SPAWNING, [T.UNSHELVING])
          const info = here.info_cache.length ? await bindPortsToHost(ctx.network, here, host) : here.info_cache
          // The guest boots from the snapshot; the instance keeps the image it was created from.
          await driver.spawn(guestOf({ ...here, info_cache: info }, { imageRef: args.imageId ?? here.image_ref }))
          spawned = true
          log.info(`instance ${i.uuid} unshelved on ${host}`, { request_id: args.context.requestId })
          return {
            ...(await forgetShelvedImage(ctx, args, here)), vm_state: VmState.ACTIVE, power_state: await driver.powerState(i.uuid),
            info_cache: info, launched_at: new Date().toISOString(), progress: 0,
          }
        } catch (err) {
          // Nova's unshelve failure: the scheduler's claim goes, the instance stays offloaded with no host.
          if (spawned) await driver.destroy(i.uuid).catch(() => {})
          await ctx.claims.release(i.uuid).catch((e) => log.warn(`could not free the allocation of instance ${i.uuid}: ${errText(e)}`))
          await ctx.update(i.uuid, { host: null, node: null })
          throw err
        }
      },
    }),
  }
}

/**
 * Nova's _poll_shelved_instances: offloads this host's servers shelved longer than
 * shelvedOffloadTimeSec (only when that is positive). Returns how many it offloaded.
 */
export async function offloadOverdueShelved(ctx: AgentContext, actions: Pick<ShelveAgentActions, 'shelveOffloadInstance'>): Promise<number> {
  const seconds = offloadTimeOf(ctx)
  if (seconds <= 0) return 0
  const cutoff = Date.now() - seconds * 1000
  let offloaded = 0
  for (const i of await ctx.conductor.instancesOnHost({ host: ctx.host })) {
    if (i.host !== ctx.host || i.vm_state !== VmState.SHELVED || i.task_state !== null) continue
    const at = Date.parse(i.system_metadata.shelved_at ?? '')
    if (!(at <= cutoff)) continue
    const started = await ctx.update(i.uuid, { task_state: T.SHELVING_OFFLOADING }, [null])
    if (!started) continue
    const context = { requestId: `req-shelve-offload-${i.uuid}`, userId: '', projectId: '', roles: [], isAdmin: true, token: '' }
    await actions.shelveOffloadInstance({ context, instance: started })
    offloaded++
  }
  return offloaded
}
