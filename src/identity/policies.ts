import type { PolicyDefault, ScopeType } from '../common/policy/policy-enforcer.ts'

// Keystone's default policies (keystone/common/policies/*.py at master 30ef2ff, 2026: secure RBAC
// reader/member/manager/admin personas plus the 2026 fixes for root-domain None matches, EC2, trusts).
// Rule strings are Keystone's verbatim; the constants mirror the way Keystone composes them.

const ADMIN_REQUIRED = 'rule:admin_required'
const SERVICE_OR_ADMIN = 'rule:service_or_admin'
const SYSTEM_READER = 'role:reader and system_scope:all'
const SYSTEM_ADMIN = 'role:admin and system_scope:all'
const ADMIN_OR_SYSTEM_READER = `${ADMIN_REQUIRED} or (${SYSTEM_READER})`
// Same logic as ADMIN_OR_SYSTEM_READER; most Keystone modules spell it with extra parentheses.
const ADMIN_OR_SYSTEM_READER_PAREN = `(${ADMIN_REQUIRED}) or (${SYSTEM_READER})`
const ADMIN_OR_SYSTEM_READER_OR_OWNER = `${ADMIN_OR_SYSTEM_READER_PAREN} or rule:owner`
const ADMIN_OR_SYSTEM_OR_DOMAIN_READER = `${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and domain_id:%(target.domain_id)s)`
const selfOr = (prefix: string) => `(${prefix}) or user_id:%(target.user.id)s`

const CREDENTIAL_OWNER = 'user_id:%(target.credential.user_id)s'
const ADMIN_OR_SYSTEM_READER_OR_CRED_OWNER = `${ADMIN_OR_SYSTEM_READER_PAREN} or ${CREDENTIAL_OWNER}`
const ADMIN_OR_CRED_OWNER = `(${ADMIN_REQUIRED}) or ${CREDENTIAL_OWNER}`
const ADMIN_OR_MEMBER_AND_CRED_OWNER = `(${ADMIN_REQUIRED}) or (role:member and ${CREDENTIAL_OWNER})`

const PROJECT_IN_DOMAIN = 'domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s'
const PROJECT_READER = `${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and ${PROJECT_IN_DOMAIN}) or project_id:%(target.project.id)s`
const PROJECT_MANAGER = `(${ADMIN_REQUIRED}) or (role:manager and ${PROJECT_IN_DOMAIN})`
const USER_MANAGER = `(${ADMIN_REQUIRED}) or (role:manager and token.domain.id:%(target.user.domain_id)s)`

const GROUP_IN_DOMAIN = 'domain_id:%(target.group.domain_id)s'
const GROUP_READER = `${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and ${GROUP_IN_DOMAIN})`
const GROUP_MANAGER = `(${ADMIN_REQUIRED}) or (role:manager and ${GROUP_IN_DOMAIN})`
const GROUP_MEMBERSHIP_MANAGER = `(${ADMIN_REQUIRED}) or (role:manager and ${GROUP_IN_DOMAIN} and domain_id:%(target.user.domain_id)s)`

const TRUSTOR = 'user_id:%(target.trust.trustor_user_id)s'
const TRUSTEE = 'user_id:%(target.trust.trustee_user_id)s'
const ADMIN_OR_SYSTEM_READER_OR_TRUST_PARTY = `(${ADMIN_REQUIRED}) or (${SYSTEM_READER} or ${TRUSTOR} or ${TRUSTEE})`

/** grant.py: `role` held in the domain that owns both the actor (user/group) and the target (project/domain). */
const grantsInDomain = (role: string) =>
  ['user.domain_id', 'group.domain_id']
    .flatMap((actor) => ['project.domain_id', 'domain.id'].map((t) => `(role:${role} and domain_id:%(target.${actor})s and domain_id:%(target.${t})s)`))
    .join(' or ')
const ROLE_IN_DOMAIN = 'domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s'
const GRANT_READ = `(${ADMIN_REQUIRED}) or ((${SYSTEM_READER}) or (${grantsInDomain('reader')}) and (${ROLE_IN_DOMAIN}))`
const GRANT_LIST = `(${ADMIN_REQUIRED}) or ((${SYSTEM_READER}) or ${grantsInDomain('reader')})`
const GRANT_CHANGE = `(${ADMIN_REQUIRED}) or (${grantsInDomain('admin')}) and (${ROLE_IN_DOMAIN})`
  + ` or (${grantsInDomain('manager')}) and rule:domain_managed_target_role`

