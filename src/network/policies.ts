import type { PolicyDefault, ScopeType } from '../common/policy/policy-enforcer.ts'

/*
 * Neutron's default policies for the resources Nubis implements: neutron/conf/policies/{base,
 * network, subnet, subnetpool, port, port_bindings, security_group, default_security_group_rules,
 * router, floatingip, floatingip_pools, quotas, agent, availability_zone, network_ip_availability,
 * network_segment_range, address_scope, rbac, segment}.py at openstack/neutron master 2131d26
 * (2026-08-07), composed from neutron_lib/policy/rules.py (neutron-lib master 6cd671a) exactly as
 * upstream composes them. Left out (extensions we don't serve): address groups, auto-allocated
 * topology, evpn, flavors, FIP port forwarding, conntrack helpers, local IPs, logging, metering,
 * NDP proxy, PVLAN, QoS, SG default statefulness, service providers, trunks.
 *
 * Every action is scope_types=['project'] (base rules have none), so system- and domain-scoped
 * tokens are refused everything: Neutron requires oslo.policy >= 6.0, where scope is always
 * enforced. enforce_new_defaults is True (oslo.policy's default), so the deprecated
 * pre-Wallaby rules are not OR'd in and are not listed; with it False Neutron would also let any
 * context with is_admin through without evaluating rules at all.
 *
 * ## One deliberate deviation: Neutron's `field:` checks
 *
 * Rule strings are upstream's verbatim except for Neutron's own FieldCheck,
 * `field:<resource>:<attr>=<value>` (neutron/policy.py), which is not an oslo.policy check and
 * which our engine does not implement: it would parse as a generic check against a credential
 * named `field` and always be false, and `not rule:network_device` would then always be true.
 * Each use is replaced by the generic check that decides the same way on the same target; the
 * table {@link NEUTRON_FIELD_CHECKS} maps every upstream check to its replacement. FieldCheck
 * compares target[attr] with the value converted by the attribute map (booleans for shared,
 * router:external, ...), which the generic `'True':%(attr)s` reproduces when the target holds a
 * real boolean; a missing attribute fails both. The one regex check, `network_device`
 * (`field:port:device_owner=~^network:`), cannot be a generic check, so it reads a derived key,
 * `device_owner_prefix` (see {@link deviceOwnerPrefix}), that the API layer must put in port
 * targets. Operator overrides written with `field:` will not work until the engine learns it.
 *
 * ## Targets (neutron/pecan_wsgi/hooks/policy_enforcement.py, neutron/policy.py)
 *
 * The target is the resource dict itself, as the API sees it:
 *   - POST: the request body item after defaults are filled in, with `project_id` (and the
 *     legacy alias `tenant_id`) set to the project the resource is created for (the caller's
 *     unless the body names another one).
 *   - PUT: the stored resource merged with the body, plus `attributes_to_update`: the body's keys.
 *   - GET / DELETE: the stored resource.
 *   - Member actions (add_router_interface, remove_router_interface, add_extraroutes,
 *     remove_extraroutes, add/update/remove_external_gateways): the stored router; get_router
 *     is checked on it first and a failure is a 404.
 * Keys the default rules read, by family:
 *   - networks: `project_id`; `shared` (boolean, true when the network is shared with the
 *     caller's project, globally or by RBAC); `router:external` (boolean).
 *   - subnets: `project_id`; `network:project_id` = owner of the subnet's network_id; `shared`
 *     and `router:external` = the network's (both are also subnet API attributes).
 *   - ports: `project_id`; `network:project_id` = owner of the port's network_id; `shared` = the
 *     port's network's `shared` as seen by the port's project (Neutron's FieldCheck fetches it);
 *     `device_owner_prefix` = deviceOwnerPrefix(device_owner).
 *   - security groups, subnet pools, address scopes: `project_id`, `shared`.
 *   - security group rules: `project_id`; `security_group:project_id` = owner of the rule's
 *     security_group_id.
 *   - routers, floating IPs, RBAC policies (+ `target_project`, `target_tenant`), network segment
 *     ranges: `project_id`.
 *   - quotas: {project_id: the *caller's* project} (quotasv2.validate_policy), not the project
 *     whose quota is read; get_quota is only enforced when that project differs from the caller's.
 *   - agents, availability zones, network IP availability, segments, default SG rules: the
 *     default rules read no target key.
 * Upstream no longer reads `tenant_id` or `network:tenant_id` in any default (2026.1 renamed them
 * to project_id); set them too only if operator overrides still use them. Neutron would load a
 * missing `network:project_id` / `security_group:project_id` from the parent resource (its
 * OwnerCheck); our engine can't, so the API layer must always supply them.
 *
 * ## Attribute rules (neutron/policy.py _build_match_rule)
 *
 * For every action whose verb (text before the first '_') is not get/delete, Neutron ANDs
 * `rule:<action>` with one `rule:<action>:<attr>` per attribute that is policy-enforced
 * (`enforce_policy` in the attribute map) and explicitly set:
 *   - create: present in the body, and different from the attribute's default when it has one
 *     (so create_network with `shared: false` does not check create_network:shared);
 *   - update: named in `attributes_to_update` (any value, default or not).
 * Sub-attributes add more conjuncts: for a dict attribute, `rule:<action>:<attr>:<key>` for every
 * key of the validator's schema that is present (create_router:external_gateway_info:network_id,
 * :enable_snat, :external_fixed_ips); for a list of dicts, one per key of each element
 * (create_port:fixed_ips:ip_address / :subnet_id, allowed_address_pairs:ip_address / :mac_address,
 * add_external_gateways:external_gateways:*). Scope types come from the action's rule only.
 * In oslo.policy a reference to an undefined rule falls back to `default` (rule:admin_or_owner);
 * our engine denies it instead, so check only the attribute rules this map defines (with these
 * defaults that is equivalent: every create/update action already implies admin_or_owner).
 * A denied POST is 403; a denied PUT/DELETE is 404 unless get_<resource> passes on the same target.
 *
 * GET: a single resource failing get_<resource> is 404; list items failing it are dropped. Then
 * every attribute of the response for which a `get_<resource>:<attr>` rule exists (e.g.
 * get_network:provider:network_type, get_port:binding:vif_details) is evaluated on the item and
 * stripped when it fails (stripping project_id also strips tenant_id); attributes without such a
 * rule are kept. Neutron decides the stripped list once, on the first item of a list.
 */

