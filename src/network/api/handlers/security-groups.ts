/** Routes of security groups, their rules and the default rule templates (handlers in ../security-groups/). */
import { route, type ApiResponse, type Route } from '../../../common/http/types.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import {
  createDefaultSecurityGroupRule, deleteDefaultSecurityGroupRule, listDefaultSecurityGroupRules, showDefaultSecurityGroupRule,
} from '../security-groups/default-rule-handlers.ts'
import {
  createSecurityGroups, deleteSecurityGroup, listSecurityGroups, showSecurityGroup, updateSecurityGroup,
} from '../security-groups/group-handlers.ts'
import {
  createSecurityGroupRules, deleteSecurityGroupRule, listSecurityGroupRules, showSecurityGroupRule,
} from '../security-groups/rule-handlers.ts'

export function securityGroupsRoutes(deps: NetworkDeps): Route[] {
  const h = (fn: (deps: NetworkDeps, req: NetworkRequest) => Promise<ApiResponse>) => (req: NetworkRequest) => fn(deps, req)
  return [
    route('GET', '/v2.0/security-groups', h(listSecurityGroups)),
    route('POST', '/v2.0/security-groups', h(createSecurityGroups)),
    route('GET', '/v2.0/security-groups/:security_group_id', h(showSecurityGroup)),
    route('PUT', '/v2.0/security-groups/:security_group_id', h(updateSecurityGroup)),
    route('DELETE', '/v2.0/security-groups/:security_group_id', h(deleteSecurityGroup)),
    route('GET', '/v2.0/security-group-rules', h(listSecurityGroupRules)),
    route('POST', '/v2.0/security-group-rules', h(createSecurityGroupRules)),
    route('GET', '/v2.0/security-group-rules/:security_group_rule_id', h(showSecurityGroupRule)),
    route('DELETE', '/v2.0/security-group-rules/:security_group_rule_id', h(deleteSecurityGroupRule)),
    route('GET', '/v2.0/default-security-group-rules', h(listDefaultSecurityGroupRules)),
    route('POST', '/v2.0/default-security-group-rules', h(createDefaultSecurityGroupRule)),
    route('GET', '/v2.0/default-security-group-rules/:default_security_group_rule_id', h(showDefaultSecurityGroupRule)),
    route('DELETE', '/v2.0/default-security-group-rules/:default_security_group_rule_id', h(deleteDefaultSecurityGroupRule)),
  ]
}
