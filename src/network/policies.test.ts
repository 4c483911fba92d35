import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createEnforcer, type PolicyCredentials } from '../common/policy/policy-enforcer.ts'
import { deviceOwnerPrefix, NEUTRON_FIELD_CHECKS, networkPolicies } from './policies.ts'

const enforcer = createEnforcer(networkPolicies)
const allow = (action: string, target: Record<string, unknown>, creds: PolicyCredentials) =>
  enforcer.authorize(action, target, creds)
/** Neutron's match rule for a write: the action AND `<action>:<attr>` for each explicitly set attribute. */
const allowWrite = (action: string, attrs: string[], target: Record<string, unknown>, creds: PolicyCredentials) =>
  [action, ...attrs.map((a) => `${action}:${a}`)].every((name) => allow(name, target, creds))

// Keystone's implied roles are expanded in the token: admin > manager > member > reader.
const admin: PolicyCredentials = {
  userId: 'admin', userDomainId: 'default', projectId: 'admin-project', projectDomainId: 'default',
  roles: ['admin', 'manager', 'member', 'reader'],
}
const memberA: PolicyCredentials = { userId: 'alice', userDomainId: 'd1', projectId: 'pA', projectDomainId: 'd1', roles: ['member', 'reader'] }
const managerA: PolicyCredentials = { ...memberA, userId: 'mona', roles: ['manager', 'member', 'reader'] }
const readerA: PolicyCredentials = { ...memberA, userId: 'rita', roles: ['reader'] }
const memberB: PolicyCredentials = { userId: 'bob', userDomainId: 'd1', projectId: 'pB', projectDomainId: 'd1', roles: ['member', 'reader'] }
const systemReader: PolicyCredentials = { userId: 'sys-reader', system: 'all', roles: ['reader'] }
const systemAdmin: PolicyCredentials = { userId: 'sys-admin', system: 'all', roles: ['admin', 'manager', 'member', 'reader'] }
const service: PolicyCredentials = { userId: 'nova', projectId: 'service', roles: ['service'] }

const network = (owner: string, extra: Record<string, unknown> = {}) =>
  ({ id: 'net-1', project_id: owner, tenant_id: owner, shared: false, 'router:external': false, ...extra })
/** A port target: the port's own project plus its network's owner and shared flag. */
const port = (project: string, netOwner: string, extra: Record<string, unknown> = {}) => {
  const target: Record<string, unknown> = {
    project_id: project, tenant_id: project, network_id: 'net-1', 'network:project_id': netOwner, shared: false,
    device_owner: '', ...extra,
  }
  target.device_owner_prefix = deviceOwnerPrefix(target.device_owner)
  return target
}

