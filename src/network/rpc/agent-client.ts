/**
 * @module The agent side of the network RPC: a typed client for the server, serving the
 * notifications an agent kind receives, and the heartbeat loop every agent runs.
 */
import type { Logger } from '../../common/log/logger.ts'
import { rpcClient, type Stoppable, type Transport } from '../../common/rpc/transport.ts'
import type { AgentState, ReportedStatus } from './agent-messages.ts'
import {
  dhcpAgentTopic, l2AgentTopic, l3AgentTopic, pluginTopic,
  type DhcpAgentNotifications, type L2AgentNotifications, type L3AgentNotifications, type NetworkPluginRpc,
} from './agent-rpc.ts'

export function networkPluginClient(transport: Transport, opts?: { timeoutMs?: number }): NetworkPluginRpc {
  return rpcClient<NetworkPluginRpc>(transport, pluginTopic, opts)
}

export const serveL2Notifications = (t: Transport, impl: L2AgentNotifications): Promise<Stoppable> => t.serve(l2AgentTopic, impl)
export const serveDhcpNotifications = (t: Transport, impl: DhcpAgentNotifications): Promise<Stoppable> => t.serve(dhcpAgentTopic, impl)
export const serveL3Notifications = (t: Transport, impl: L3AgentNotifications): Promise<Stoppable> => t.serve(l3AgentTopic, impl)

/**
 * Reports `state()` now (with start_flag) and then every `intervalSec` (Neutron's report_interval,
 * 30 s, well under the server's agent down time). A failed report is logged and retried next tick.
 */
export function startHeartbeat(
  plugin: NetworkPluginRpc, state: () => AgentState,
  o: { intervalSec: number; log: Logger; onStatus?: (s: ReportedStatus) => void },
): Stoppable {
  let first = true
  let stopped = false
  const report = async () => {
    try {
      const status = await plugin.report_state({ agent_state: { ...state(), ...(first && { start_flag: true }) }, time: new Date().toISOString() })
      first = false
      o.onStatus?.(status)
    } catch (err) {
      if (!stopped) o.log.warn('state report failed', { error: String(err) })
    }
  }
  void report()
  const timer = setInterval(() => void report(), o.intervalSec * 1000)
  timer.unref()
  return { stop: async () => { stopped = true; clearInterval(timer) } }
}