// neutron_lib/policy/rules.py
const SERVICE = 'rule:service_api'
const ADMIN = 'rule:admin_only'
const PROJECT_MANAGER = 'role:manager and project_id:%(project_id)s'
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
const PROJECT_READER = 'role:reader and project_id:%(project_id)s'
const ADMIN_OR_SERVICE = `(${ADMIN}) or (${SERVICE})`
const ADMIN_OR_PROJECT_MANAGER = `(${ADMIN}) or (${PROJECT_MANAGER})`
const ADMIN_OR_PROJECT_MEMBER = `(${ADMIN}) or (${PROJECT_MEMBER})`
const ADMIN_OR_PROJECT_READER = `(${ADMIN}) or (${PROJECT_READER})`
const policyOr = (...args: string[]) => args.join(' or ')
const RULE_ADMIN_OR_OWNER = 'rule:admin_or_owner'
const RULE_ADMIN_ONLY = 'rule:admin_only'
const RULE_ADVSVC = 'rule:context_is_advsvc'
const RULE_ADMIN_OR_NET_OWNER = 'rule:admin_or_network_owner'

// neutron/conf/policies/base.py
const RULE_NET_OWNER = 'rule:network_owner'
const RULE_SG_OWNER = 'rule:sg_owner'
const NET_OWNER_MANAGER = `role:manager and ${RULE_NET_OWNER}`
const NET_OWNER_MEMBER = `role:member and ${RULE_NET_OWNER}`
const NET_OWNER_READER = `role:reader and ${RULE_NET_OWNER}`
const ADMIN_OR_NET_OWNER_MEMBER = `(${ADMIN}) or (${NET_OWNER_MEMBER})`
const ADMIN_OR_NET_OWNER_READER = `(${ADMIN}) or (${NET_OWNER_READER})`
const SG_OWNER_MEMBER = `role:member and ${RULE_SG_OWNER}`
const SG_OWNER_READER = `role:reader and ${RULE_SG_OWNER}`
const ADMIN_OR_SG_OWNER_MEMBER = `(${ADMIN}) or (${SG_OWNER_MEMBER})`
const ADMIN_OR_SG_OWNER_READER = `(${ADMIN}) or (${SG_OWNER_READER})`