const SP: readonly ScopeType[] = ['system', 'project']
const SDP: readonly ScopeType[] = ['system', 'domain', 'project']
const rule = (check: string, scopes?: readonly ScopeType[]): PolicyDefault =>
  scopes ? { rule: check, scopeTypes: [...scopes] } : { rule: check }
const sp = (check: string) => rule(check, SP)
const sdp = (check: string) => rule(check, SDP)
const p = (check: string) => rule(check, ['project'])

/**
 * Keystone's registered defaults, keyed by rule name (base rules such as `admin_required`, then
 * `identity:*` actions). Targets follow Keystone's enforcer: URL path params at the top level
 * (`user_id`, ...) and the object under `target` (`target.user.domain_id`, `target.project.id`, ...).
 */
export const identityPolicies: Record<string, PolicyDefault> = {
  'admin_required': rule('role:admin or is_admin:1'),
  'service_role': rule('role:service'),
  'service_or_admin': rule('rule:admin_required or rule:service_role'),
  'owner': rule('user_id:%(user_id)s'),
  'admin_or_owner': rule('rule:admin_required or rule:owner'),
  'token_subject': rule('user_id:%(target.token.user_id)s'),
  'admin_or_token_subject': rule('rule:admin_required or rule:token_subject'),
  'service_admin_or_token_subject': rule('rule:service_or_admin or rule:token_subject'),
  'domain_managed_target_role': rule("'manager':%(target.role.name)s or 'member':%(target.role.name)s or 'reader':%(target.role.name)s"),
  // access_rule.py
  'identity:get_access_rule': sp(selfOr(SYSTEM_READER)),
  'identity:list_access_rules': sp(selfOr(SYSTEM_READER)),
  'identity:delete_access_rule': sp(selfOr(SYSTEM_ADMIN)),
  // access_token.py
  'identity:authorize_request_token': p(ADMIN_REQUIRED),
  'identity:get_access_token': p(ADMIN_REQUIRED),
  'identity:get_access_token_role': p(ADMIN_REQUIRED),
  'identity:list_access_tokens': p(ADMIN_REQUIRED),
  'identity:list_access_token_roles': p(ADMIN_REQUIRED),
  'identity:delete_access_token': p(ADMIN_REQUIRED),
  // application_credential.py
  'identity:get_application_credential': sp(ADMIN_OR_SYSTEM_READER_OR_OWNER),
  'identity:list_application_credentials': sp(ADMIN_OR_SYSTEM_READER_OR_OWNER),
  'identity:create_application_credential': p('user_id:%(user_id)s'),
  'identity:delete_application_credential': sp('rule:admin_or_owner'),
  // auth.py
  'identity:get_auth_catalog': rule(''),
  'identity:get_auth_projects': rule(''),
  'identity:get_auth_domains': rule(''),
  'identity:get_auth_system': rule(''),
  // consumer.py
  'identity:get_consumer': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_consumers': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_consumer': sp(ADMIN_REQUIRED),
  'identity:update_consumer': sp(ADMIN_REQUIRED),
  'identity:delete_consumer': sp(ADMIN_REQUIRED),
  // credential.py
  'identity:get_credential': sdp(ADMIN_OR_SYSTEM_READER_OR_CRED_OWNER),
  'identity:list_credentials': sdp(ADMIN_OR_SYSTEM_READER_OR_CRED_OWNER),
  'identity:create_credential': sdp(ADMIN_OR_CRED_OWNER),
  'identity:update_credential': sdp(ADMIN_OR_CRED_OWNER),
  'identity:delete_credential': sdp(ADMIN_OR_CRED_OWNER),
  // domain.py
  'identity:get_domain': sdp(`${ADMIN_OR_SYSTEM_READER} or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s`),
  'identity:list_domains': sdp(`${ADMIN_OR_SYSTEM_READER} or (role:reader and domain_id:%(target.domain.id)s)`),
  'identity:create_domain': sp(ADMIN_REQUIRED),
  'identity:update_domain': sp(ADMIN_REQUIRED),
  'identity:delete_domain': sp(ADMIN_REQUIRED),
  // domain_config.py
  'identity:create_domain_config': sp(ADMIN_REQUIRED),
  'identity:get_domain_config': sp(ADMIN_OR_SYSTEM_READER),
  'identity:get_security_compliance_domain_config': sdp(''),
  'identity:update_domain_config': sp(ADMIN_REQUIRED),
  'identity:delete_domain_config': sp(ADMIN_REQUIRED),
  'identity:get_domain_config_default': sp(ADMIN_OR_SYSTEM_READER),
  // ec2_credential.py
  'identity:ec2_get_credential': sp(ADMIN_OR_SYSTEM_READER_OR_CRED_OWNER),
  'identity:ec2_list_credentials': sp(ADMIN_OR_SYSTEM_READER_OR_OWNER),
  'identity:ec2_create_credential': sp(ADMIN_OR_MEMBER_AND_CRED_OWNER),
  'identity:ec2_delete_credential': sp(ADMIN_OR_MEMBER_AND_CRED_OWNER),
  // endpoint.py
  'identity:get_endpoint': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_endpoints': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_endpoint': sp(ADMIN_REQUIRED),
  'identity:update_endpoint': sp(ADMIN_REQUIRED),
  'identity:delete_endpoint': sp(ADMIN_REQUIRED),
  // endpoint_group.py
  'identity:create_endpoint_group': sp(ADMIN_REQUIRED),
  'identity:list_endpoint_groups': sp(ADMIN_OR_SYSTEM_READER),
  'identity:get_endpoint_group': sp(ADMIN_OR_SYSTEM_READER),
  'identity:update_endpoint_group': sp(ADMIN_REQUIRED),
  'identity:delete_endpoint_group': sp(ADMIN_REQUIRED),
  'identity:list_projects_associated_with_endpoint_group': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_endpoints_associated_with_endpoint_group': sp(ADMIN_OR_SYSTEM_READER),
  'identity:get_endpoint_group_in_project': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_endpoint_groups_for_project': sp(ADMIN_OR_SYSTEM_READER),
  'identity:add_endpoint_group_to_project': sp(ADMIN_REQUIRED),
  'identity:remove_endpoint_group_from_project': sp(ADMIN_REQUIRED),
  // grant.py
  'identity:check_grant': sdp(GRANT_READ),
  'identity:list_grants': sdp(GRANT_LIST),
  'identity:create_grant': sdp(GRANT_CHANGE),
  'identity:revoke_grant': sdp(GRANT_CHANGE),
  'identity:list_system_grants_for_user': sp(ADMIN_OR_SYSTEM_READER),
  'identity:check_system_grant_for_user': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_system_grant_for_user': sp(ADMIN_REQUIRED),
  'identity:revoke_system_grant_for_user': sp(ADMIN_REQUIRED),
  'identity:list_system_grants_for_group': sp(ADMIN_OR_SYSTEM_READER),
  'identity:check_system_grant_for_group': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_system_grant_for_group': sp(ADMIN_REQUIRED),
  'identity:revoke_system_grant_for_group': sp(ADMIN_REQUIRED),
  // group.py
  'identity:get_group': sdp(GROUP_READER),
  'identity:list_groups': sdp(GROUP_READER),
  'identity:list_groups_for_user': sdp(`${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(user_id)s`),
  'identity:create_group': sdp(GROUP_MANAGER),
  'identity:update_group': sdp(GROUP_MANAGER),
  'identity:delete_group': sdp(GROUP_MANAGER),
  'identity:list_users_in_group': sdp(GROUP_READER),
  'identity:remove_user_from_group': sdp(GROUP_MEMBERSHIP_MANAGER),
  'identity:check_user_in_group': sdp(`${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)`),
  'identity:add_user_to_group': sdp(GROUP_MEMBERSHIP_MANAGER),
  // identity_provider.py
  'identity:create_identity_provider': sp(ADMIN_REQUIRED),
  'identity:list_identity_providers': sp(ADMIN_OR_SYSTEM_READER),
  'identity:get_identity_provider': sp(ADMIN_OR_SYSTEM_READER),
  'identity:update_identity_provider': sp(ADMIN_REQUIRED),
  'identity:delete_identity_provider': sp(ADMIN_REQUIRED),
  // implied_role.py
  'identity:get_implied_role': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_implied_roles': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_implied_role': sp(ADMIN_REQUIRED),
  'identity:delete_implied_role': sp(ADMIN_REQUIRED),
  'identity:list_role_inference_rules': sp(ADMIN_OR_SYSTEM_READER),
  'identity:check_implied_role': sp(ADMIN_OR_SYSTEM_READER),
  // limit.py
  'identity:get_limit_model': sdp(''),
  'identity:get_limit': sdp(`${ADMIN_OR_SYSTEM_READER} or (domain_id:%(target.limit.domain.id)s or domain_id:%(target.limit.project.domain_id)s) or (project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)`),
  'identity:list_limits': sdp(''),
  'identity:create_limits': sp(ADMIN_REQUIRED),
  'identity:update_limit': sp(ADMIN_REQUIRED),
  'identity:delete_limit': sp(ADMIN_REQUIRED),
  // mapping.py
  'identity:create_mapping': sp(ADMIN_REQUIRED),
  'identity:get_mapping': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_mappings': sp(ADMIN_OR_SYSTEM_READER),
  'identity:delete_mapping': sp(ADMIN_REQUIRED),
  'identity:update_mapping': sp(ADMIN_REQUIRED),
  // policy.py
  'identity:get_policy': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_policies': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_policy': sp(ADMIN_REQUIRED),
  'identity:update_policy': sp(ADMIN_REQUIRED),
  'identity:delete_policy': sp(ADMIN_REQUIRED),
  // policy_association.py
  'identity:create_policy_association_for_endpoint': sp(ADMIN_REQUIRED),
  'identity:check_policy_association_for_endpoint': sp(ADMIN_OR_SYSTEM_READER),
  'identity:delete_policy_association_for_endpoint': sp(ADMIN_REQUIRED),
  'identity:create_policy_association_for_service': sp(ADMIN_REQUIRED),
  'identity:check_policy_association_for_service': sp(ADMIN_OR_SYSTEM_READER),
  'identity:delete_policy_association_for_service': sp(ADMIN_REQUIRED),
  'identity:create_policy_association_for_region_and_service': sp(ADMIN_REQUIRED),
  'identity:check_policy_association_for_region_and_service': sp(ADMIN_OR_SYSTEM_READER),
  'identity:delete_policy_association_for_region_and_service': sp(ADMIN_REQUIRED),
  'identity:get_policy_for_endpoint': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_endpoints_for_policy': sp(ADMIN_OR_SYSTEM_READER),
  // project.py
  'identity:get_project': sdp(PROJECT_READER),
  'identity:list_projects': sdp(ADMIN_OR_SYSTEM_OR_DOMAIN_READER),
  'identity:list_user_projects': sdp(`${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s`),
  'identity:create_project': sdp(PROJECT_MANAGER),
  'identity:update_project': sdp(PROJECT_MANAGER),
  'identity:delete_project': sdp(PROJECT_MANAGER),
  'identity:list_project_tags': sdp(PROJECT_READER),
  'identity:get_project_tag': sdp(PROJECT_READER),
  'identity:update_project_tags': sdp(PROJECT_MANAGER),
  'identity:create_project_tag': sdp(PROJECT_MANAGER),
  'identity:delete_project_tags': sdp(PROJECT_MANAGER),
  'identity:delete_project_tag': sdp(PROJECT_MANAGER),
  // project_endpoint.py
  'identity:list_projects_for_endpoint': sp(ADMIN_OR_SYSTEM_READER),
  'identity:add_endpoint_to_project': sp(ADMIN_REQUIRED),
  'identity:check_endpoint_in_project': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_endpoints_for_project': sp(ADMIN_OR_SYSTEM_READER),
  'identity:remove_endpoint_from_project': sp(ADMIN_REQUIRED),
  // protocol.py
  'identity:create_protocol': sp(ADMIN_REQUIRED),
  'identity:update_protocol': sp(ADMIN_REQUIRED),
  'identity:get_protocol': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_protocols': sp(ADMIN_OR_SYSTEM_READER),
  'identity:delete_protocol': sp(ADMIN_REQUIRED),
  // region.py
  'identity:get_region': sdp(''),
  'identity:list_regions': sdp(''),
  'identity:create_region': sp(ADMIN_REQUIRED),
  'identity:update_region': sp(ADMIN_REQUIRED),
  'identity:delete_region': sp(ADMIN_REQUIRED),
  // registered_limit.py
  'identity:get_registered_limit': sdp(''),
  'identity:list_registered_limits': sdp(''),
  'identity:create_registered_limits': sp(ADMIN_REQUIRED),
  'identity:update_registered_limit': sp(ADMIN_REQUIRED),
  'identity:delete_registered_limit': sp(ADMIN_REQUIRED),
  // revoke_event.py
  'identity:list_revoke_events': sp(SERVICE_OR_ADMIN),
  // role.py
  'identity:get_role': sdp('(rule:admin_required or (role:reader and system_scope:all)) or (role:manager and rule:domain_managed_target_role)'),
  'identity:list_roles': sdp('(rule:admin_required or (role:reader and system_scope:all)) or (role:manager and not domain_id:None)'),
  'identity:create_role': sp(ADMIN_REQUIRED),
  'identity:update_role': sp(ADMIN_REQUIRED),
  'identity:delete_role': sp(ADMIN_REQUIRED),
  'identity:get_domain_role': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_domain_roles': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_domain_role': sp(ADMIN_REQUIRED),
  'identity:update_domain_role': sp(ADMIN_REQUIRED),
  'identity:delete_domain_role': sp(ADMIN_REQUIRED),
  // role_assignment.py
  'identity:list_role_assignments': sdp(ADMIN_OR_SYSTEM_OR_DOMAIN_READER),
  'identity:list_role_assignments_for_tree': sdp(ADMIN_OR_SYSTEM_OR_DOMAIN_READER),
  // s3tokens.py
  'identity:s3tokens_validate': sdp(SERVICE_OR_ADMIN),
  // ec2tokens.py
  'identity:ec2tokens_validate': sdp(SERVICE_OR_ADMIN),
  // service.py
  'identity:get_service': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_services': sp(ADMIN_OR_SYSTEM_READER),
  'identity:create_service': sp(ADMIN_REQUIRED),
  'identity:update_service': sp(ADMIN_REQUIRED),
  'identity:delete_service': sp(ADMIN_REQUIRED),
  // service_provider.py
  'identity:create_service_provider': sp(ADMIN_REQUIRED),
  'identity:list_service_providers': sp(ADMIN_OR_SYSTEM_READER),
  'identity:get_service_provider': sp(ADMIN_OR_SYSTEM_READER),
  'identity:update_service_provider': sp(ADMIN_REQUIRED),
  'identity:delete_service_provider': sp(ADMIN_REQUIRED),
  // token_revocation.py
  'identity:revocation_list': sp(SERVICE_OR_ADMIN),
  // token.py
  'identity:check_token': sdp(`${ADMIN_OR_SYSTEM_READER} or rule:token_subject`),
  'identity:validate_token': sdp(`${ADMIN_OR_SYSTEM_READER} or rule:service_role or rule:token_subject`),
  'identity:revoke_token': sdp('rule:admin_required or rule:token_subject'),
  // trust.py
  'identity:create_trust': p(TRUSTOR),
  'identity:list_trusts': sp(ADMIN_OR_SYSTEM_READER),
  'identity:list_trusts_for_trustor': sp(`(${ADMIN_REQUIRED}) or (${SYSTEM_READER} or ${TRUSTOR})`),
  'identity:list_trusts_for_trustee': sp(`(${ADMIN_REQUIRED}) or (${SYSTEM_READER} or ${TRUSTEE})`),
  'identity:list_roles_for_trust': sp(ADMIN_OR_SYSTEM_READER_OR_TRUST_PARTY),
  'identity:get_role_for_trust': sp(ADMIN_OR_SYSTEM_READER_OR_TRUST_PARTY),
  'identity:delete_trust': sp(`${ADMIN_REQUIRED} or ${TRUSTOR}`),
  'identity:get_trust': sp(ADMIN_OR_SYSTEM_READER_OR_TRUST_PARTY),
  // user.py
  'identity:get_user': sdp(`${ADMIN_OR_SYSTEM_READER_PAREN} or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s`),
  'identity:list_users': sdp(ADMIN_OR_SYSTEM_OR_DOMAIN_READER),
  'identity:list_projects_for_user': rule(''),
  'identity:list_domains_for_user': rule(''),
  'identity:create_user': sdp(USER_MANAGER),
  'identity:update_user': sdp(USER_MANAGER),
  'identity:delete_user': sdp(USER_MANAGER),
}
