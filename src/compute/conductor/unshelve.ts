/**
 * @module Unshelve (Nova's conductor unshelve_instance): a shelved server still has its guest,
 * so its host powers it on; an offloaded one is scheduled again with its stored request spec
 * (the scheduler claims its allocation), placed on the chosen host and booted there from its
 * shelved image. When no host fits, it stays offloaded and idle.
 */
import { actionEvent } from '../db/actions.ts'
import { findInstance, updateInstance } from '../db/instances.ts'
import { TaskState, VmState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import { hostZone } from './build.ts'
import type { ConductorDeps } from './deps.ts'
import { errText, isNoValidHost, requestSpecOf } from './move-support.ts'

const EVENT = 'schedule_instances'

export function unshelveWorkflows(deps: ConductorDeps): Pick<ConductorRpc, 'unshelveServer'> {
  const { db, log } = deps
  return {
    async unshelveServer({ context, instanceUuid, host }) {
      const i = await findInstance(db, instanceUuid)
      if (!i || i.task_state !== TaskState.UNSHELVING) return
      if (i.vm_state === VmState.SHELVED) {
        const starting = await updateInstance(db, i.uuid, { task_state: TaskState.POWERING_ON }, { taskState: [TaskState.UNSHELVING] })
        if (starting?.host) await deps.rpc.castAgent(starting.host, 'startInstance', { context, instance: starting })
        return
      }
      if (i.vm_state !== VmState.SHELVED_OFFLOADED) {
        log.error(`unshelve of instance ${i.uuid} attempted in vm_state ${i.vm_state}`)
        await updateInstance(db, i.uuid, { vm_state: VmState.ERROR, task_state: null })
        return
      }
      await actionEvent(db, { uuid: i.uuid, requestId: context.requestId, event: EVENT, phase: 'start', host: deps.host })
      const spec = await requestSpecOf(deps, i)
      spec.force_hosts = host ? [host] : []
      let selection
      try {
        ;[[selection]] = await deps.rpc.scheduler.selectDestinations({ spec, instanceUuids: [i.uuid], returnAlternates: false })
      } catch (err) {
        // No room anywhere: the server stays offloaded and may be unshelved again later.
        await updateInstance(db, i.uuid, { task_state: null }, { taskState: [TaskState.UNSHELVING] })
        await actionEvent(db, { uuid: i.uuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Error', traceback: errText(err), host: deps.host })
        if (isNoValidHost(err)) log.warn(`no valid host found to unshelve instance ${i.uuid}`)
        else log.error(`unshelve of instance ${i.uuid} failed: ${errText(err)}`)
        return
      }
      // The host is recorded now so that a delete meanwhile goes to the agent that boots it.
      const placed = await updateInstance(db, i.uuid, {
        host: selection.host, node: selection.node, availability_zone: await hostZone(deps, selection.host),
      }, { taskState: [TaskState.UNSHELVING] })
      if (!placed) {
        await deps.claims.release(i.uuid).catch(() => {})
        return
      }
      await actionEvent(db, { uuid: i.uuid, requestId: context.requestId, event: EVENT, phase: 'finish', result: 'Success', host: deps.host })
      log.info(`unshelving instance ${i.uuid} on ${selection.host}`)
      await deps.rpc.castAgent(selection.host, 'unshelveInstance', {
        context, instance: placed, selection, imageId: i.system_metadata.shelved_image_id || null,
      })
    },
  }
}
