/**
 * @module The L2 agent's calls on the server (Neutron's ML2 RpcCallbacks): details of a device it
 * found on its host, and the device going up or down. Status changes bump the port's revision.
 */
import type { Transaction } from 'kysely'
import type { NetworkDeps } from '../../api/context.ts'
import { inTransaction } from '../../api/ports/retry.ts'
import { now } from '../../api/standard-attrs.ts'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { bindWithDrivers, hostAgents, portContext } from '../../ml2/binding.ts'
import type { MechanismDriver } from '../../ml2/mechanisms/driver.ts'
import type { DeviceDetails, DeviceDown, DeviceRequest } from '../agent-messages.ts'

type Db = NetworkDeps['db'] | Transaction<NetworkDb>

const UNBOUND = new Set(['unbound', 'binding_failed'])

/** A device is a port id, or a tap name: `tap` + the first 11 characters of the id (unique, or nothing). */
export async function findDevicePort(db: Db, device: string): Promise<PortRow | undefined> {
  if (typeof device !== 'string' || !device) return undefined
  if (device.startsWith('tap')) {
    const prefix = device.slice(3)
    if (prefix.length < 8 || !/^[0-9a-f-]+$/i.test(prefix)) return undefined
    const rows = await db.selectFrom('ports').selectAll().where('id', 'like', `${prefix.toLowerCase()}%`).limit(2).execute()
    return rows.length === 1 ? rows[0] : undefined
  }
  return db.selectFrom('ports').selectAll().where('id', '=', device).executeTakeFirst()
}

/** Port id of each device that names a port. */
export async function devicePortIds(db: Db, devices: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const d of devices) {
    const port = await findDevicePort(db, d)
    if (port) ids.push(port.id)
  }
  return ids
}

/** Sets columns of a port and bumps its revision. */
async function updatePort(trx: Transaction<NetworkDb>, portId: string, set: Partial<PortRow>): Promise<void> {
  await trx.updateTable('ports').set((eb) => ({ ...set, updated_at: now(), revision_number: eb('revision_number', '+', 1) }))
    .where('id', '=', portId).execute()
}

async function setStatus(trx: Transaction<NetworkDb>, port: PortRow, status: string): Promise<void> {
  if (port.status !== status) await updatePort(trx, port.id, { status })
}

/**
 * Details of a port bound on the asking host, with the segment it is bound to. A port whose binding
 * failed is bound again first (its agent may have come up since). Asking moves the port to BUILD
 * (DOWN when administratively down) until update_device_up, as Neutron.
 */
export function getDeviceDetails(deps: NetworkDeps, drivers: readonly MechanismDriver[], req: DeviceRequest): Promise<DeviceDetails> {
  const { device, host } = req
  return inTransaction(deps.db, async (trx) => {
    const port = await findDevicePort(trx, device)
    if (!port) return { device, bound: false, reason: 'not_found' }
    if (!port.binding_host_id) return { device, bound: false, reason: 'not_bound' }
    if (port.binding_host_id !== host) return { device, bound: false, reason: 'other_host' }
    const segments = await trx.selectFrom('network_segments').select(['id', 'network_type', 'physical_network', 'segmentation_id'])
      .where('network_id', '=', port.network_id).orderBy('segment_index').execute()
    const agents = await hostAgents(trx, host, deps.config.agentDownTimeSec)
    const wasBound = !UNBOUND.has(port.binding_vif_type)
    // A bound port keeps its binding while its agent is late with a heartbeat: only the segment is looked up again.
    const ctx = portContext(port, host, segments, wasBound ? agents.map((a) => ({ ...a, alive: true })) : agents)
    const binding = bindWithDrivers(drivers, ctx)
    if (!binding) return { device, bound: false, reason: 'not_bound' }
    if (!wasBound) await updatePort(trx, port.id, { binding_vif_type: binding.vifType, binding_vif_details: JSON.stringify(binding.vifDetails) })
    const segment = segments.find((s) => s.id === binding.segmentId)!
    const [network, ips, groups] = await Promise.all([
      trx.selectFrom('networks').select('mtu').where('id', '=', port.network_id).executeTakeFirst(),
      trx.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', port.id).orderBy('ip_address').execute(),
      trx.selectFrom('port_security_groups').select('security_group_id').where('port_id', '=', port.id).orderBy('security_group_id').execute(),
    ])
    const status = port.admin_state_up ? 'BUILD' : 'DOWN'
    await setStatus(trx, port, status)
    return {
      device, bound: true, port_id: port.id, network_id: port.network_id, mac_address: port.mac_address,
      admin_state_up: !!port.admin_state_up, network_type: segment.network_type, physical_network: segment.physical_network,
      segmentation_id: segment.segmentation_id, mtu: network?.mtu ?? 0, fixed_ips: ips, device_owner: port.device_owner,
      allowed_address_pairs: JSON.parse(port.allowed_address_pairs), port_security_enabled: !!port.port_security_enabled,
      security_groups: groups.map((g) => g.security_group_id), vif_type: binding.vifType, vif_details: binding.vifDetails,
      profile: JSON.parse(port.binding_profile),
    }
  })
}

/** The port is wired: ACTIVE. A port bound to another host (it moved) or unknown is left alone. */
export function updateDeviceUp(deps: NetworkDeps, req: DeviceRequest): Promise<void> {
  return inTransaction(deps.db, async (trx) => {
    const port = await findDevicePort(trx, req.device)
    if (!port) return void deps.log.debug('update_device_up for an unknown device', { device: req.device, host: req.host })
    if (port.binding_host_id !== req.host) return void deps.log.debug('update_device_up from a host the port is not bound to', { portId: port.id, host: req.host })
    await setStatus(trx, port, 'ACTIVE')
  })
}

/** The device is gone from the host: DOWN. `exists` says whether the port is still there. */
export function updateDeviceDown(deps: NetworkDeps, req: DeviceRequest): Promise<DeviceDown> {
  return inTransaction(deps.db, async (trx) => {
    const port = await findDevicePort(trx, req.device)
    if (!port) return { device: req.device, exists: false }
    if (port.binding_host_id === req.host) await setStatus(trx, port, 'DOWN')
    return { device: req.device, exists: true }
  })
}
