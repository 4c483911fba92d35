/**
 * @module Nova's security group proxy on the network service (nova/network/security_group_api.py's
 * job): Neutron's groups and rules in Nova's terms (ingress rules only, from/to ports, a cidr or a
 * source group), Nova's checks of a new rule, and adding a group to or removing it from every port
 * of an instance. Everything runs with the caller's token, so Neutron decides who sees what.
 */
import { isIP } from 'node:net'
import type { NetworkClient, PortView, SecurityGroupRuleView, SecurityGroupView } from '../../network/client.ts'
import { NovaError, badRequest, conflict, notFound } from '../errors.ts'
import { isUuidLike } from '../uuid-like.ts'

/** A rule as Nova's API layer sees it; `cidr` is 0.0.0.0/0 when Neutron has no prefix. */
export type NovaRule = {
  id: string
  parent_group_id: string
  protocol: string | null
  from_port: number | null
  to_port: number | null
  group_id: string | null
  cidr: string
}

export type NovaGroup = { id: string; name: string; description: string; project_id: string; rules: NovaRule[] }

/** A rule to create, before it has an id (Nova's _new_ingress_rule values). */
export type NewRule = { group_id?: string; cidr?: string; protocol?: string; from_port?: number; to_port?: number }

/** 400 unless `id` looks like a UUID (Nova's validate_id, also used for rule ids). */
export function validateId(id: unknown): string {
  if (typeof id !== 'string' || !isUuidLike(id)) throw badRequest('Security group id should be uuid')
  return id
}

/** Nova's validate_property: a string of at most 255 characters, worded as oslo's check_string_length. */
export function validateProperty(value: unknown, name: string): string {
  if (typeof value !== 'string') throw badRequest(`${name} is not a string or unicode`)
  if (value.length > 255) throw badRequest(`${name} has ${value.length} characters, more than 255.`)
  return value
}

const statusOf = (err: unknown) => (err as { status?: number }).status

/** Re-throws a network-service error as Nova words it for this call: `map` gives the Nova status of a Neutron status. */
export function rethrowAs(err: unknown, map: Record<number, number>): never {
  const status = statusOf(err)
  if (status !== undefined && map[status]) throw new NovaError(map[status], (err as Error).message)
  throw err
}

export function parseCidr(cidr: unknown): string {
  if (cidr === undefined || cidr === null || cidr === '') return '0.0.0.0/0'
  let text: string
  try {
    text = decodeURIComponent(String(cidr))
  } catch {
    throw badRequest(`${String(cidr)} is not a valid IP network.`)
  }
  const [address, prefix, ...rest] = text.split('/')
  const version = isIP(address ?? '')
  const max = version === 6 ? 128 : 32
  if (!version || rest.length || prefix === undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    throw badRequest(`${text} is not a valid IP network.`)
  }
  return text
}

export function novaRule(rule: SecurityGroupRuleView): NovaRule {
  const protocol = rule.protocol
  let from = rule.port_range_min
  let to = rule.port_range_max
  if (protocol && from === null && to === null) {
    const tcpUdp = ['TCP', 'UDP'].includes(protocol.toUpperCase())
    from = tcpUdp ? 1 : -1
    to = tcpUdp ? 65535 : -1
  }
  return {
    id: rule.id, parent_group_id: rule.security_group_id, protocol, from_port: from, to_port: to,
    group_id: rule.remote_group_id, cidr: parseCidr(rule.remote_ip_prefix),
  }
}

/** Nova shows only ingress rules: its API has no direction. */
export function novaGroup(group: SecurityGroupView): NovaGroup {
  return {
    id: group.id, name: group.name, description: group.description, project_id: group.project_id,
    rules: (group.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map(novaRule),
  }
}

/** The group, or Nova's 404 carrying the network service's words. */
export async function getGroup(client: NetworkClient, id: string): Promise<NovaGroup> {
  const group = await client.getSecurityGroup(id)
  if (!group) throw notFound(`Security group ${id} does not exist`)
  return novaGroup(group)
}

/** Python's int() of a JSON value, NaN when it has none. */
function toInt(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : NaN
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v, 10)
  return NaN
}

