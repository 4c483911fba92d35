/**
 * @module `/v2.0/security-group-rules`: list, show, create (also bulk, one group per request) and
 * delete. Rules have no update. A rule belongs to its group's owner for policy; creating one checks
 * the group and any remote group exist for the rule's project, and refuses duplicates naming the
 * rule that already exists.
 */
import { randomUUID } from 'node:crypto'
import type { ApiResponse } from '../../../common/http/types.ts'
import type { SecurityGroupRuleRow } from '../../db/schema.ts'
import { can, enforce, enforceAttributes, isAdmin, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse, type Item } from '../listing.ts'
import { checkQuota } from '../quotas/quota.ts'
import { checkRevision, newStandardAttrs } from '../standard-attrs.ts'
import { resourceNotFound, securityGroupNotFound, securityGroupRuleNotFound, sgError } from './errors.ts'
import { ensureDefaultForListing } from './group-handlers.ts'
import { pyStr } from './protocols.ts'
import { RULE_FIELDS, renderRule, ruleTarget } from './render.ts'
import { READ_ONLY_STANDARD, prepareBody, validateString, type AttributeMap } from './request-body.ts'
import { RULE_BASE_ATTRIBUTES, checkRuleFields, normalizedCidr, ruleKey, type RuleFields } from './rule-validation.ts'
import { defaultGroupIds, findGroup, findRule, listRules, reviseGroups, rulesOfGroups } from './security-group-store.ts'
import { inTransaction } from '../ports/retry.ts'

/** The rule attributes of security-group, the standard attributes and the rule extensions, in upstream order. */
const RULE_ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  security_group_id: { post: true, put: false, validate: validateString(36) },
  ...RULE_BASE_ATTRIBUTES,
  tenant_id: { post: true, put: false, validate: validateString(255) },
  description: { post: true, put: false, default: '', validate: validateString(255) },
  project_id: { post: true, put: false, validate: validateString(255) },
  normalized_cidr: { post: false, put: false },
  belongs_to_default_sg: { post: false, put: false },
  ...READ_ONLY_STANDARD,
}

type NewRule = RuleFields & { security_group_id: string; project_id: string; description: string }

export async function listSecurityGroupRules(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  await ensureDefaultForListing(deps, req)
  const rows = await listRules(deps.db, isAdmin(deps, req) ? undefined : projectOf(req))
  const defaults = await defaultGroupIds(deps.db)
  const items: Item[] = []
  for (const row of rows) {
    const rule = renderRule(row, defaults.has(row.security_group_id))
    const target = ruleTarget(rule, row.group_project_id)
    if (can(deps, req, 'get_security_group_rule', target)) items.push(visibleFields(deps, req, 'security_group_rule', rule, target))
  }
  return listResponse(req, { collection: 'security_group_rules', attributes: RULE_FIELDS }, items)
}

export async function showSecurityGroupRule(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const id = req.params.security_group_rule_id!
  const row = await findRule(deps.db, id)
  if (!row) throw securityGroupRuleNotFound(id)
  const rule = renderRule(row, (await defaultGroupIds(deps.db, [row.security_group_id])).size > 0)
  const target = ruleTarget(rule, row.group_project_id)
  if (!can(deps, req, 'get_security_group_rule', target)) throw resourceNotFound()
  return showResponse(req, 'security_group_rule', visibleFields(deps, req, 'security_group_rule', rule, target))
}

