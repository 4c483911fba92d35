/** Typed clients of the compute topics over whatever transport this process uses. */
import { rpcClient, type Transport } from '../../common/rpc/transport.ts'
import { agentTopic, type AgentRpc } from './agent-rpc.ts'
import { CONDUCTOR_TOPIC, SCHEDULER_TOPIC, type ConductorRpc, type SchedulerRpc } from './conductor-rpc.ts'

export type ComputeRpc = {
  conductor: ConductorRpc
  scheduler: SchedulerRpc
  agent(host: string): AgentRpc
  /** Casts (no reply) to one agent. */
  castAgent<K extends keyof AgentRpc>(host: string, method: K, args: Parameters<AgentRpc[K]>[0]): Promise<void>
  castConductor<K extends keyof ConductorRpc>(method: K, args: Parameters<ConductorRpc[K]>[0]): Promise<void>
}

export function computeRpc(transport: Transport, timeoutMs: number): ComputeRpc {
  const agents = new Map<string, AgentRpc>()
  return {
    conductor: rpcClient<ConductorRpc>(transport, CONDUCTOR_TOPIC, { timeoutMs }),
    scheduler: rpcClient<SchedulerRpc>(transport, SCHEDULER_TOPIC, { timeoutMs }),
    agent(host) {
      let a = agents.get(host)
      if (!a) agents.set(host, a = rpcClient<AgentRpc>(transport, agentTopic(host), { timeoutMs }))
      return a
    },
    castAgent: (host, method, args) => transport.cast(agentTopic(host), method, args),
    castConductor: (method, args) => transport.cast(CONDUCTOR_TOPIC, method, args),
  }
}