const portRange = (from: number, to: number, msg: string) => badRequest(`Invalid port range ${from}:${to}. ${msg}`)

/**
 * Nova's _new_ingress_rule: a rule from a source group (ports opened fully when none are given)
 * or from a cidr (then protocol and both ports are required: undefined means "not enough
 * parameters"), with Nova's checks of protocol and ports.
 */
export function newIngressRule(input: { ip_protocol?: unknown; from_port?: unknown; to_port?: unknown; cidr?: string; group_id?: string }): NewRule | undefined {
  let from: unknown = input.from_port ?? null
  let to: unknown = input.to_port ?? null
  const protocol = input.ip_protocol === undefined || input.ip_protocol === null ? '' : String(input.ip_protocol)
  const upper = protocol.toUpperCase()
  const values: NewRule = {}
  if (input.group_id) {
    values.group_id = input.group_id
    if (upper === 'ICMP' && from === null && to === null) [from, to] = [-1, -1]
    else if ((upper === 'TCP' || upper === 'UDP') && from === null && to === null) [from, to] = [1, 65535]
  } else if (input.cidr) {
    values.cidr = input.cidr
  }
  if (!protocol || from === null || to === null) return input.group_id ? values : undefined
  const f = toInt(from)
  const t = toInt(to)
  if (Number.isNaN(f) || Number.isNaN(t)) {
    throw badRequest(upper === 'ICMP'
      ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
      : 'Invalid input received: To and From ports must be integers')
  }
  if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw badRequest(`Invalid IP protocol ${protocol}.`)
  if (upper !== 'ICMP' && f > t) throw portRange(f, t, 'Former value cannot be greater than the later')
  if (upper !== 'ICMP' && (f < 1 || t > 65535)) throw portRange(f, t, `Valid ${upper} ports should be between 1-65535`)
  if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw portRange(f, t, 'For ICMP, the type:code must be valid')
  return { ...values, protocol, from_port: f, to_port: t }
}

/** 400 for a prefix length of 0 on anything but the any-address (Nova's "Bad prefix" check). */
export function checkCidrPrefix(cidr: string): void {
  const [address, prefix] = cidr.split('/')
  const anyAddress = isIP(address!) === 4 ? address === '0.0.0.0' : /^[0:]+$/.test(address!)
  if (Number(prefix) === 0 && !anyAddress) throw badRequest(`Bad prefix for network in cidr ${cidr}`)
}

/** Whether the group already has the rule (Nova's _rule_exists, protocol compared without case). */
export function ruleExists(group: NovaGroup, rule: NewRule): boolean {
  return group.rules.some((r) => (r.group_id ?? undefined) === rule.group_id && r.cidr === rule.cidr
    && (r.from_port ?? undefined) === rule.from_port && (r.to_port ?? undefined) === rule.to_port
    && (r.protocol?.toLowerCase() ?? undefined) === rule.protocol?.toLowerCase())
}

/** The Neutron rule for a Nova one: always ingress, IPv6 only for an IPv6 cidr, -1 meaning "any". */
export function neutronRuleBody(parentGroupId: string, rule: NewRule): Record<string, unknown> {
  return {
    direction: 'ingress', security_group_id: parentGroupId,
    ethertype: rule.cidr && isIP(rule.cidr.split('/')[0]!) === 6 ? 'IPv6' : 'IPv4',
    ...(rule.protocol ? { protocol: rule.protocol.toLowerCase() } : {}),
    ...(rule.cidr ? { remote_ip_prefix: rule.cidr } : {}),
    ...(rule.group_id ? { remote_group_id: rule.group_id } : {}),
    ...(rule.from_port !== undefined && rule.from_port !== -1 ? { port_range_min: rule.from_port } : {}),
    ...(rule.to_port !== undefined && rule.to_port !== -1 ? { port_range_max: rule.to_port } : {}),
  }
}

/**
 * The group a server action names, by id or else by name within the caller's project (as
 * neutronclient's find_resourceid_by_name_or_id): 404 when there is none, 409 when the name is
 * ambiguous.
 */
