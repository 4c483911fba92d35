/**
 * Neutron's agents API (`agent` extension): agents register themselves through report_state
 * (src/network/rpc/); admins list, show, enable/disable, describe and delete them. `alive` is
 * computed from the last heartbeat. Non-admins see an empty list and 404s, as Neutron.
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { AgentRow } from '../../db/schema.ts'
import { badRequest, NeutronError } from '../../errors.ts'
import { isAgentAlive } from '../../model/agent.ts'
import { can, enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse } from '../listing.ts'
import { check, stringProblem, toBoolean } from '../networks/attribute-values.ts'
import { unwrap } from '../networks/network-body.ts'

const FILTERS = ['id', 'agent_type', 'binary', 'topic', 'host', 'admin_state_up', 'alive', 'description', 'availability_zone'] as const
const WRITABLE = ['admin_state_up', 'description']
const READ_ONLY = ['id', 'agent_type', 'binary', 'topic', 'host', 'created_at', 'started_at', 'heartbeat_timestamp', 'alive', 'configurations', 'availability_zone', 'resource_versions']

const agentNotFound = (id: string) => new NeutronError(404, 'AgentNotFound', `Agent ${id} could not be found.`)

/** Agents' times are shown as the database keeps them in Neutron: `2024-05-01 10:00:00`. */
const agentTime = (iso: string) => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

export function renderAgent(row: AgentRow, downTimeSec: number): Record<string, unknown> {
  return {
    id: row.id,
    agent_type: row.agent_type,
    binary: row.binary,
    topic: row.topic,
    host: row.host,
    admin_state_up: !!Number(row.admin_state_up),
    created_at: agentTime(row.created_at),
    started_at: agentTime(row.started_at),
    heartbeat_timestamp: agentTime(row.heartbeat_timestamp),
    alive: isAgentAlive(row.heartbeat_timestamp, downTimeSec),
    configurations: parseJson(row.configurations),
    resource_versions: parseJson(row.resource_versions),
    availability_zone: row.availability_zone,
    description: row.description,
  }
}

/** The `agent` object of a PUT, converted: only admin_state_up and description may change. */
function parseUpdate(body: unknown): { admin_state_up?: number; description?: string } {
  const item = unwrap(body, 'agent')
  const unknown = Object.keys(item).filter((k) => !WRITABLE.includes(k) && !READ_ONLY.includes(k))
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`)
  for (const k of Object.keys(item)) if (READ_ONLY.includes(k)) throw badRequest(`Cannot update read-only attribute ${k}`)
  const out: { admin_state_up?: number; description?: string } = {}
  if ('admin_state_up' in item) out.admin_state_up = toBoolean(item.admin_state_up) ? 1 : 0
  if ('description' in item) {
    const d = item.description
    if (d !== null) check('description', stringProblem(d, 255))
    out.description = (d as string | null) ?? ''
  }
  return out
}

export function agentsRoutes(deps: NetworkDeps): Route[] {
  const { db } = deps
  const render = (row: AgentRow) => renderAgent(row, deps.config.agentDownTimeSec)

  /** The agent, or 404 when it is missing or the caller may not see agents. */
  async function visibleAgent(req: NetworkRequest, id: string): Promise<AgentRow> {
    const row = await db.selectFrom('network_agents').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row || !can(deps, req, 'get_agent', {})) throw agentNotFound(id)
    return row
  }

  return [
    route('GET', '/v2.0/agents', async (req: NetworkRequest) => {
      const rows = can(deps, req, 'get_agent', {}) ? await db.selectFrom('network_agents').selectAll().execute() : []
      return listResponse(req, { collection: 'agents', attributes: FILTERS }, rows.map(render))
    }),

    route('GET', '/v2.0/agents/:id', async (req: NetworkRequest) => {
      return showResponse(req, 'agent', render(await visibleAgent(req, req.params.id)))
    }),

    route('POST', '/v2.0/agents', (req: NetworkRequest) => {
      enforce(deps, req, 'create_agent', {})
      throw new NeutronError(400, 'BadRequest', 'Bad agents request: Agent creation using API is not supported..')
    }),

    route('PUT', '/v2.0/agents/:id', async (req: NetworkRequest) => {
      const set = parseUpdate(req.body)
      const row = await visibleAgent(req, req.params.id)
      enforce(deps, req, 'update_agent', { attributes_to_update: Object.keys(set) })
      if (Object.keys(set).length) await db.updateTable('network_agents').set(set).where('id', '=', row.id).execute()
      return showResponse(req, 'agent', render({ ...row, ...set }))
    }),

    route('DELETE', '/v2.0/agents/:id', async (req: NetworkRequest) => {
      const row = await visibleAgent(req, req.params.id)
      enforce(deps, req, 'delete_agent', {})
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('router_l3_agent_bindings').where('l3_agent_id', '=', row.id).execute()
        await trx.deleteFrom('network_agents').where('id', '=', row.id).execute()
      })
      return { status: 204 }
    }),
  ]
}
