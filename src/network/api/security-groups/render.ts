/**
 * @module Security groups and rules as the API shows them, and the policy targets Neutron's rules
 * read (see src/network/policies.ts: `security_group:project_id` for rules, `shared` for groups).
 */
import type { SecurityGroupDefaultRuleRow, SecurityGroupRow, SecurityGroupRuleRow } from '../../db/schema.ts'
import type { Item } from '../listing.ts'
import { neutronTime, renderStandard } from '../standard-attrs.ts'
import { normalizedCidr } from './rule-validation.ts'

/** Attributes clients may filter and sort groups on. */
export const GROUP_FIELDS = ['id', 'name', 'project_id', 'tenant_id', 'description', 'stateful', 'created_at', 'updated_at', 'revision_number'] as const

/** Attributes clients may filter and sort rules on. */
export const RULE_FIELDS = [
  'id', 'security_group_id', 'remote_group_id', 'direction', 'protocol', 'port_range_min', 'port_range_max', 'ethertype',
  'remote_ip_prefix', 'project_id', 'tenant_id', 'description', 'normalized_cidr', 'belongs_to_default_sg',
  'created_at', 'updated_at', 'revision_number',
] as const

/** Attributes clients may filter and sort rule templates on. */
export const DEFAULT_RULE_FIELDS = [
  'id', 'description', 'remote_group_id', 'remote_address_group_id', 'direction', 'protocol', 'port_range_min',
  'port_range_max', 'ethertype', 'remote_ip_prefix', 'used_in_default_sg', 'used_in_non_default_sg',
] as const

export function renderRule(row: SecurityGroupRuleRow, belongsToDefault: boolean): Item {
  return {
    id: row.id,
    project_id: row.project_id,
    tenant_id: row.project_id,
    security_group_id: row.security_group_id,
    ethertype: row.ethertype,
    direction: row.direction,
    protocol: row.protocol,
    port_range_min: row.port_range_min,
    port_range_max: row.port_range_max,
    remote_ip_prefix: row.remote_ip_prefix,
    normalized_cidr: normalizedCidr(row.remote_ip_prefix),
    remote_group_id: row.remote_group_id,
    belongs_to_default_sg: belongsToDefault,
    description: row.description,
    created_at: neutronTime(row.created_at),
    updated_at: neutronTime(row.updated_at),
    revision_number: row.revision_number,
  }
}

export function renderGroup(row: SecurityGroupRow, rules: SecurityGroupRuleRow[], tags: string[], isDefault: boolean): Item {
  return {
    id: row.id,
    name: row.name,
    stateful: row.stateful === 1,
    project_id: row.project_id,
    tenant_id: row.project_id,
    security_group_rules: rules.map((r) => renderRule(r, isDefault)),
    ...renderStandard(row, tags),
  }
}

export function renderDefaultRule(row: SecurityGroupDefaultRuleRow): Item {
  return {
    id: row.id,
    ethertype: row.ethertype,
    direction: row.direction,
    protocol: row.protocol,
    port_range_min: row.port_range_min,
    port_range_max: row.port_range_max,
    remote_ip_prefix: row.remote_ip_prefix,
    remote_address_group_id: row.remote_address_group_id,
    remote_group_id: row.remote_group_id,
    description: row.description,
    used_in_default_sg: row.used_in_default_sg === 1,
    used_in_non_default_sg: row.used_in_non_default_sg === 1,
  }
}

/** Policy target of a group: the group itself; `shared` is false as groups cannot be shared here (no RBAC). */
export const groupTarget = (group: Item): Record<string, unknown> => ({ ...group, shared: false })

/** Policy target of a rule: the rule plus its group's owner. */
export const ruleTarget = (rule: Item, groupProjectId: string): Record<string, unknown> =>
  ({ ...rule, 'security_group:project_id': groupProjectId })
