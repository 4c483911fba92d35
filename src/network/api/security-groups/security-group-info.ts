/**
 * @module The database side of the agents' security group RPC: gathers the ports, their groups
 * and the members of the remote groups, then hands them to the pure functions of rules-for-ports.
 */
import { fromDbJson } from '../../../common/db/columns.ts'
import {
  expandRulesForPort, securityGroupInfoForPorts, type AgentRule, type GroupInput, type PortSecurityInput, type SecurityGroupInfo,
} from './rules-for-ports.ts'
import type { Db } from './security-group-store.ts'

async function loadPorts(db: Db, portIds: string[]): Promise<PortSecurityInput[]> {
  if (!portIds.length) return []
  const rows = await db.selectFrom('ports').select(['id', 'mac_address', 'allowed_address_pairs', 'port_security_enabled'])
    .where('id', 'in', portIds).execute()
  const ids = rows.map((r) => r.id)
  if (!ids.length) return []
  const [ips, bindings] = await Promise.all([
    db.selectFrom('ip_allocations').select(['port_id', 'ip_address']).where('port_id', 'in', ids).execute(),
    db.selectFrom('port_security_groups').select(['port_id', 'security_group_id']).where('port_id', 'in', ids).execute(),
  ])
  return rows.map((r) => ({
    id: r.id,
    macAddress: r.mac_address,
    fixedIps: ips.filter((i) => i.port_id === r.id).map((i) => i.ip_address),
    allowedAddressPairs: fromDbJson<{ ip_address: string; mac_address?: string }[]>(r.allowed_address_pairs, []),
    securityGroupIds: bindings.filter((b) => b.port_id === r.id).map((b) => b.security_group_id),
    portSecurityEnabled: r.port_security_enabled === 1,
  }))
}

async function loadGroups(db: Db, groupIds: string[]): Promise<Map<string, GroupInput>> {
  const out = new Map<string, GroupInput>()
  if (!groupIds.length) return out
  const [groups, rules] = await Promise.all([
    db.selectFrom('security_groups').select(['id', 'stateful']).where('id', 'in', groupIds).execute(),
    db.selectFrom('security_group_rules').selectAll().where('security_group_id', 'in', groupIds).execute(),
  ])
  for (const g of groups) out.set(g.id, { id: g.id, stateful: g.stateful === 1, rules: rules.filter((r) => r.security_group_id === g.id) })
  return out
}

/** The ports bound to any of the groups. */
async function loadMembers(db: Db, groupIds: string[]): Promise<PortSecurityInput[]> {
  if (!groupIds.length) return []
  const rows = await db.selectFrom('port_security_groups').select('port_id').distinct().where('security_group_id', 'in', groupIds).execute()
  return loadPorts(db, rows.map((r) => r.port_id))
}

async function gather(db: Db, portIds: string[]) {
  const ports = await loadPorts(db, portIds)
  const groups = await loadGroups(db, [...new Set(ports.flatMap((p) => p.securityGroupIds))])
  const remotes = [...new Set([...groups.values()].flatMap((g) => g.rules.map((r) => r.remote_group_id)).filter((id): id is string => !!id))]
  return { ports, groups, members: await loadMembers(db, remotes) }
}

/** `security_group_info_for_devices`: unknown port ids are left out. */
export async function securityGroupInfoForDevices(db: Db, portIds: string[]): Promise<SecurityGroupInfo> {
  const { ports, groups, members } = await gather(db, portIds)
  return securityGroupInfoForPorts(ports, groups, members)
}

/** `security_group_rules_for_devices`: each known port's expanded rules. */
export async function securityGroupRulesForDevices(db: Db, portIds: string[]): Promise<Record<string, AgentRule[]>> {
  const { ports, groups, members } = await gather(db, portIds)
  return Object.fromEntries(ports.map((p) => [p.id, expandRulesForPort(p, groups, members)]))
}