/**
 * Every Neutron FieldCheck used by these defaults (upstream text) and the generic oslo.policy
 * check registered in its place. The keys read are the target keys documented above.
 */
export const NEUTRON_FIELD_CHECKS = {
  'field:networks:shared=True': "'True':%(shared)s",
  'field:networks:router:external=True': "'True':%(router:external)s",
  'field:subnets:router:external=True': "'True':%(router:external)s",
  'field:subnetpools:shared=True': "'True':%(shared)s",
  'field:port:device_owner=~^network:': "'network':%(device_owner_prefix)s",
  'field:security_groups:shared=True': "'True':%(shared)s",
  'field:security_group_rules:belongs_to_default_sg=True': "'True':%(belongs_to_default_sg)s",
  'field:address_scopes:shared=True': "'True':%(shared)s",
  'field:rbac_policy:target_tenant=*': "'*':%(target_tenant)s",
  'field:rbac_policy:target_project=*': "'*':%(target_project)s",
} as const
const field = (upstream: keyof typeof NEUTRON_FIELD_CHECKS): string => NEUTRON_FIELD_CHECKS[upstream]

/**
 * The `device_owner_prefix` target key for ports: the text of `device_owner` before its first ':'
 * ('network' for 'network:router_interface', 'compute' for 'compute:nova'), '' when it has no ':'
 * and undefined when device_owner is not a string. `'network':%(device_owner_prefix)s` then decides
 * exactly like Neutron's `field:port:device_owner=~^network:`.
 */
export function deviceOwnerPrefix(deviceOwner: unknown): string | undefined {
  if (typeof deviceOwner !== 'string') return undefined
  const colon = deviceOwner.indexOf(':')
  return colon < 0 ? '' : deviceOwner.slice(0, colon)
}

const rule = (check: string): PolicyDefault => ({ rule: check })
const PROJECT_SCOPE: readonly ScopeType[] = ['project']
const p = (check: string): PolicyDefault => ({ rule: check, scopeTypes: [...PROJECT_SCOPE] })

// rbac.py
const RESTRICT_WILDCARD_CHECK = `(not ${field('field:rbac_policy:target_tenant=*')} and not ${field('field:rbac_policy:target_project=*')})`

