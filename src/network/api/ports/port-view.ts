/** Ports as the API shows them: rows loaded with their addresses, security groups and tags in batches, then rendered. */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { parseIp } from '../../ipam/ip-address.ts'
import { deviceOwnerPrefix } from '../../policies.ts'
import { renderStandard, tagsOf } from '../standard-attrs.ts'
import type { FixedIp } from './ip-requests.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export type PortDetail = { row: PortRow; fixedIps: FixedIp[]; securityGroups: string[]; tags: string[] }

/** IPv4 before IPv6, then by address: a stable order for fixed_ips. */
export function sortFixedIps(ips: FixedIp[]): FixedIp[] {
  const key = (ip: FixedIp) => parseIp(ip.ip_address) ?? { version: 6, value: 0n }
  return ips.toSorted((a, b) => {
    const x = key(a), y = key(b)
    return x.version - y.version || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0)
  })
}

async function inChunks<T>(ids: string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += 500) out.push(...await load(ids.slice(i, i + 500)))
  return out
}

/** Addresses of many ports at once: port id → fixed IPs. */
export async function fixedIpsOf(db: Db, portIds: string[]): Promise<Map<string, FixedIp[]>> {
  const out = new Map<string, FixedIp[]>(portIds.map((id) => [id, []]))
  const rows = await inChunks(portIds, (chunk) => db.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address'])
    .where('port_id', 'in', chunk).execute())
  for (const r of rows) out.get(r.port_id)?.push({ subnet_id: r.subnet_id, ip_address: r.ip_address })
  for (const [id, ips] of out) out.set(id, sortFixedIps(ips))
  return out
}

export async function securityGroupsOf(db: Db, portIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(portIds.map((id) => [id, []]))
  const rows = await inChunks(portIds, (chunk) => db.selectFrom('port_security_groups').select(['port_id', 'security_group_id'])
    .where('port_id', 'in', chunk).execute())
  for (const r of rows) out.get(r.port_id)?.push(r.security_group_id)
  for (const sgs of out.values()) sgs.sort()
  return out
}

export async function portDetails(db: Db, rows: PortRow[]): Promise<PortDetail[]> {
  const ids = rows.map((r) => r.id)
  const [ips, sgs, tags] = await Promise.all([fixedIpsOf(db, ids), securityGroupsOf(db, ids), tagsOf(db, 'ports', ids)])
  return rows.map((row) => ({ row, fixedIps: ips.get(row.id) ?? [], securityGroups: sgs.get(row.id) ?? [], tags: tags.get(row.id) ?? [] }))
}

export async function portDetail(db: Db, id: string): Promise<PortDetail | undefined> {
  const row = await db.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst()
  return row && (await portDetails(db, [row]))[0]
}

/** The port resource with the extensions Nubis serves (binding, port-security, allowed-address-pairs, extra_dhcp_opt). */
export function renderPort(d: PortDetail): Record<string, unknown> {
  const p = d.row
  return {
    id: p.id,
    name: p.name,
    network_id: p.network_id,
    tenant_id: p.project_id,
    project_id: p.project_id,
    mac_address: p.mac_address,
    admin_state_up: !!p.admin_state_up,
    status: p.status,
    device_id: p.device_id,
    device_owner: p.device_owner,
    fixed_ips: d.fixedIps.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
    allowed_address_pairs: JSON.parse(p.allowed_address_pairs),
    extra_dhcp_opts: JSON.parse(p.extra_dhcp_opts),
    security_groups: d.securityGroups,
    port_security_enabled: !!p.port_security_enabled,
    'binding:host_id': p.binding_host_id,
    'binding:profile': JSON.parse(p.binding_profile),
    'binding:vif_details': JSON.parse(p.binding_vif_details),
    'binding:vif_type': p.binding_vif_type,
    'binding:vnic_type': p.binding_vnic_type,
    ...renderStandard(p, d.tags),
  }
}

/** The policy target of a port: its attributes plus the keys Neutron's port rules read about its network. */
export function portTarget(rendered: Record<string, unknown>, network: { project_id: string; shared: number } | undefined): Record<string, unknown> {
  return {
    ...rendered,
    'network:project_id': network?.project_id,
    'network:tenant_id': network?.project_id,
    shared: !!network?.shared,
    device_owner_prefix: deviceOwnerPrefix(rendered.device_owner),
  }
}
