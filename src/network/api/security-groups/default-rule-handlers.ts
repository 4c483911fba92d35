/**
 * @module `/v2.0/default-security-group-rules` (security-groups-default-rules): the rule templates
 * copied into every new group, the default group (used_in_default_sg) and the others
 * (used_in_non_default_sg); remote group `PARENT` stands for the new group. Admins create and
 * delete them; any reader lists them. Groups that already exist keep their rules.
 */
import { randomUUID } from 'node:crypto'
import type { ApiResponse } from '../../../common/http/types.ts'
import type { SecurityGroupDefaultRuleRow } from '../../db/schema.ts'
import { can, enforce, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse } from '../listing.ts'
import { defaultRuleNotFound, sgError } from './errors.ts'
import { DEFAULT_RULE_FIELDS, renderDefaultRule } from './render.ts'
import { convertToBoolean, prepareBody, validateString, type AttributeMap } from './request-body.ts'
import { RULE_BASE_ATTRIBUTES, checkRuleFields, ruleKey, type RuleFields } from './rule-validation.ts'
import { inTransaction } from '../ports/retry.ts'

/** Address groups are not implemented, so a template can only name none. */
const noAddressGroup = (v: unknown) => (v === null ? undefined : 'address groups are not supported')

const DEFAULT_RULE_ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  tenant_id: { post: true, put: false, validate: validateString(255) },
  description: { post: true, put: false, default: '', validate: validateString(255) },
  ...RULE_BASE_ATTRIBUTES,
  remote_address_group_id: { post: true, put: false, default: null, validate: noAddressGroup },
  used_in_default_sg: { post: true, put: false, convert: convertToBoolean },
  used_in_non_default_sg: { post: true, put: false, convert: convertToBoolean },
  project_id: { post: true, put: false, validate: validateString(255) },
}

async function findTemplate(deps: NetworkDeps, id: string): Promise<SecurityGroupDefaultRuleRow> {
  const row = await deps.db.selectFrom('security_group_default_rules').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw defaultRuleNotFound(id)
  return row
}

export async function listDefaultSecurityGroupRules(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  enforce(deps, req, 'get_default_security_group_rule', {})
  const rows = await deps.db.selectFrom('security_group_default_rules').selectAll().execute()
  return listResponse(req, { collection: 'default_security_group_rules', attributes: DEFAULT_RULE_FIELDS }, rows.map(renderDefaultRule))
}

export async function showDefaultSecurityGroupRule(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const row = await findTemplate(deps, req.params.default_security_group_rule_id!)
  if (!can(deps, req, 'get_default_security_group_rule', {})) throw defaultRuleNotFound(row.id)
  return showResponse(req, 'default_security_group_rule', renderDefaultRule(row))
}

export async function createDefaultSecurityGroupRule(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const { items } = prepareBody(req.body, {
    resource: 'default_security_group_rule', collection: 'default_security_group_rules', attributes: DEFAULT_RULE_ATTRIBUTES,
    isCreate: true, allowBulk: false, callerProject: projectOf(req), canSetProjectId: isAdmin(deps, req),
  })
  const item = items[0]!
  enforce(deps, req, 'create_default_security_group_rule', item)
  const rule = checkRuleFields(item as RuleFields)
  const usedInDefault = item.used_in_default_sg as boolean
  const usedInOthers = item.used_in_non_default_sg as boolean
  const row: SecurityGroupDefaultRuleRow = {
    id: randomUUID(), description: item.description as string, ...rule,
    used_in_default_sg: usedInDefault ? 1 : 0, used_in_non_default_sg: usedInOthers ? 1 : 0,
  }
  await inTransaction(deps.db, async (trx) => {
    // A template may not repeat one that applies to the same kind of group.
    const key = ruleKey(rule)
    const existing = await trx.selectFrom('security_group_default_rules').selectAll().execute()
    const clash = existing.find((t) => ((usedInDefault && t.used_in_default_sg === 1) || (usedInOthers && t.used_in_non_default_sg === 1)) &&
      ruleKey(t) === key)
    if (clash) throw sgError('DefaultSecurityGroupRuleExists', `Default Security group rule already exists. Rule id is ${clash.id}.`)
    await trx.insertInto('security_group_default_rules').values(row).execute()
  })
  return showResponse(req, 'default_security_group_rule', renderDefaultRule(row), 201)
}

export async function deleteDefaultSecurityGroupRule(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const row = await findTemplate(deps, req.params.default_security_group_rule_id!)
  enforce(deps, req, 'delete_default_security_group_rule', {},
    () => can(deps, req, 'get_default_security_group_rule', {}) ? undefined : defaultRuleNotFound(row.id))
  await deps.db.deleteFrom('security_group_default_rules').where('id', '=', row.id).execute()
  return { status: 204 }
}