export async function createSecurityGroupRules(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const admin = isAdmin(deps, req)
  const { items, bulk } = prepareBody(req.body, {
    resource: 'security_group_rule', collection: 'security_group_rules', attributes: RULE_ATTRIBUTES, isCreate: true,
    allowBulk: true, callerProject: projectOf(req), canSetProjectId: admin || can(deps, req, 'service_api', {}),
  })
  if (new Set(items.map((i) => i.security_group_id)).size > 1) {
    throw sgError('SecurityGroupNotSingleGroupRules', 'Only allowed to update rules for one security profile at a time')
  }
  if (new Set(items.map((i) => i.project_id)).size > 1) {
    throw sgError('SecurityGroupRulesNotSingleProject', 'Multiple project_ids in bulk security group rule create not allowed')
  }
  const groupId = items[0]!.security_group_id as string
  const group = await findGroup(deps.db, groupId)
  if (!group) throw securityGroupNotFound(groupId)
  for (const item of items) {
    const target = ruleTarget(item, group.project_id)
    enforce(deps, req, 'create_security_group_rule', target)
    enforceAttributes(deps, req, 'create_security_group_rule', item, target)
  }
  const rules: NewRule[] = items.map((item) => ({
    ...checkRuleFields({ ...(item as RuleFields), remote_address_group_id: null }),
    security_group_id: groupId, project_id: item.project_id as string, description: item.description as string,
  }))
  for (const rule of rules) {
    const remote: unknown = rule.remote_group_id
    if (remote === '') rule.remote_group_id = null
    else if (remote !== null && typeof remote !== 'string') throw securityGroupNotFound(pyStr(remote))
  }
  const projectId = rules[0]!.project_id
  const created = await inTransaction(deps.db, async (trx) => {
    // Revising the group first takes its row lock: concurrent creates on it check duplicates one at a time.
    await reviseGroups(trx, [groupId])
    // Remote groups and the group itself must exist for the rule's project (any project for admins).
    const usable = async (id: string) => {
      const g = await findGroup(trx, id)
      return g !== undefined && (admin || g.project_id === projectId)
    }
    for (const rule of rules) {
      if (rule.remote_group_id && !await usable(rule.remote_group_id)) throw securityGroupNotFound(rule.remote_group_id)
    }
    if (!await usable(groupId)) throw securityGroupNotFound(groupId)
    const keys = new Set<string>()
    for (const rule of rules) {
      const key = ruleKey(rule)
      if (keys.has(key)) throw sgError('DuplicateSecurityGroupRuleInPost', 'Duplicate Security Group Rule in POST.')
      keys.add(key)
    }
    for (const existing of (await rulesOfGroups(trx, [groupId])).get(groupId) ?? []) {
      if (keys.has(ruleKey(existing))) {
        throw sgError('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${existing.id}.`)
      }
    }
    await checkQuota(deps, trx, projectId, 'security_group_rule', rules.length)
    const rows: SecurityGroupRuleRow[] = rules.map((r) => ({
      id: randomUUID(), ...r, normalized_cidr: normalizedCidr(r.remote_ip_prefix), ...newStandardAttrs(r.description),
    }))
    await trx.insertInto('security_group_rules').values(rows).execute()
    return rows
  })
  const isDefault = (await defaultGroupIds(deps.db, [groupId])).size > 0
  const shown = created.map((row) => {
    const rule = renderRule(row, isDefault)
    return visibleFields(deps, req, 'security_group_rule', rule, ruleTarget(rule, group.project_id))
  })
  return bulk ? { status: 201, body: { security_group_rules: shown } } : showResponse(req, 'security_group_rule', shown[0]!, 201)
}

export async function deleteSecurityGroupRule(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const id = req.params.security_group_rule_id!
  const row = await findRule(deps.db, id)
  if (!row) throw securityGroupRuleNotFound(id)
  const rule = renderRule(row, (await defaultGroupIds(deps.db, [row.security_group_id])).size > 0)
  const target = ruleTarget(rule, row.group_project_id)
  enforce(deps, req, 'delete_security_group_rule', target,
    () => can(deps, req, 'get_security_group_rule', target) ? undefined : resourceNotFound())
  checkRevision(req, row.revision_number)
  await inTransaction(deps.db, async (trx) => {
    await reviseGroups(trx, [row.security_group_id])
    const result = await trx.deleteFrom('security_group_rules').where('id', '=', id).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw securityGroupRuleNotFound(id)
  })
  return { status: 204 }
}
