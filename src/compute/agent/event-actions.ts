/**
 * @module External instance events, agent side (nova-compute's external_instance_event): what
 * other services tell the compute host about its guests. `network-changed` re-reads the
 * instance's ports into its network info cache (a floating IP associated through the network
 * API shows up in the server's addresses); `network-vif-deleted` unplugs a port that was deleted
 * under the guest and drops it from the cache. The other events only wake waiters in Nova; here
 * they are logged.
 */
import type { Vif } from '../model/instance.ts'
import { vifOf } from '../network/network-api.ts'
import type { AgentRpc, ExternalEvent } from '../rpc/agent-rpc.ts'
import type { AgentContext } from './context.ts'

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err))

export type EventAgentActions = Pick<AgentRpc, 'externalInstanceEvent'>

export function eventAgentActions(ctx: AgentContext): EventAgentActions {
  const { conductor, driver, log } = ctx

  /** The instance's network info read again from its ports, keeping what only the cache knows (preserve, tag). */
  async function refreshNetworkInfo(uuid: string): Promise<void> {
    const i = await conductor.instanceGet({ uuid })
    if (!i) return
    const client = ctx.network.forService()
    const known = new Map(i.info_cache.map((v) => [v.port_id, v]))
    const ports = await client.listPorts({ device_id: uuid })
    const cache = new Map<string, { name: string; subnets: Map<string, number> }>()
    const info: Vif[] = []
    // Cached order first (it is the guest's NIC order), then ports the cache did not know.
    const rank = new Map(i.info_cache.map((v, n) => [v.port_id, n]))
    const ordered = ports.toSorted((a, b) => (rank.get(a.id) ?? rank.size) - (rank.get(b.id) ?? rank.size))
    for (const port of ordered) {
      const was = known.get(port.id)
      info.push(await vifOf(client, port, was?.preserve_on_delete ?? false, was?.tag ?? null, cache))
    }
    await ctx.update(uuid, { info_cache: info })
  }

  async function vifDeleted(uuid: string, portId: string): Promise<void> {
    const i = await conductor.instanceGet({ uuid })
    const vif = i?.info_cache.find((v) => v.port_id === portId)
    if (!i || !vif) return
    if (driver.capabilities.supportsAttachInterface) {
      await driver.detachInterface(uuid, vif).catch((err) => log.warn(`could not unplug deleted port ${portId} from instance ${uuid}: ${errText(err)}`))
    }
    await ctx.update(uuid, { info_cache: i.info_cache.filter((v) => v.port_id !== portId) })
    log.info(`port ${portId} of instance ${uuid} was deleted in the network service; removed from the instance`)
  }

  async function handle(uuid: string, e: ExternalEvent): Promise<void> {
    if (e.name === 'network-changed') {
      await refreshNetworkInfo(uuid)
      log.info(`network info of instance ${uuid} refreshed after network-changed${e.tag ? ` for port ${e.tag}` : ''}`)
    } else if (e.name === 'network-vif-deleted' && e.tag) {
      await vifDeleted(uuid, e.tag)
    } else {
      log.debug(`event ${e.name}${e.tag ? `:${e.tag}` : ''} (${e.status}) for instance ${uuid} needs no action here`)
    }
  }

  return {
    externalInstanceEvent: (args) => ctx.withLock(args.instance.uuid, async () => {
      for (const e of args.events) {
        await handle(args.instance.uuid, e).catch((err) => log.error(`event ${e.name} for instance ${args.instance.uuid} failed: ${errText(err)}`))
      }
    }),
  }
}

