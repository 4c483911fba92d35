/**
 * @module report_state on the server (Neutron's create_or_update_agent): the first heartbeat of an
 * (agent_type, host) pair registers the agent, later ones refresh its configuration and liveness.
 */
import { randomUUID } from 'node:crypto'
import { BadRequest } from '../../../common/errors.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { inTransaction } from '../../api/ports/retry.ts'
import type { NetworkDeps } from '../../api/context.ts'
import { isAgentAlive } from '../../model/agent.ts'
import type { AgentState, ReportedStatus } from '../agent-messages.ts'

const isText = (v: unknown, max = 255): v is string => typeof v === 'string' && v.length > 0 && v.length <= max
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

/** The report, checked: the four names are required, configurations must be an object. */
function checkState(s: unknown): AgentState {
  if (!isObject(s)) throw new BadRequest('agent_state must be an object')
  for (const k of ['agent_type', 'binary', 'host', 'topic']) if (!isText(s[k])) throw new BadRequest(`agent_state.${k} must be a non-empty string`)
  if (s.configurations !== undefined && !isObject(s.configurations)) throw new BadRequest('agent_state.configurations must be an object')
  if (s.resource_versions !== undefined && !isObject(s.resource_versions)) throw new BadRequest('agent_state.resource_versions must be an object')
  if (s.availability_zone !== undefined && s.availability_zone !== null && !isText(s.availability_zone)) {
    throw new BadRequest('agent_state.availability_zone must be a string')
  }
  return s as AgentState
}

/**
 * Registers or refreshes the agent. Reports stamped before `serverStartMs` were queued while the
 * server was down and are ignored, as Neutron does.
 */
export async function reportState(deps: NetworkDeps, args: { agent_state: unknown; time: string }, serverStartMs: number): Promise<ReportedStatus> {
  const state = checkState(args?.agent_state)
  const sentMs = Date.parse(args.time)
  if (!Number.isFinite(sentMs)) throw new BadRequest('time must be an ISO 8601 timestamp')
  if (sentMs < serverStartMs) return { status: 'stale', agent_id: null, admin_state_up: false }
  if (state.start_flag && Math.abs(Date.now() - sentMs) > deps.config.agentDownTimeSec * 1000) {
    deps.log.error('agent clock differs from the server clock by more than agentDownTimeSec', { host: state.host, agentType: state.agent_type, agentTime: args.time })
  }
  try {
    return await upsert(deps, state)
  } catch (err) {
    // Two first reports raced on the (agent_type, host) key: the loser now finds the row.
    if (isUniqueViolation(err)) return upsert(deps, state)
    throw err
  }
}

function upsert(deps: NetworkDeps, state: AgentState): Promise<ReportedStatus> {
  return inTransaction(deps.db, async (trx) => {
    const now = new Date().toISOString()
    const fields = {
      binary: state.binary, topic: state.topic, configurations: JSON.stringify(state.configurations ?? {}),
      ...(state.availability_zone !== undefined && { availability_zone: state.availability_zone }),
      ...(state.resource_versions && { resource_versions: JSON.stringify(state.resource_versions) }),
    }
    const row = await trx.selectFrom('network_agents').select(['id', 'admin_state_up', 'heartbeat_timestamp'])
      .where('agent_type', '=', state.agent_type).where('host', '=', state.host).executeTakeFirst()
    if (row) {
      const revived = !isAgentAlive(row.heartbeat_timestamp, deps.config.agentDownTimeSec)
      await trx.updateTable('network_agents').set({ ...fields, heartbeat_timestamp: now, ...(state.start_flag && { started_at: now }) })
        .where('id', '=', row.id).execute()
      if (revived) deps.log.info('agent revived', { agentType: state.agent_type, host: state.host })
      return { status: revived ? 'revived' : 'alive', agent_id: row.id, admin_state_up: !!Number(row.admin_state_up) }
    }
    const id = randomUUID()
    await trx.insertInto('network_agents').values({
      id, agent_type: state.agent_type, host: state.host, admin_state_up: 1, availability_zone: null, resource_versions: '{}',
      description: '', created_at: now, started_at: now, heartbeat_timestamp: now, ...fields,
    }).execute()
    deps.log.info('agent registered', { agentType: state.agent_type, host: state.host, id })
    return { status: 'new', agent_id: id, admin_state_up: true }
  })
}