export async function findGroupForProject(client: NetworkClient, nameOrId: string, projectId: string): Promise<SecurityGroupView> {
  if (isUuidLike(nameOrId)) {
    const byId = await client.listSecurityGroups({ id: nameOrId })
    if (byId.length) return byId[0]!
  }
  const byName = await client.listSecurityGroups({ name: nameOrId, project_id: projectId })
  if (byName.length > 1) throw conflict(`Multiple security_group matches found for name '${nameOrId}', use an ID to be more specific.`)
  if (!byName.length) throw notFound(`Security group ${nameOrId} is not found for project ${projectId}`)
  return byName[0]!
}

const noPorts = (uuid: string) => notFound(`instance_id ${uuid} could not be found as device id on any ports`)

/** Ports without an address or with port security off cannot take security groups. */
function takesSecurityGroups(port: PortView): boolean {
  const hasAddress = (port.fixed_ips ?? []).length > 0 || port.ip_allocation === 'deferred'
  return hasAddress && port.port_security_enabled !== false
}

/** Sets each port's groups, putting back the ports already changed when one update fails. */
async function setPortGroups(client: NetworkClient, changes: Array<{ port: PortView; groups: string[] }>): Promise<void> {
  const done: PortView[] = []
  try {
    for (const { port, groups } of changes) {
      await client.updatePort(port.id, { security_groups: groups })
      done.push(port)
    }
  } catch (err) {
    for (const port of done) await client.updatePort(port.id, { security_groups: port.security_groups }).catch(() => {})
    rethrowAs(err, { 400: 400 })
  }
}

/**
 * Adds the group to every port of the instance (Nova's add_to_instance). Checks every port first,
 * so a refusal changes no port. Returns the group.
 */
export async function addToInstance(client: NetworkClient, instanceUuid: string, projectId: string, nameOrId: string): Promise<SecurityGroupView> {
  const group = await findGroupForProject(client, nameOrId, projectId)
  const ports = await client.listPorts({ device_id: instanceUuid })
  if (!ports.length) throw noPorts(instanceUuid)
  if (!ports.every(takesSecurityGroups)) {
    throw badRequest('Network requires port_security_enabled and subnet associated in order to apply security groups.')
  }
  if (ports.some((p) => (p.security_groups ?? []).includes(group.id))) {
    throw badRequest(`Security group ${group.id} is already associated with the instance ${instanceUuid}`)
  }
  await setPortGroups(client, ports.map((port) => ({ port, groups: [...(port.security_groups ?? []), group.id] })))
  return group
}

/** Removes the group from the ports of the instance that have it (Nova's remove_from_instance). Returns the group. */
export async function removeFromInstance(client: NetworkClient, instanceUuid: string, projectId: string, nameOrId: string): Promise<SecurityGroupView> {
  const group = await findGroupForProject(client, nameOrId, projectId)
  const ports = await client.listPorts({ device_id: instanceUuid })
  if (!ports.length) throw noPorts(instanceUuid)
  const having = ports.filter((p) => (p.security_groups ?? []).includes(group.id))
  if (!having.length) throw notFound(`Security group ${nameOrId} not associated with the instance ${instanceUuid}`)
  await setPortGroups(client, having.map((port) => ({ port, groups: port.security_groups.filter((id) => id !== group.id) })))
  return group
}

/**
 * The groups on the instance's ports, once per port that has them as Nova lists them; groups
 * the caller cannot see are left out.
 */
export async function instanceGroups(client: NetworkClient, instanceUuid: string): Promise<NovaGroup[]> {
  const ports = await client.listPorts({ device_id: instanceUuid })
  const ids = [...new Set(ports.flatMap((p) => p.security_groups ?? []))]
  if (!ids.length) return []
  const groups = new Map((await client.listSecurityGroups({ id: ids })).map((g) => [g.id, novaGroup(g)]))
  return ports.flatMap((p) => (p.security_groups ?? []).flatMap((id) => groups.get(id) ?? []))
}
