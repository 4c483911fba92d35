/**
 * @module The agent's side of the remaining instance actions: rescue, rebuild, snapshot, backup,
 * password, shelve, interfaces, external events, and the two-host moves (resize, cold and live migration, evacuate).
 */
import type { AgentRpc } from '../rpc/agent-rpc.ts'
import { backupAgentActions } from './backup-actions.ts'
import type { AgentContext } from './context.ts'
import { eventAgentActions } from './event-actions.ts'
import { guestAgentActions } from './guest-actions.ts'
import { interfaceAgentActions } from './interface-actions.ts'
import { moveAgentActions } from './move-actions.ts'
import { shelveAgentActions } from './shelve-actions.ts'

type More = Omit<AgentRpc, 'buildAndRunInstance' | 'terminateInstance' | 'stopInstance' | 'startInstance' | 'rebootInstance' |
  'pauseInstance' | 'unpauseInstance' | 'suspendInstance' | 'resumeInstance' | 'getConsoleOutput' | 'getDiagnostics'>

export function moreAgentActions(_ctx: AgentContext): More {
  return {
    ...guestAgentActions(_ctx),
    ...backupAgentActions(_ctx),
    ...shelveAgentActions(_ctx),
    ...moveAgentActions(_ctx),
    ...interfaceAgentActions(_ctx),
    ...eventAgentActions(_ctx),
  }
}
