/**
 * @module The network service's tables (Neutron's model, flattened): list-valued attributes that
 * are never queried on their own (dns servers, host routes, pools, address pairs…) are JSON text.
 * Booleans are 0/1 integers, times ISO-8601 text, as in every Nubis service.
 */
/** Columns every Neutron resource with standard attributes carries. */
type StandardAttrs = {
  description: string
  created_at: string
  updated_at: string
  revision_number: number
}

export type NetworkRow = StandardAttrs & {
  id: string
  project_id: string
  name: string
  admin_state_up: number
  status: string
  shared: number
  external: number
  /** The network's external default flag (`is_default`), meaningful only when external. */
  is_default: number
  mtu: number
  port_security_enabled: number
  availability_zone_hints: string
  dns_domain: string
}

export type SegmentRow = StandardAttrs & {
  id: string
  network_id: string
  name: string | null
  network_type: string
  physical_network: string | null
  segmentation_id: number | null
  segment_index: number
}

/** One row per allocated VLAN / VXLAN id: presence means taken (the unique key settles races). */
export type SegmentAllocationRow = {
  network_type: string
  /** '' for types without a physical network (vxlan). */
  physical_network: string
  segmentation_id: number
  network_id: string
}

export type SubnetRow = StandardAttrs & {
  id: string
  project_id: string
  network_id: string
  name: string
  ip_version: number
  cidr: string
  gateway_ip: string | null
  enable_dhcp: number
  ipv6_ra_mode: string | null
  ipv6_address_mode: string | null
  subnetpool_id: string | null
  segment_id: string | null
  /** JSON: string[] */
  dns_nameservers: string
  /** JSON: {destination, nexthop}[] */
  host_routes: string
  /** JSON: {start, end}[] */
  allocation_pools: string
  /** JSON: string[] */
  service_types: string
  dns_publish_fixed_ip: number
}

export type SubnetPoolRow = StandardAttrs & {
  id: string
  project_id: string
  name: string
  ip_version: number
  /** JSON: string[] of CIDRs */
  prefixes: string
  default_prefixlen: number
  min_prefixlen: number
  max_prefixlen: number
  shared: number
  is_default: number
  default_quota: number | null
  address_scope_id: string | null
}

export type PortRow = StandardAttrs & {
  id: string
  project_id: string
  network_id: string
  name: string
  mac_address: string
  admin_state_up: number
  status: string
  device_id: string
  device_owner: string
  port_security_enabled: number
  binding_host_id: string
  binding_vif_type: string
  /** JSON object */
  binding_vif_details: string
  binding_vnic_type: string
  /** JSON object */
  binding_profile: string
  /** JSON: {ip_address, mac_address}[] */
  allowed_address_pairs: string
  /** JSON: {opt_name, opt_value, ip_version}[] */
  extra_dhcp_opts: string
  dns_name: string
  propagate_uplink_status: number
}

/** A fixed IP of a port; unique per network, so two ports can never hold one address. */
export type IpAllocationRow = {
  port_id: string
  subnet_id: string
  network_id: string
  ip_address: string
}

export type SecurityGroupRow = StandardAttrs & {
  id: string
  project_id: string
  name: string
  stateful: number
}

/** Neutron's default_security_group table: one default group per project, enforced by the key. */
export type DefaultSecurityGroupRow = {
  project_id: string
  security_group_id: string
}

export type SecurityGroupRuleRow = StandardAttrs & {
  id: string
  project_id: string
  security_group_id: string
  direction: string
  ethertype: string
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  remote_address_group_id: string | null
  normalized_cidr: string | null
}

/** A rule template (Neutron's securitygroupdefaultrules); remote_group_id 'PARENT' means the new group itself. */
export type SecurityGroupDefaultRuleRow = {
  id: string
  description: string
  direction: string
  ethertype: string
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  remote_address_group_id: string | null
  used_in_default_sg: number
  used_in_non_default_sg: number
}

export type PortSecurityGroupRow = {
  port_id: string
  security_group_id: string
}

export type RouterRow = StandardAttrs & {
  id: string
  project_id: string
  name: string
  admin_state_up: number
  status: string
  gw_port_id: string | null
  enable_snat: number
  /** JSON: {destination, nexthop}[] */
  routes: string
  distributed: number
  ha: number
  availability_zone_hints: string
}

/** Which ports belong to a router, and as what (router_interface / router_gateway). */
export type RouterPortRow = {
  router_id: string
  port_id: string
  port_type: string
}

export type FloatingIpRow = StandardAttrs & {
  id: string
  project_id: string
  floating_ip_address: string
  floating_network_id: string
  floating_port_id: string
  fixed_port_id: string | null
  fixed_ip_address: string | null
  router_id: string | null
  status: string
  dns_name: string
  dns_domain: string
}

export type QuotaRow = {
  project_id: string
  resource: string
  limit: number
}

export type AgentRow = {
  id: string
  agent_type: string
  binary: string
  topic: string
  host: string
  admin_state_up: number
  availability_zone: string | null
  /** JSON object reported by the agent (bridge mappings, tunnel types, …). */
  configurations: string
  resource_versions: string
  description: string
  created_at: string
  started_at: string
  heartbeat_timestamp: string
}

/** The L3 agent hosting a router (Neutron's routerl3agentbindings); a router has at most one. */
export type RouterL3AgentBindingRow = {
  router_id: string
  l3_agent_id: string
  created_at: string
}

/** Tags of any taggable resource (networks, subnets, ports, routers, …). */
export type ResourceTagRow = {
  resource_type: string
  resource_id: string
  tag: string
}

export type NetworkDb = {
  networks: NetworkRow
  network_segments: SegmentRow
  segment_allocations: SegmentAllocationRow
  subnets: SubnetRow
  subnetpools: SubnetPoolRow
  ports: PortRow
  ip_allocations: IpAllocationRow
  security_groups: SecurityGroupRow
  default_security_groups: DefaultSecurityGroupRow
  security_group_rules: SecurityGroupRuleRow
  security_group_default_rules: SecurityGroupDefaultRuleRow
  port_security_groups: PortSecurityGroupRow
  routers: RouterRow
  router_ports: RouterPortRow
  floating_ips: FloatingIpRow
  network_quotas: QuotaRow
  network_agents: AgentRow
  router_l3_agent_bindings: RouterL3AgentBindingRow
  resource_tags: ResourceTagRow
}