/** Upstream rule names per neutron/conf/policies module, in list_rules() order (master 2131d26). */
const UPSTREAM_NAMES: Record<string, string> = {
  base: 'context_is_admin context_with_global_access service_api owner admin_or_owner context_is_advsvc '
    + 'admin_or_network_owner admin_owner_or_network_owner network_owner admin_only regular_user shared '
    + 'default admin_or_ext_parent_owner ext_parent_owner sg_owner',
  address_scope: 'shared_address_scopes create_address_scope create_address_scope:shared get_address_scope '
    + 'update_address_scope update_address_scope:shared delete_address_scope',
  agent: 'create_agent get_agent update_agent delete_agent create_dhcp-network get_dhcp-networks '
    + 'delete_dhcp-network create_l3-router get_l3-routers update_l3-router delete_l3-router '
    + 'get_dhcp-agents get_l3-agents',
  availability_zone: 'get_availability_zone',
  default_security_group_rules: 'create_default_security_group_rule get_default_security_group_rule '
    + 'delete_default_security_group_rule',
  floatingip: 'create_floatingip create_floatingip:floating_ip_address create_floatingip:tags get_floatingip '
    + 'get_floatingip:tags update_floatingip update_floatingip:tags delete_floatingip '
    + 'delete_floatingip:tags',
  floatingip_pools: 'get_floatingip_pool',
  network: 'external create_network create_network:shared create_network:router:external '
    + 'create_network:is_default create_network:port_security_enabled create_network:segments '
    + 'create_network:provider:network_type create_network:provider:physical_network '
    + 'create_network:provider:segmentation_id create_network:tags get_network get_network:segments '
    + 'get_network:provider:network_type get_network:provider:physical_network '
    + 'get_network:provider:segmentation_id get_network:tags update_network update_network:segments '
    + 'update_network:shared update_network:provider:network_type update_network:provider:physical_network '
    + 'update_network:provider:segmentation_id update_network:router:external update_network:is_default '
    + 'update_network:port_security_enabled update_network:tags delete_network delete_network:tags',
  network_ip_availability: 'get_network_ip_availability',
  network_segment_range: 'create_network_segment_range create_network_segment_range:tags get_network_segment_range '
    + 'get_network_segment_range:tags update_network_segment_range update_network_segment_range:tags '
    + 'delete_network_segment_range delete_network_segment_range:tags',
  port_bindings: 'get_port_binding create_port_binding delete_port_binding activate',
  port: 'network_device admin_or_data_plane_int create_port create_port:device_id create_port:device_owner '
    + 'create_port:mac_address create_port:fixed_ips create_port:fixed_ips:ip_address '
    + 'create_port:fixed_ips:subnet_id create_port:port_security_enabled create_port:binding:host_id '
    + 'create_port:binding:profile create_port:binding:vnic_type create_port:allowed_address_pairs '
    + 'create_port:allowed_address_pairs:mac_address create_port:allowed_address_pairs:ip_address '
    + 'create_port:hints create_port:trusted create_port:tags get_port get_port:binding:vif_type '
    + 'get_port:binding:vif_details get_port:binding:host_id get_port:binding:profile '
    + 'get_port:resource_request get_port:hints get_port:trusted get_port:tags update_port '
    + 'update_port:device_id update_port:device_owner update_port:mac_address update_port:fixed_ips '
    + 'update_port:fixed_ips:ip_address update_port:fixed_ips:subnet_id update_port:port_security_enabled '
    + 'update_port:binding:host_id update_port:binding:profile update_port:binding:vnic_type '
    + 'update_port:allowed_address_pairs update_port:allowed_address_pairs:mac_address '
    + 'update_port:allowed_address_pairs:ip_address update_port:data_plane_status update_port:hints '
    + 'update_port:trusted update_port:tags delete_port delete_port:tags',
  quotas: 'get_quota update_quota delete_quota',
  rbac: 'restrict_wildcard create_rbac_policy create_rbac_policy:target_tenant '
    + 'create_rbac_policy:target_project update_rbac_policy update_rbac_policy:target_tenant '
    + 'update_rbac_policy:target_project get_rbac_policy delete_rbac_policy',
  router: 'create_router create_router:distributed create_router:ha create_router:external_gateway_info '
    + 'create_router:external_gateway_info:network_id create_router:external_gateway_info:enable_snat '
    + 'create_router:external_gateway_info:external_fixed_ips create_router:enable_default_route_bfd '
    + 'create_router:enable_default_route_ecmp create_router:tags get_router get_router:distributed '
    + 'get_router:ha get_router:tags update_router update_router:distributed update_router:ha '
    + 'update_router:external_gateway_info update_router:external_gateway_info:network_id '
    + 'update_router:external_gateway_info:enable_snat '
    + 'update_router:external_gateway_info:external_fixed_ips update_router:enable_default_route_bfd '
    + 'update_router:enable_default_route_ecmp update_router:tags delete_router delete_router:tags '
    + 'add_router_interface remove_router_interface add_extraroutes remove_extraroutes '
    + 'add_external_gateways add_external_gateways:external_gateways '
    + 'add_external_gateways:external_gateways:network_id '
    + 'add_external_gateways:external_gateways:enable_snat '
    + 'add_external_gateways:external_gateways:external_fixed_ips update_external_gateways '
    + 'update_external_gateways:external_gateways update_external_gateways:external_gateways:network_id '
    + 'update_external_gateways:external_gateways:enable_snat '
    + 'update_external_gateways:external_gateways:external_fixed_ips remove_external_gateways '
    + 'remove_external_gateways:external_gateways',
  security_group: 'admin_or_sg_owner admin_owner_or_sg_owner shared_security_group rule_default_sg '
    + 'create_security_group create_security_group:tags get_security_group get_security_group:tags '
    + 'update_security_group update_security_group:tags delete_security_group delete_security_group:tags '
    + 'create_security_group_rule get_security_group_rule delete_security_group_rule',
  segment: 'create_segment create_segments_tags get_segment get_segments_tags update_segment '
    + 'update_segments_tags delete_segment delete_segments_tags',
  subnet: 'external_network create_subnet create_subnet:segment_id create_subnet:service_types '
    + 'create_subnet:tags get_subnet get_subnet:segment_id get_subnet:tags update_subnet '
    + 'update_subnet:segment_id update_subnet:service_types update_subnet:tags delete_subnet '
    + 'delete_subnet:tags',
  subnetpool: 'shared_subnetpools create_subnetpool create_subnetpool:shared create_subnetpool:is_default '
    + 'create_subnetpool:tags get_subnetpool get_subnetpool:tags update_subnetpool '
    + 'update_subnetpool:is_default update_subnetpool:tags delete_subnetpool delete_subnetpool:tags '
    + 'onboard_network_subnets add_prefixes remove_prefixes',
}

