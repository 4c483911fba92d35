/**
 * @module What a host agent's firewall needs for its ports, computed from plain data (no database):
 * Neutron's `security_group_info_for_devices` answer (rules per group, member addresses of remote
 * groups, provider DHCP/RA rules per device) and the fully expanded per-port rule list of
 * `security_group_rules_for_devices`, where remote groups become one rule per member address.
 * neutron/db/securitygroups_rpc_base.py is the reference for shapes and semantics.
 */
import { formatNetwork, parseCidr } from '../../ipam/cidr.ts'
import type { FirewallRule, SecurityGroupInfo } from '../../rpc/agent-messages.ts'

/** A port as the firewall sees it. */
export type PortSecurityInput = {
  id: string
  macAddress: string
  /** Fixed IP addresses, without prefix length. */
  fixedIps: string[]
  /** Allowed address pairs: an address or CIDR, with the MAC allowed to use it (the port's when absent). */
  allowedAddressPairs: { ip_address: string; mac_address?: string }[]
  securityGroupIds: string[]
  portSecurityEnabled: boolean
}

/** A stored rule of a group (the columns the agent side reads). */
export type GroupRuleInput = {
  security_group_id: string
  direction: string
  ethertype: string
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
}

export type GroupInput = { id: string; stateful: boolean; rules: GroupRuleInput[] }

/** A member address of a group: the IP (or address pair CIDR) and, for address pairs, the MAC allowed to send from it. */
export type MemberAddress = [ip: string, mac: string | null]

/** The answer's shapes are the RPC messages' own (agents read them there; api/ may not be imported by agents). */
export type AgentRule = FirewallRule
export type DeviceInfo = SecurityGroupInfo['devices'][string]
export type { SecurityGroupInfo }

const PREFIX_KEY = { ingress: 'source_ip_prefix', egress: 'dest_ip_prefix' } as const

const versionOf = (ip: string): 4 | 6 | undefined => parseCidr(ip)?.version

/** The agent form of a stored rule (remote prefix normalized to its network). */
function agentRule(rule: GroupRuleInput): AgentRule {
  const out: AgentRule = { direction: rule.direction, ethertype: rule.ethertype }
  if (rule.protocol !== null) out.protocol = rule.protocol
  if (rule.port_range_min !== null) out.port_range_min = rule.port_range_min
  if (rule.port_range_max !== null) out.port_range_max = rule.port_range_max
  if (rule.remote_ip_prefix !== null) {
    const cidr = parseCidr(rule.remote_ip_prefix)
    out[PREFIX_KEY[rule.direction as 'ingress' | 'egress'] ?? 'source_ip_prefix'] = cidr ? formatNetwork(cidr) : rule.remote_ip_prefix
  }
  if (rule.remote_group_id !== null) out.remote_group_id = rule.remote_group_id
  return out
}

const sameRule = (a: AgentRule, b: AgentRule) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())

/** Neutron's provider rules: RA from routers for IPv6 ports, DHCP replies to the port's own addresses. */
function providerRules(fixedIps: string[]): AgentRule[] {
  const rules: AgentRule[] = []
  if (fixedIps.some((ip) => versionOf(ip) === 6)) {
    rules.push({ direction: 'ingress', ethertype: 'IPv6', protocol: 'ipv6-icmp', source_port_range_min: 134 })
  }
  for (const [version, [sourcePort, destPort], ethertype, extra] of [
    [4, [67, 68], 'IPv4', '255.255.255.255/32'], [6, [547, 546], 'IPv6', 'fe80::/64'],
  ] as const) {
    const dests = [...fixedIps.filter((ip) => versionOf(ip) === version).map((ip) => `${ip}/${version === 4 ? 32 : 128}`), extra]
    for (const dest of dests) {
      rules.push({
        direction: 'ingress', ethertype, protocol: 'udp', port_range_min: destPort, port_range_max: destPort,
        source_port_range_min: sourcePort, source_port_range_max: sourcePort, dest_ip_prefix: dest,
      })
    }
  }
  return rules
}

function device(port: PortSecurityInput): DeviceInfo {
  return {
    id: port.id,
    mac_address: port.macAddress,
    fixed_ips: [...port.fixedIps],
    allowed_address_pairs: port.allowedAddressPairs.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? port.macAddress })),
    security_groups: [...port.securityGroupIds],
    port_security_enabled: port.portSecurityEnabled,
    security_group_source_groups: [],
    security_group_remote_address_groups: [],
    security_group_rules: [],
  }
}