/** Neutron's registered defaults keyed by rule name, in upstream list_rules() order. */
export const networkPolicies: Record<string, PolicyDefault> = {
  // base.py
  'context_is_admin': rule('role:admin'),
  'context_with_global_access': rule('!'),
  'service_api': rule('role:service'),
  'owner': rule('project_id:%(project_id)s'),
  'admin_or_owner': rule(policyOr('rule:context_is_admin', 'rule:owner')),
  // Deprecated since 2024.1 (service role instead) but still registered and still referenced.
  'context_is_advsvc': rule('role:advsvc'),
  'admin_or_network_owner': rule(policyOr('rule:context_is_admin', 'project_id:%(network:project_id)s')),
  'admin_owner_or_network_owner': rule(policyOr('rule:owner', RULE_ADMIN_OR_NET_OWNER)),
  'network_owner': rule('project_id:%(network:project_id)s'),
  'admin_only': rule('rule:context_is_admin'),
  'regular_user': rule(''),
  'shared': rule(field('field:networks:shared=True')),
  'default': rule(RULE_ADMIN_OR_OWNER),
  'admin_or_ext_parent_owner': rule(policyOr('rule:context_is_admin', 'project_id:%(ext_parent:project_id)s')),
  'ext_parent_owner': rule('project_id:%(ext_parent:project_id)s'),
  'sg_owner': rule('project_id:%(security_group:project_id)s'),
  // address_scope.py
  'shared_address_scopes': rule(field('field:address_scopes:shared=True')),
  'create_address_scope': p(ADMIN_OR_PROJECT_MEMBER),
  'create_address_scope:shared': p(ADMIN),
  'get_address_scope': p(policyOr(ADMIN, PROJECT_READER, 'rule:shared_address_scopes')),
  'update_address_scope': p(ADMIN_OR_PROJECT_MEMBER),
  'update_address_scope:shared': p(ADMIN),
  'delete_address_scope': p(ADMIN_OR_PROJECT_MEMBER),
  // agent.py
  'create_agent': p(ADMIN),
  'get_agent': p(ADMIN),
  'update_agent': p(ADMIN),
  'delete_agent': p(ADMIN),
  'create_dhcp-network': p(ADMIN),
  'get_dhcp-networks': p(ADMIN),
  'delete_dhcp-network': p(ADMIN),
  'create_l3-router': p(ADMIN),
  'get_l3-routers': p(ADMIN),
  'update_l3-router': p(ADMIN),
  'delete_l3-router': p(ADMIN),
  'get_dhcp-agents': p(ADMIN),
  'get_l3-agents': p(ADMIN),
  // availability_zone.py
  'get_availability_zone': p('role:reader'),
  // default_security_group_rules.py
  'create_default_security_group_rule': p(ADMIN),
  'get_default_security_group_rule': p('role:reader'),
  'delete_default_security_group_rule': p(ADMIN),
  // floatingip.py
  'create_floatingip': p(ADMIN_OR_PROJECT_MEMBER),
  'create_floatingip:floating_ip_address': p(ADMIN_OR_PROJECT_MANAGER),
  'create_floatingip:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'get_floatingip': p(ADMIN_OR_PROJECT_READER),
  'get_floatingip:tags': p(ADMIN_OR_PROJECT_READER),
  'update_floatingip': p(ADMIN_OR_PROJECT_MEMBER),
  'update_floatingip:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_floatingip': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_floatingip:tags': p(ADMIN_OR_PROJECT_MEMBER),
  // floatingip_pools.py
  'get_floatingip_pool': p(ADMIN_OR_PROJECT_READER),
  // network.py
  'external': rule(field('field:networks:router:external=True')),
  'create_network': p(ADMIN_OR_PROJECT_MEMBER),
  'create_network:shared': p(ADMIN),
  'create_network:router:external': p(ADMIN),
  'create_network:is_default': p(ADMIN),
  'create_network:port_security_enabled': p(ADMIN_OR_PROJECT_MEMBER),
  'create_network:segments': p(ADMIN),
  'create_network:provider:network_type': p(ADMIN),
  'create_network:provider:physical_network': p(ADMIN),
  'create_network:provider:segmentation_id': p(ADMIN),
  'create_network:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'get_network': p(policyOr(ADMIN_OR_PROJECT_READER, SERVICE, 'rule:shared', 'rule:external', RULE_ADVSVC)),
  'get_network:segments': p(ADMIN),
  'get_network:provider:network_type': p(ADMIN),
  'get_network:provider:physical_network': p(ADMIN),
  'get_network:provider:segmentation_id': p(ADMIN),
  'get_network:tags': p(policyOr(ADMIN_OR_PROJECT_READER, 'rule:shared', 'rule:external', RULE_ADVSVC)),
  'update_network': p(ADMIN_OR_PROJECT_MEMBER),
  'update_network:segments': p(ADMIN),
  'update_network:shared': p(ADMIN),
  'update_network:provider:network_type': p(ADMIN),
  'update_network:provider:physical_network': p(ADMIN),
  'update_network:provider:segmentation_id': p(ADMIN),
  'update_network:router:external': p(ADMIN),
  'update_network:is_default': p(ADMIN),
  'update_network:port_security_enabled': p(ADMIN_OR_PROJECT_MEMBER),
  'update_network:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_network': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_network:tags': p(ADMIN_OR_PROJECT_MEMBER),
  // network_ip_availability.py
  'get_network_ip_availability': p(ADMIN_OR_SERVICE),
  // network_segment_range.py
  'create_network_segment_range': p(ADMIN),
  'create_network_segment_range:tags': p(ADMIN),
  'get_network_segment_range': p(ADMIN),
  'get_network_segment_range:tags': p(ADMIN),
  'update_network_segment_range': p(ADMIN),
  'update_network_segment_range:tags': p(ADMIN),
  'delete_network_segment_range': p(ADMIN),
  'delete_network_segment_range:tags': p(ADMIN),
  // port_bindings.py (the nova-driven /ports/{id}/bindings API)
  'get_port_binding': p(ADMIN_OR_SERVICE),
  'create_port_binding': p(SERVICE),
  'delete_port_binding': p(SERVICE),
  'activate': p(SERVICE),
  // port.py
  'network_device': rule(field('field:port:device_owner=~^network:')),
  'admin_or_data_plane_int': rule(policyOr('rule:context_is_admin', 'role:data_plane_integrator')),
  'create_port': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared')),
  'create_port:device_id': p(policyOr(ADMIN_OR_PROJECT_MEMBER, SERVICE)),
  'create_port:device_owner': p(policyOr('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'create_port:mac_address': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'create_port:fixed_ips': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared')),
  'create_port:fixed_ips:ip_address': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'create_port:fixed_ips:subnet_id': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared')),
  'create_port:port_security_enabled': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'create_port:binding:host_id': p(ADMIN_OR_SERVICE),
  'create_port:binding:profile': p(SERVICE),
  'create_port:binding:vnic_type': p(policyOr(ADMIN_OR_PROJECT_MEMBER, SERVICE)),
  'create_port:allowed_address_pairs': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'create_port:allowed_address_pairs:mac_address': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'create_port:allowed_address_pairs:ip_address': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'create_port:hints': p(ADMIN),
  'create_port:trusted': p(ADMIN),
  'create_port:tags': p(policyOr(ADMIN_OR_PROJECT_MEMBER, RULE_ADVSVC)),
  'get_port': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_READER, PROJECT_READER)),
  'get_port:binding:vif_type': p(ADMIN_OR_SERVICE),
  'get_port:binding:vif_details': p(ADMIN_OR_SERVICE),
  'get_port:binding:host_id': p(ADMIN_OR_SERVICE),
  'get_port:binding:profile': p(ADMIN_OR_SERVICE),
  'get_port:resource_request': p(ADMIN),
  'get_port:hints': p(ADMIN),
  'get_port:trusted': p(ADMIN),
  'get_port:tags': p(policyOr(RULE_ADVSVC, ADMIN_OR_NET_OWNER_READER, PROJECT_READER)),
  'update_port': p(policyOr(ADMIN_OR_SERVICE, PROJECT_MEMBER)),
  'update_port:device_id': p(policyOr(ADMIN_OR_PROJECT_MEMBER, SERVICE)),
  'update_port:device_owner': p(policyOr('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'update_port:mac_address': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MANAGER)),
  'update_port:fixed_ips': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'update_port:fixed_ips:ip_address': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'update_port:fixed_ips:subnet_id': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared')),
  'update_port:port_security_enabled': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER)),
  'update_port:binding:host_id': p(ADMIN_OR_SERVICE),
  'update_port:binding:profile': p(SERVICE),
  'update_port:binding:vnic_type': p(policyOr(ADMIN_OR_SERVICE, PROJECT_MEMBER)),
  'update_port:allowed_address_pairs': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'update_port:allowed_address_pairs:mac_address': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'update_port:allowed_address_pairs:ip_address': p(policyOr(ADMIN_OR_NET_OWNER_MEMBER, SERVICE)),
  'update_port:data_plane_status': p(policyOr(ADMIN, 'role:data_plane_integrator')),
  'update_port:hints': p(ADMIN),
  'update_port:trusted': p(ADMIN),
  'update_port:tags': p(policyOr(ADMIN_OR_PROJECT_MEMBER, RULE_ADVSVC)),
  'delete_port': p(policyOr(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, PROJECT_MEMBER)),
  'delete_port:tags': p(policyOr(RULE_ADVSVC, PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  // quotas.py
  'get_quota': p(ADMIN_OR_PROJECT_MANAGER),
  'update_quota': p(ADMIN),
  'delete_quota': p(ADMIN),
  // rbac.py
  'restrict_wildcard': rule(policyOr(RESTRICT_WILDCARD_CHECK, RULE_ADMIN_ONLY)),
  'create_rbac_policy': p(ADMIN_OR_PROJECT_MEMBER),
  // target_tenant: deprecated for removal since 2025.1 in favour of target_project.
  'create_rbac_policy:target_tenant': p(policyOr(ADMIN, RESTRICT_WILDCARD_CHECK)),
  'create_rbac_policy:target_project': p(policyOr(ADMIN, `not ${field('field:rbac_policy:target_project=*')}`)),
  'update_rbac_policy': p(ADMIN_OR_PROJECT_MEMBER),
  'update_rbac_policy:target_tenant': p(policyOr(ADMIN, RESTRICT_WILDCARD_CHECK)),
  'update_rbac_policy:target_project': p(policyOr(ADMIN, `not ${field('field:rbac_policy:target_project=*')}`)),
  'get_rbac_policy': p(ADMIN_OR_PROJECT_READER),
  'delete_rbac_policy': p(ADMIN_OR_PROJECT_MEMBER),
  // router.py
  'create_router': p(ADMIN_OR_PROJECT_MEMBER),
  'create_router:distributed': p(ADMIN),
  'create_router:ha': p(ADMIN),
  'create_router:external_gateway_info': p(ADMIN_OR_PROJECT_MEMBER),
  'create_router:external_gateway_info:network_id': p(ADMIN_OR_PROJECT_MEMBER),
  'create_router:external_gateway_info:enable_snat': p(ADMIN),
  'create_router:external_gateway_info:external_fixed_ips': p(ADMIN),
  'create_router:enable_default_route_bfd': p(ADMIN),
  'create_router:enable_default_route_ecmp': p(ADMIN),
  'create_router:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'get_router': p(ADMIN_OR_PROJECT_READER),
  'get_router:distributed': p(ADMIN),
  'get_router:ha': p(ADMIN),
  'get_router:tags': p(ADMIN_OR_PROJECT_READER),
  'update_router': p(ADMIN_OR_PROJECT_MEMBER),
  'update_router:distributed': p(ADMIN),
  'update_router:ha': p(ADMIN),
  'update_router:external_gateway_info': p(ADMIN_OR_PROJECT_MEMBER),
  'update_router:external_gateway_info:network_id': p(ADMIN_OR_PROJECT_MEMBER),
  'update_router:external_gateway_info:enable_snat': p(ADMIN),
  'update_router:external_gateway_info:external_fixed_ips': p(ADMIN),
  'update_router:enable_default_route_bfd': p(ADMIN),
  'update_router:enable_default_route_ecmp': p(ADMIN),
  'update_router:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_router': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_router:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'add_router_interface': p(ADMIN_OR_PROJECT_MEMBER),
  'remove_router_interface': p(ADMIN_OR_PROJECT_MEMBER),
  'add_extraroutes': p(ADMIN_OR_PROJECT_MEMBER),
  'remove_extraroutes': p(ADMIN_OR_PROJECT_MEMBER),
  'add_external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  'add_external_gateways:external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  'add_external_gateways:external_gateways:network_id': p(ADMIN_OR_PROJECT_MEMBER),
  'add_external_gateways:external_gateways:enable_snat': p(ADMIN),
  'add_external_gateways:external_gateways:external_fixed_ips': p(ADMIN),
  'update_external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  'update_external_gateways:external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  'update_external_gateways:external_gateways:network_id': p(ADMIN_OR_PROJECT_MEMBER),
  'update_external_gateways:external_gateways:enable_snat': p(ADMIN),
  'update_external_gateways:external_gateways:external_fixed_ips': p(ADMIN),
  'remove_external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  'remove_external_gateways:external_gateways': p(ADMIN_OR_PROJECT_MEMBER),
  // security_group.py
  'admin_or_sg_owner': rule(policyOr('rule:context_is_admin', 'project_id:%(security_group:project_id)s')),
  'admin_owner_or_sg_owner': rule(policyOr('rule:owner', 'rule:admin_or_sg_owner')),
  'shared_security_group': rule(field('field:security_groups:shared=True')),
  'rule_default_sg': rule(field('field:security_group_rules:belongs_to_default_sg=True')),
  'create_security_group': p(ADMIN_OR_PROJECT_MEMBER),
  'create_security_group:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'get_security_group': p(policyOr(ADMIN_OR_PROJECT_READER, 'rule:shared_security_group')),
  'get_security_group:tags': p(policyOr(ADMIN_OR_PROJECT_READER, 'rule:shared_security_group')),
  'update_security_group': p(ADMIN_OR_PROJECT_MEMBER),
  'update_security_group:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_security_group': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_security_group:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'create_security_group_rule': p(ADMIN_OR_SG_OWNER_MEMBER),
  'get_security_group_rule': p(ADMIN_OR_SG_OWNER_READER),
  'delete_security_group_rule': p(ADMIN_OR_SG_OWNER_MEMBER),
  // segment.py
  'create_segment': p(ADMIN),
  'create_segments_tags': p(ADMIN),
  'get_segment': p(ADMIN),
  'get_segments_tags': p(ADMIN),
  'update_segment': p(ADMIN),
  'update_segments_tags': p(ADMIN),
  'delete_segment': p(ADMIN),
  'delete_segments_tags': p(ADMIN),
  // subnet.py
  'external_network': rule(field('field:subnets:router:external=True')),
  'create_subnet': p(ADMIN_OR_NET_OWNER_MEMBER),
  'create_subnet:segment_id': p(ADMIN),
  'create_subnet:service_types': p(ADMIN),
  'create_subnet:tags': p(policyOr(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  'get_subnet': p(policyOr(PROJECT_READER, 'rule:shared', 'rule:external_network', ADMIN_OR_NET_OWNER_READER, SERVICE)),
  'get_subnet:segment_id': p(ADMIN),
  'get_subnet:tags': p(policyOr(PROJECT_READER, 'rule:shared', 'rule:external_network', ADMIN_OR_NET_OWNER_READER)),
  'update_subnet': p(policyOr(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  'update_subnet:segment_id': p(ADMIN),
  'update_subnet:service_types': p(ADMIN),
  'update_subnet:tags': p(policyOr(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  'delete_subnet': p(policyOr(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  'delete_subnet:tags': p(policyOr(PROJECT_MEMBER, ADMIN_OR_NET_OWNER_MEMBER)),
  // subnetpool.py
  'shared_subnetpools': rule(field('field:subnetpools:shared=True')),
  'create_subnetpool': p(ADMIN_OR_PROJECT_MEMBER),
  'create_subnetpool:shared': p(ADMIN),
  'create_subnetpool:is_default': p(ADMIN),
  'create_subnetpool:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'get_subnetpool': p(policyOr(ADMIN_OR_PROJECT_READER, 'rule:shared_subnetpools')),
  'get_subnetpool:tags': p(policyOr(ADMIN_OR_PROJECT_READER, 'rule:shared_subnetpools')),
  'update_subnetpool': p(ADMIN_OR_PROJECT_MEMBER),
  'update_subnetpool:is_default': p(ADMIN),
  'update_subnetpool:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_subnetpool': p(ADMIN_OR_PROJECT_MEMBER),
  'delete_subnetpool:tags': p(ADMIN_OR_PROJECT_MEMBER),
  'onboard_network_subnets': p(ADMIN_OR_PROJECT_MEMBER),
  'add_prefixes': p(ADMIN_OR_PROJECT_MEMBER),
  'remove_prefixes': p(ADMIN_OR_PROJECT_MEMBER),
}
