/**
 * @module Floating IPs as the API shows them (l3 + fip-port-details + standard attributes) and who
 * sees which: get_floatingip on the floating IP itself (its project's readers, admins). Status is
 * ACTIVE while associated (a router path exists by then) and DOWN otherwise: no L3 agent reports it.
 */
import type { Kysely, Transaction } from 'kysely'
import type { FloatingIpRow, NetworkDb } from '../../db/schema.ts'
import { can, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Item } from '../listing.ts'
import { tagTypeOf } from '../networks/tag-resources.ts'
import { renderStandard, tagsOf } from '../standard-attrs.ts'
import { floatingIpNotFound } from './errors.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export const FLOATING_IP_TAG_TYPE = tagTypeOf('floatingips')

/** Attributes a floating IP list can be filtered and sorted on. */
export const FLOATING_IP_FILTERS = [
  'id', 'floating_ip_address', 'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address', 'tenant_id', 'project_id',
  'status', 'description', 'created_at', 'updated_at', 'revision_number',
] as const

/** The status a floating IP has for an association. */
export const statusFor = (fixedPortId: string | null): string => (fixedPortId ? 'ACTIVE' : 'DOWN')

type PortDetails = { name: string; network_id: string; mac_address: string; admin_state_up: boolean; status: string; device_id: string; device_owner: string }

export type FloatingIpDetail = { row: FloatingIpRow; portDetails: PortDetails | null; tags: string[] }

export async function floatingIpDetails(db: Db, rows: FloatingIpRow[]): Promise<FloatingIpDetail[]> {
  const portIds = [...new Set(rows.flatMap((r) => (r.fixed_port_id ? [r.fixed_port_id] : [])))]
  const ports = portIds.length
    ? await db.selectFrom('ports').select(['id', 'name', 'network_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner'])
      .where('id', 'in', portIds).execute()
    : []
  const byId = new Map(ports.map((p) => [p.id, {
    name: p.name, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: !!Number(p.admin_state_up),
    status: p.status, device_id: p.device_id, device_owner: p.device_owner,
  }]))
  const tags = await tagsOf(db, FLOATING_IP_TAG_TYPE, rows.map((r) => r.id))
  return rows.map((row) => ({ row, portDetails: (row.fixed_port_id && byId.get(row.fixed_port_id)) || null, tags: tags.get(row.id) ?? [] }))
}

export async function floatingIpDetail(db: Db, id: string): Promise<FloatingIpDetail | undefined> {
  const row = await db.selectFrom('floating_ips').selectAll().where('id', '=', id).executeTakeFirst()
  return row && (await floatingIpDetails(db, [row]))[0]
}

export function renderFloatingIp(d: FloatingIpDetail): Item {
  const f = d.row
  return {
    id: f.id,
    tenant_id: f.project_id,
    project_id: f.project_id,
    floating_ip_address: f.floating_ip_address,
    floating_network_id: f.floating_network_id,
    router_id: f.router_id,
    port_id: f.fixed_port_id,
    fixed_ip_address: f.fixed_ip_address,
    status: f.status,
    port_details: d.portDetails,
    ...renderStandard(f, d.tags),
  }
}

export const canSeeFloatingIp = (deps: NetworkDeps, req: NetworkRequest, fip: Item) => can(deps, req, 'get_floatingip', fip)

export const presentFloatingIp = (deps: NetworkDeps, req: NetworkRequest, fip: Item) => visibleFields(deps, req, 'floatingip', fip, fip)

/** Rows the caller might see: all when get_floatingip passes on another project's, else its project's. */
export async function candidateFloatingIps(deps: NetworkDeps, req: NetworkRequest): Promise<FloatingIpRow[]> {
  const q = deps.db.selectFrom('floating_ips').selectAll()
  if (can(deps, req, 'get_floatingip', { project_id: '', tenant_id: '' })) return q.execute()
  return q.where('project_id', '=', projectOf(req)).execute()
}

/** The floating IP and its dict when the caller may see it, else 404 FloatingIPNotFound. */
export async function visibleFloatingIp(deps: NetworkDeps, req: NetworkRequest, id: string, db: Db = deps.db): Promise<{ detail: FloatingIpDetail; fip: Item }> {
  const detail = await floatingIpDetail(db, id)
  if (!detail) throw floatingIpNotFound(id)
  const fip = renderFloatingIp(detail)
  if (!canSeeFloatingIp(deps, req, fip)) throw floatingIpNotFound(id)
  return { detail, fip }
}
