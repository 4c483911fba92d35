/**
 * @module Interface hot-plug, agent side (nova-compute's attach_interface and detach_interface):
 * the port is made or taken over and bound to this host as at build, plugged into the guest by
 * the driver, and added to the instance's network info cache; detach undoes the three in turn.
 * Each runs under the instance's lock as one instance-action event.
 */
import { NovaError } from '../errors.ts'
import type { Vif } from '../model/instance.ts'
import { allocateForInstance, deallocatePort } from '../network/network-api.ts'
import type { ActionRequest, AgentRpc } from '../rpc/agent-rpc.ts'
import type { AgentContext } from './context.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

export type InterfaceAgentActions = Pick<AgentRpc, 'attachInterface' | 'detachInterface'>

export function interfaceAgentActions(ctx: AgentContext): InterfaceAgentActions {
  const { driver, conductor, host, log } = ctx

  /** Runs `fn` as the event `name`: a failure finishes the event with Error, leaves a fault, and is rethrown. */
  async function asEvent<T>(args: ActionRequest, name: string, fn: () => Promise<T>): Promise<T> {
    await ctx.event(args, name, 'start')
    try {
      const out = await fn()
      await ctx.event(args, name, 'finish')
      return out
    } catch (err) {
      log.error(`${name} failed for instance ${args.instance.uuid}: ${errText(err)}`)
      const status = (err as { status?: number }).status ?? 500
      await conductor.addFault({ uuid: args.instance.uuid, code: status, message: errText(err), details: String((err as Error).stack ?? ''), host })
        .catch(() => {})
      await ctx.event(args, name, 'finish', err)
      throw err
    }
  }

  return {
    /** A call: the API answers with the new port, or with the error that stopped it (nothing is left attached). */
    attachInterface: (args) => ctx.withLock(args.instance.uuid, () => asEvent(args, 'compute_attach_interface', async (): Promise<Vif> => {
      const uuid = args.instance.uuid
      if (!driver.capabilities.supportsAttachInterface) {
        throw new NovaError(400, `Attaching interfaces is not supported for instance ${uuid}.`)
      }
      const i = await conductor.instanceGet({ uuid })
      if (!i) throw new NovaError(404, `Instance ${uuid} could not be found.`)
      const requested = { network_id: args.networkId, port_id: args.portId, fixed_ip: args.fixedIp, tag: args.tag }
      const [vif] = await allocateForInstance(ctx.network, args.context.token, i, [requested], host, [])
      try {
        await driver.attachInterface(uuid, vif)
      } catch (err) {
        log.warn(`attaching port ${vif.port_id} to instance ${uuid} failed, releasing the port: ${errText(err)}`)
        await deallocatePort(ctx.network, vif.port_id, vif.preserve_on_delete)
          .catch((e) => log.error(`could not release port ${vif.port_id}: ${errText(e)}`))
        throw new NovaError(500, `Failed to attach network adapter device to ${uuid}`)
      }
      const now = await conductor.instanceGet({ uuid })
      await ctx.update(uuid, { info_cache: [...(now ?? i).info_cache.filter((v) => v.port_id !== vif.port_id), vif] })
      log.info(`port ${vif.port_id} attached to instance ${uuid}`, { request_id: args.context.requestId })
      return vif
    })),

    /** A cast: the guest loses the interface, then the port is released and leaves the info cache. */
    detachInterface: (args) => ctx.withLock(args.instance.uuid, () => asEvent(args, 'compute_detach_interface', async () => {
      const uuid = args.instance.uuid
      const i = await conductor.instanceGet({ uuid })
      if (!i) return
      const vif = i.info_cache.find((v) => v.port_id === args.portId)
      if (!vif) throw new NovaError(404, `Port ${args.portId} is not attached`)
      try {
        await driver.detachInterface(uuid, vif)
      } catch (err) {
        log.warn(`detaching port ${vif.port_id} from instance ${uuid} failed: ${errText(err)}`)
        throw new NovaError(500, `Failed to detach network adapter device from ${uuid}`)
      }
      await deallocatePort(ctx.network, vif.port_id, vif.preserve_on_delete)
      const now = await conductor.instanceGet({ uuid })
      await ctx.update(uuid, { info_cache: (now ?? i).info_cache.filter((v) => v.port_id !== vif.port_id) })
      log.info(`port ${vif.port_id} detached from instance ${uuid}`, { request_id: args.context.requestId })
    })),
  }
}