/** Addresses of every port in each group: fixed IPs (no MAC) and allowed address pairs (with their MAC). */
function membersByGroup(memberPorts: PortSecurityInput[]): Map<string, MemberAddress[]> {
  const out = new Map<string, MemberAddress[]>()
  for (const port of memberPorts) {
    const addresses: MemberAddress[] = [
      ...port.fixedIps.map((ip): MemberAddress => [ip, null]),
      ...port.allowedAddressPairs.map((p): MemberAddress => [p.ip_address, p.mac_address ?? port.macAddress]),
    ]
    for (const sg of port.securityGroupIds) {
      const list = out.get(sg) ?? []
      for (const a of addresses) if (!list.some((b) => b[0] === a[0] && b[1] === a[1])) list.push(a)
      out.set(sg, list)
    }
  }
  return out
}

/**
 * Neutron's security_group_info_for_ports: the devices (with provider rules), the rules of every
 * group they use (each carrying its group's `stateful`), and the member addresses of every remote
 * group those rules name, only for the ethertypes the rules use. `memberPorts` are the ports bound
 * to those remote groups (the devices themselves included when they are members).
 */
export function securityGroupInfoForPorts(
  ports: PortSecurityInput[], groups: ReadonlyMap<string, GroupInput>, memberPorts: PortSecurityInput[],
): SecurityGroupInfo {
  const info: SecurityGroupInfo = { devices: {}, security_groups: {}, sg_member_ips: {} }
  const wanted = new Map<string, Set<'IPv4' | 'IPv6'>>()
  for (const port of ports) {
    const dev = device(port)
    info.devices[port.id] = dev
    for (const sgId of port.securityGroupIds) {
      const group = groups.get(sgId)
      const list = info.security_groups[sgId] ??= []
      for (const rule of group?.rules ?? []) {
        if (rule.remote_group_id) {
          if (!dev.security_group_source_groups.includes(rule.remote_group_id)) dev.security_group_source_groups.push(rule.remote_group_id)
          const types = wanted.get(rule.remote_group_id) ?? new Set()
          types.add(rule.ethertype as 'IPv4' | 'IPv6')
          wanted.set(rule.remote_group_id, types)
        }
        const r = { ...agentRule(rule), stateful: group!.stateful }
        if (!list.some((x) => sameRule(x, r))) list.push(r)
      }
    }
    dev.security_group_rules.push(...providerRules(port.fixedIps))
  }
  const members = membersByGroup(memberPorts)
  for (const [sgId, types] of wanted) {
    const entry: Partial<Record<'IPv4' | 'IPv6', MemberAddress[]>> = {}
    for (const t of types) entry[t] = (members.get(sgId) ?? []).filter(([ip]) => `IPv${versionOf(ip)}` === t)
    info.sg_member_ips[sgId] = entry
  }
  return info
}

/**
 * Neutron's security_group_rules_for_ports for one port: its groups' rules with every remote group
 * replaced by one rule per member address of the rule's ethertype (the port's own fixed IPs left
 * out), then the provider rules. A port without port security gets no rules.
 */
export function expandRulesForPort(port: PortSecurityInput, groups: ReadonlyMap<string, GroupInput>, memberPorts: PortSecurityInput[]): AgentRule[] {
  if (!port.portSecurityEnabled) return []
  const members = membersByGroup(memberPorts)
  const out: AgentRule[] = []
  for (const sgId of port.securityGroupIds) {
    const group = groups.get(sgId)
    for (const rule of group?.rules ?? []) {
      const base: AgentRule = { ...agentRule(rule), security_group_id: sgId, stateful: group!.stateful }
      if (!rule.remote_group_id) {
        out.push(base)
        continue
      }
      for (const [ip] of members.get(rule.remote_group_id) ?? []) {
        if (port.fixedIps.includes(ip)) continue
        const cidr = parseCidr(ip)
        if (!cidr || `IPv${cidr.version}` !== rule.ethertype) continue
        const key = PREFIX_KEY[rule.direction as 'ingress' | 'egress'] ?? 'source_ip_prefix'
        const expanded = { ...base, [key]: formatNetwork(cidr) }
        if (!out.some((x) => sameRule(x, expanded))) out.push(expanded)
      }
    }
  }
  return [...out, ...providerRules(port.fixedIps)]
}
