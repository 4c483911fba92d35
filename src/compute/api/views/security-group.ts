/**
 * @module How a security group and its rules look in Nova's API (os-security-groups): a rule shows
 * either its cidr in ip_range or its source group's name and project in group. A rule whose source
 * group the caller can no longer see is left out, as Nova does.
 */
import type { NetworkClient } from '../../../network/client.ts'
import type { NovaGroup, NovaRule } from '../../network/security-group-api.ts'

export type GroupRef = { name: string; tenant_id: string }

/** Source groups by id, looked up once; null for one that is gone or hidden. */
export type GroupRefs = Map<string, GroupRef | null>

/** Source groups of the given groups' rules, with the groups themselves known up front. */
export async function groupRefsOf(client: NetworkClient, groups: NovaGroup[]): Promise<GroupRefs> {
  const refs: GroupRefs = new Map(groups.map((g) => [g.id, { name: g.name, tenant_id: g.project_id }]))
  for (const id of new Set(groups.flatMap((g) => g.rules.flatMap((r) => r.group_id ?? [])))) {
    if (refs.has(id)) continue
    const source = await client.getSecurityGroup(id)
    refs.set(id, source ? { name: source.name, tenant_id: source.project_id } : null)
  }
  return refs
}

export function securityGroupRuleView(rule: NovaRule, refs: GroupRefs): Record<string, unknown> | undefined {
  const ref = rule.group_id ? refs.get(rule.group_id) : undefined
  if (rule.group_id && !ref) return undefined
  return {
    id: rule.id, parent_group_id: rule.parent_group_id, ip_protocol: rule.protocol,
    from_port: rule.from_port, to_port: rule.to_port,
    group: ref ?? {}, ip_range: rule.group_id ? {} : { cidr: rule.cidr },
  }
}

export function securityGroupView(group: NovaGroup, refs: GroupRefs): Record<string, unknown> {
  return {
    id: group.id, name: group.name, description: group.description, tenant_id: group.project_id,
    rules: group.rules.flatMap((r) => securityGroupRuleView(r, refs) ?? []),
  }
}

/** Views of several groups, sorted by project and name as Nova lists them. */
export async function securityGroupViews(client: NetworkClient, groups: NovaGroup[]): Promise<Record<string, unknown>[]> {
  const refs = await groupRefsOf(client, groups)
  const key = (g: NovaGroup) => [g.project_id, g.name] as const
  const sorted = groups.toSorted((a, b) => {
    const [pa, na] = key(a)
    const [pb, nb] = key(b)
    return pa < pb ? -1 : pa > pb ? 1 : na < nb ? -1 : na > nb ? 1 : 0
  })
  return sorted.map((g) => securityGroupView(g, refs))
}
