/**
 * @module The port-binding handshake: compute sets binding:host_id; a mechanism driver that can
 * bind on that host (from its agent's reported configuration) supplies vif_type and vif_details.
 * Drivers are tried in config.ml2.mechanismDrivers order; when none binds the port is
 * `binding_failed`, as ML2 reports it.
 */
import type { Kysely, Transaction } from 'kysely'
import type { Logger } from '../../common/log/logger.ts'
import type { NetworkDb, PortRow } from '../db/schema.ts'
import { isAgentAlive } from '../model/agent.ts'
import type { HostAgent, MechanismDriver, PortContext, SegmentBinding } from './mechanisms/driver.ts'

export type BindingResult = { vifType: string; vifDetails: Record<string, unknown> }

/** Context the binder needs: the port, its network's segments, and the agents on the host. */
export type BindingRequest = {
  port: PortRow
  segments: { id: string; network_type: string; physical_network: string | null; segmentation_id: number | null }[]
  host: string
  /**
   * The transaction the port is written in: the binder reads the host's agents through it
   * (on SQLite that transaction holds the only connection, so a read beside it would wait forever).
   */
  db: Kysely<NetworkDb> | Transaction<NetworkDb>
}

/** Result of trying each mechanism driver in order; `binding_failed` when none can bind. */
export type PortBinder = (req: BindingRequest) => Promise<BindingResult>

export const BINDING_FAILED: BindingResult = { vifType: 'binding_failed', vifDetails: {} }

/** ML2 without mechanism drivers: every binding fails, which is what Neutron reports when none can bind. */
export const unboundBinder: PortBinder = async () => BINDING_FAILED

/** The agents registered on `host`, with liveness from their last heartbeat. */
export async function hostAgents(db: Kysely<NetworkDb> | Transaction<NetworkDb>, host: string, downTimeSec: number): Promise<HostAgent[]> {
  const rows = await db.selectFrom('network_agents').selectAll().where('host', '=', host).orderBy('agent_type').execute()
  return rows.map((r) => ({
    id: r.id, agentType: r.agent_type, host: r.host, adminStateUp: !!Number(r.admin_state_up),
    alive: isAgentAlive(r.heartbeat_timestamp, downTimeSec), configurations: parseObject(r.configurations),
  }))
}

/** The port context drivers see. */
export function portContext(port: PortRow, host: string, segments: BindingRequest['segments'], agents: HostAgent[]): PortContext {
  return {
    portId: port.id, networkId: port.network_id, vnicType: port.binding_vnic_type || 'normal',
    profile: parseObject(port.binding_profile), host, segments, agents,
  }
}

/** The first driver's binding, in order; undefined when none binds. */
export function bindWithDrivers(drivers: readonly MechanismDriver[], ctx: PortContext): (SegmentBinding & { driver: string }) | undefined {
  for (const driver of drivers) {
    const b = driver.bindPort(ctx)
    if (b) return { ...b, driver: driver.name }
  }
  return undefined
}

/** The binder the network service runs: reads the host's agents in the caller's transaction, then asks the drivers. */
export function createPortBinder(o: { drivers: readonly MechanismDriver[]; agentDownTimeSec: number; log: Logger }): PortBinder {
  return async (req) => {
    if (!req.db) {
      // A caller that predates the db field: reading beside its transaction could deadlock SQLite.
      o.log.warn('port binding without a database handle; binding fails', { portId: req.port.id })
      return BINDING_FAILED
    }
    const agents = await hostAgents(req.db, req.host, o.agentDownTimeSec)
    const bound = bindWithDrivers(o.drivers, portContext(req.port, req.host, req.segments, agents))
    if (!bound) {
      o.log.info('no mechanism driver could bind the port', { portId: req.port.id, host: req.host, agents: agents.map((a) => a.agentType) })
      return BINDING_FAILED
    }
    return { vifType: bound.vifType, vifDetails: bound.vifDetails }
  }
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json)
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {}
  } catch {
    return {}
  }
}