describe('networkPolicies', () => {
  it('defines exactly upstream\'s rules for the modules we serve, in order, and the engine parses every one', () => {
    const expected = Object.values(UPSTREAM_NAMES).flatMap((names) => names.split(' '))
    assert.deepEqual(Object.keys(networkPolicies), expected)
    assert.equal(enforcer.rules().length, expected.length)
  })

  it('replaces every Neutron field: check with a generic check and uses each replacement', () => {
    const all = Object.values(networkPolicies).map((d) => d.rule).join('\n')
    assert.doesNotMatch(all, /field:/)
    for (const generic of Object.values(NEUTRON_FIELD_CHECKS)) assert.ok(all.includes(generic), generic)
    assert.equal(networkPolicies.shared.rule, "'True':%(shared)s")
  })

  it('scopes every action to projects: system-scoped tokens get nothing', () => {
    for (const [name, def] of Object.entries(networkPolicies)) {
      if (def.scopeTypes === undefined) continue
      assert.deepEqual(def.scopeTypes, ['project'], name)
      assert.equal(allow(name, network('pA', { shared: true }), systemAdmin), false, name)
    }
    assert.equal(allow('get_availability_zone', {}, systemReader), false)
  })

  it('lets a member create a network in its own project; not readers or other projects', () => {
    assert.equal(allowWrite('create_network', [], network('pA'), memberA), true)
    assert.equal(allowWrite('create_network', ['port_security_enabled', 'tags'], network('pA'), memberA), true)
    assert.equal(allowWrite('create_network', [], network('pA'), readerA), false)
    assert.equal(allowWrite('create_network', [], network('pA'), memberB), false)
    assert.equal(allowWrite('create_network', [], network('pB'), admin), true)
  })

  it('leaves provider attributes, router:external, shared and segments to admins', () => {
    for (const attr of ['shared', 'router:external', 'is_default', 'segments', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id']) {
      assert.equal(allowWrite('create_network', [attr], network('pA'), memberA), false, attr)
      assert.equal(allowWrite('update_network', [attr], network('pA'), memberA), false, attr)
      assert.equal(allowWrite('create_network', [attr], network('pA'), admin), true, attr)
      assert.equal(allowWrite('update_network', [attr], network('pB'), admin), true, attr)
    }
    assert.equal(allow('get_network:provider:network_type', network('pA'), memberA), false)
    assert.equal(allow('get_network:provider:segmentation_id', network('pA'), admin), true)
    assert.equal(allow('get_network:segments', network('pA'), readerA), false)
  })

  it('hides a project\'s network from other projects unless it is shared or external', () => {
    assert.equal(allow('get_network', network('pA'), readerA), true)
    assert.equal(allow('get_network', network('pA'), memberB), false)
    assert.equal(allow('get_network', network('pA', { shared: true }), memberB), true)
    assert.equal(allow('get_network', network('pA', { 'router:external': true }), memberB), true)
    assert.equal(allow('get_network', network('pA', { shared: 'true' }), memberB), false)
    assert.equal(allow('get_network', { project_id: 'pA' }, memberB), false)
    assert.equal(allow('update_network', network('pA', { shared: true }), memberB), false)
    assert.equal(allow('delete_network', network('pA', { shared: true }), memberB), false)
    assert.equal(allow('get_network', network('pB'), admin), true)
    assert.equal(allow('get_network', network('pB'), service), true)
  })

  it('lets admins do everything in project scope', () => {
    const target = { ...port('pB', 'pB'), ...network('pB'), 'security_group:project_id': 'pB' }
    for (const name of Object.keys(networkPolicies)) {
      if (name === 'create_port_binding' || name === 'delete_port_binding' || name === 'activate'
        || (name.endsWith(':binding:profile') && !name.startsWith('get_'))) continue
      if (networkPolicies[name].scopeTypes === undefined) continue
      assert.equal(allow(name, target, admin), true, name)
    }
  })

  it('reserves binding:profile writes and port binding APIs for the service role, even over admins', () => {
    for (const name of ['create_port:binding:profile', 'update_port:binding:profile', 'create_port_binding', 'activate']) {
      assert.equal(allow(name, port('pA', 'pA'), admin), false, name)
      assert.equal(allow(name, port('pA', 'pA'), service), true, name)
    }
    assert.equal(allow('create_port:binding:host_id', port('pA', 'pA'), memberA), false)
    assert.equal(allow('create_port:binding:host_id', port('pA', 'pA'), service), true)
    assert.equal(allow('get_port:binding:vif_details', port('pA', 'pA'), memberA), false)
    assert.equal(allow('create_port:binding:vnic_type', port('pA', 'pA'), memberA), true)
  })

  it('lets a member create ports on its own network, and on shared networks only with defaults', () => {
    assert.equal(allowWrite('create_port', ['fixed_ips', 'mac_address'], port('pA', 'pA'), memberA), true)
    assert.equal(allowWrite('create_port', [], port('pA', 'pA'), readerA), false)
    assert.equal(allowWrite('create_port', [], port('pB', 'pA'), memberB), false)
    const onShared = port('pB', 'pA', { shared: true })
    assert.equal(allowWrite('create_port', ['fixed_ips', 'fixed_ips:subnet_id'], onShared, memberB), true)
    assert.equal(allowWrite('create_port', ['mac_address'], onShared, memberB), false)
    assert.equal(allowWrite('create_port', ['allowed_address_pairs', 'allowed_address_pairs:ip_address'], onShared, memberB), false)
    assert.equal(allowWrite('create_port', ['port_security_enabled'], onShared, memberB), false)
  })

  it('requires network ownership or admin for a fixed IP address', () => {
    assert.equal(allow('create_port:fixed_ips:ip_address', port('pA', 'pA'), memberA), true)
    assert.equal(allow('create_port:fixed_ips:ip_address', port('pB', 'pA', { shared: true }), memberB), false)
    assert.equal(allow('create_port:fixed_ips:ip_address', port('pA', 'pA'), readerA), false)
    assert.equal(allow('create_port:fixed_ips:ip_address', port('pB', 'pB'), admin), true)
    assert.equal(allow('update_port:fixed_ips:ip_address', port('pB', 'pA', { shared: true }), memberB), false)
    assert.equal(allow('update_port:fixed_ips:subnet_id', port('pB', 'pA', { shared: true }), memberB), true)
  })

  it('keeps network: device owners to the network owner, admins and services', () => {
    assert.equal(deviceOwnerPrefix('network:router_interface'), 'network')
    assert.equal(deviceOwnerPrefix('compute:nova'), 'compute')
    assert.equal(deviceOwnerPrefix('network'), '')
    assert.equal(deviceOwnerPrefix(undefined), undefined)
    const shared = (owner: string) => port('pB', 'pA', { shared: true, device_owner: owner })
    assert.equal(allow('create_port:device_owner', shared('network:router_interface'), memberB), false)
    assert.equal(allow('create_port:device_owner', shared('compute:nova'), memberB), true)
    assert.equal(allow('create_port:device_owner', shared('network'), memberB), true)
    assert.equal(allow('update_port:device_owner', shared('network:dhcp'), memberB), false)
    assert.equal(allow('create_port:device_owner', port('pA', 'pA', { device_owner: 'network:dhcp' }), memberA), true)
    assert.equal(allow('create_port:device_owner', shared('network:dhcp'), service), true)
    assert.equal(allow('network_device', { device_owner: 'network:dhcp' }, memberA), false, 'needs the derived key')
  })

  it('lets the network owner see and delete ports others created on its network', () => {
    const othersPort = port('pB', 'pA', { shared: true })
    assert.equal(allow('get_port', othersPort, readerA), true)
    assert.equal(allow('delete_port', othersPort, memberA), true)
    assert.equal(allow('update_port', othersPort, memberA), false)
    assert.equal(allow('get_port', port('pA', 'pA'), memberB), false)
    assert.equal(allow('update_port:mac_address', port('pA', 'pA'), memberA), false)
    assert.equal(allow('update_port:mac_address', port('pA', 'pA'), managerA), true)
  })

  it('lets members create subnets only on networks their project owns; shared subnets are readable', () => {
    const subnet = (project: string, netOwner: string, extra: Record<string, unknown> = {}) =>
      ({ project_id: project, network_id: 'net-1', 'network:project_id': netOwner, shared: false, 'router:external': false, ...extra })
    assert.equal(allowWrite('create_subnet', [], subnet('pA', 'pA'), memberA), true)
    assert.equal(allowWrite('create_subnet', [], subnet('pB', 'pA', { shared: true }), memberB), false)
    assert.equal(allowWrite('create_subnet', ['segment_id'], subnet('pA', 'pA'), memberA), false)
    assert.equal(allowWrite('create_subnet', ['service_types'], subnet('pA', 'pA'), admin), true)
    assert.equal(allow('get_subnet', subnet('pA', 'pA'), memberB), false)
    assert.equal(allow('get_subnet', subnet('pA', 'pA', { shared: true }), memberB), true)
    assert.equal(allow('get_subnet', subnet('pA', 'pA', { 'router:external': true }), memberB), true)
    assert.equal(allow('get_subnet:segment_id', subnet('pA', 'pA'), memberA), false)
  })

  it('lets members create floating IPs; a specific address needs a project manager', () => {
    const fip = { project_id: 'pA', floating_network_id: 'ext-net' }
    assert.equal(allowWrite('create_floatingip', [], fip, memberA), true)
    assert.equal(allowWrite('create_floatingip', [], fip, readerA), false)
    assert.equal(allowWrite('create_floatingip', [], fip, memberB), false)
    assert.equal(allowWrite('create_floatingip', ['floating_ip_address'], fip, memberA), false)
    assert.equal(allowWrite('create_floatingip', ['floating_ip_address'], fip, managerA), true)
    assert.equal(allowWrite('create_floatingip', ['floating_ip_address'], fip, admin), true)
    assert.equal(allow('get_floatingip', fip, readerA), true)
    assert.equal(allow('get_floatingip', fip, memberB), false)
  })

  it('lets a router\'s project members add and remove interfaces and set a gateway network, not SNAT or IPs', () => {
    const router = { id: 'r1', project_id: 'pA', external_gateway_info: null }
    for (const action of ['add_router_interface', 'remove_router_interface', 'add_extraroutes']) {
      assert.equal(allow(action, router, memberA), true, action)
      assert.equal(allow(action, router, readerA), false, action)
      assert.equal(allow(action, router, memberB), false, action)
      assert.equal(allow(action, router, admin), true, action)
    }
    const gw = ['external_gateway_info', 'external_gateway_info:network_id']
    assert.equal(allowWrite('create_router', gw, router, memberA), true)
    assert.equal(allowWrite('create_router', [...gw, 'external_gateway_info:enable_snat'], router, memberA), false)
    assert.equal(allowWrite('update_router', [...gw, 'external_gateway_info:external_fixed_ips'], router, memberA), false)
    assert.equal(allowWrite('update_router', [...gw, 'external_gateway_info:external_fixed_ips'], router, admin), true)
    assert.equal(allowWrite('create_router', ['distributed'], router, memberA), false)
    assert.equal(allow('get_router:ha', router, readerA), false)
  })

  it('ties security group rules to the owner of their group', () => {
    const rule = (project: string, sgOwner: string) => ({ project_id: project, security_group_id: 'sg-1', 'security_group:project_id': sgOwner })
    assert.equal(allow('create_security_group_rule', rule('pA', 'pA'), memberA), true)
    assert.equal(allow('create_security_group_rule', rule('pB', 'pA'), memberB), false)
    assert.equal(allow('get_security_group_rule', rule('pA', 'pA'), readerA), true)
    assert.equal(allow('delete_security_group_rule', rule('pA', 'pA'), readerA), false)
    assert.equal(allow('get_security_group', { project_id: 'pA', shared: true }, memberB), true)
    assert.equal(allow('get_security_group', { project_id: 'pA', shared: false }, memberB), false)
  })

  it('lets only admins share to every project through RBAC', () => {
    const rbac = (target: string) => ({ project_id: 'pA', object_type: 'network', action: 'access_as_shared', target_project: target, target_tenant: target })
    assert.equal(allowWrite('create_rbac_policy', ['target_project'], rbac('pB'), memberA), true)
    assert.equal(allowWrite('create_rbac_policy', ['target_project'], rbac('*'), memberA), false)
    assert.equal(allowWrite('create_rbac_policy', ['target_tenant'], rbac('*'), memberA), false)
    assert.equal(allowWrite('create_rbac_policy', ['target_project'], rbac('*'), admin), true)
    assert.equal(allow('restrict_wildcard', rbac('pB'), memberA), true)
  })

  it('checks quota reads against the caller\'s project: managers and admins', () => {
    assert.equal(allow('get_quota', { project_id: 'pA' }, memberA), false)
    assert.equal(allow('get_quota', { project_id: 'pA' }, managerA), true)
    assert.equal(allow('update_quota', { project_id: 'pA' }, managerA), false)
    assert.equal(allow('update_quota', { project_id: 'admin-project' }, admin), true)
  })

  it('keeps agents, segments and IP availability to admins; availability zones to any reader', () => {
    for (const name of ['get_agent', 'update_agent', 'get_l3-routers', 'get_segment', 'get_network_segment_range', 'get_network_ip_availability']) {
      assert.equal(allow(name, { project_id: 'pA' }, memberA), false, name)
      assert.equal(allow(name, { project_id: 'pA' }, admin), true, name)
    }
    assert.equal(allow('get_network_ip_availability', {}, service), true)
    assert.equal(allow('get_availability_zone', {}, readerA), true)
    assert.equal(allow('get_default_security_group_rule', {}, readerA), true)
    assert.equal(allow('create_default_security_group_rule', {}, memberA), false)
  })

  it('shares subnet pools and address scopes read-only', () => {
    assert.equal(allow('get_subnetpool', { project_id: 'pA', shared: true }, memberB), true)
    assert.equal(allow('get_subnetpool', { project_id: 'pA', shared: false }, memberB), false)
    assert.equal(allow('update_subnetpool', { project_id: 'pA', shared: true }, memberB), false)
    assert.equal(allowWrite('create_subnetpool', ['shared'], { project_id: 'pA' }, memberA), false)
    assert.equal(allow('get_address_scope', { project_id: 'pA', shared: true }, memberB), true)
    assert.equal(allowWrite('create_address_scope', ['shared'], { project_id: 'pA' }, memberA), false)
  })
})
