/**
 * @module The data that crosses the agent RPC (agent-rpc.ts): plain JSON, snake_case as Neutron's
 * agents see it. Host agents import this; it imports nothing from the server side.
 */

/** What an agent reports in every heartbeat. */
export type AgentState = {
  /** Neutron's names: 'Linux bridge agent', 'DHCP agent', 'L3 agent', … */
  agent_type: string
  binary: string
  host: string
  /** Where the agent listens for notifications, e.g. network.agent.l2. */
  topic: string
  availability_zone?: string
  /** L2 agents: interface_mappings / bridge_mappings, tunnel_types, tunneling_ip; others as they like. */
  configurations: Record<string, unknown>
  resource_versions?: Record<string, string>
  /** Set on the first report after the agent (re)starts: started_at is reset. */
  start_flag?: boolean
}

/** `new` on first registration, `revived` when the agent had been considered down, else `alive`; `stale` reports (sent before the server started) are ignored. */
export type ReportedStatus = { status: 'new' | 'alive' | 'revived' | 'stale'; agent_id: string | null; admin_state_up: boolean }

export type DeviceRequest = { device: string; agent_id: string; host: string }

export type FixedIp = { subnet_id: string; ip_address: string }

/** Why a device has no details: no such port, not bound (or binding failed), or bound to another host. */
export type DeviceDetails =
  | { device: string; bound: false; reason: 'not_found' | 'not_bound' | 'other_host' }
  | BoundDevice

/** A port bound on the asking host, with the segment it was bound to. */
export type BoundDevice = {
  device: string
  bound: true
  port_id: string
  network_id: string
  mac_address: string
  admin_state_up: boolean
  network_type: string
  physical_network: string | null
  segmentation_id: number | null
  mtu: number
  fixed_ips: FixedIp[]
  device_owner: string
  allowed_address_pairs: { ip_address: string; mac_address: string }[]
  port_security_enabled: boolean
  security_groups: string[]
  vif_type: string
  vif_details: Record<string, unknown>
  profile: Record<string, unknown>
}

export type DeviceDown = { device: string; exists: boolean }

/** A security group rule as a firewall applies it (remote prefix keyed by direction). */
export type FirewallRule = {
  direction: string
  ethertype: string
  protocol?: string
  port_range_min?: number
  port_range_max?: number
  source_ip_prefix?: string
  dest_ip_prefix?: string
  source_port_range_min?: number
  source_port_range_max?: number
  remote_group_id?: string
  security_group_id?: string
  stateful?: boolean
}

/** Neutron's security_group_info_for_devices answer. */
export type SecurityGroupInfo = {
  devices: Record<string, {
    id: string
    mac_address: string
    fixed_ips: string[]
    allowed_address_pairs: { ip_address: string; mac_address: string }[]
    security_groups: string[]
    port_security_enabled: boolean
    security_group_source_groups: string[]
    security_group_remote_address_groups: string[]
    /** Provider rules (DHCP replies, router advertisements) that belong to no group. */
    security_group_rules: FirewallRule[]
  }>
  security_groups: Record<string, FirewallRule[]>
  /** Per remote group and ethertype, [address, MAC of an address pair or null]. */
  sg_member_ips: Record<string, Partial<Record<'IPv4' | 'IPv6', [string, string | null][]>>>
}

export type Segment = { network_type: string; physical_network: string | null; segmentation_id: number | null }

export type DhcpSubnet = {
  id: string
  network_id: string
  name: string
  ip_version: number
  cidr: string
  gateway_ip: string | null
  enable_dhcp: boolean
  dns_nameservers: string[]
  host_routes: { destination: string; nexthop: string }[]
  allocation_pools: { start: string; end: string }[]
  ipv6_ra_mode: string | null
  ipv6_address_mode: string | null
}

export type DhcpPort = {
  id: string
  network_id: string
  mac_address: string
  admin_state_up: boolean
  device_owner: string
  device_id: string
  fixed_ips: FixedIp[]
  extra_dhcp_opts: { opt_name: string; opt_value: string; ip_version: number }[]
  dns_name: string
}

/** A network as a DHCP server needs it: its DHCP-enabled subnets and every port on it. */
export type DhcpNetwork = {
  id: string
  project_id: string
  name: string
  admin_state_up: boolean
  mtu: number
  segments: Segment[]
  subnets: DhcpSubnet[]
  ports: DhcpPort[]
}

/** A router port (interface or gateway) with the subnets behind its addresses. */
export type RouterPort = {
  id: string
  network_id: string
  mac_address: string
  admin_state_up: boolean
  mtu: number
  segment: Segment | null
  fixed_ips: (FixedIp & { prefixlen: number })[]
  subnets: { id: string; cidr: string; gateway_ip: string | null; ip_version: number; ipv6_ra_mode: string | null }[]
}

export type FloatingIpStatus = 'ACTIVE' | 'DOWN' | 'ERROR'

/** A router as an L3 agent builds it: interfaces, gateway (with SNAT), routes and floating IPs. */
export type SyncRouter = {
  id: string
  project_id: string
  name: string
  admin_state_up: boolean
  enable_snat: boolean
  routes: { destination: string; nexthop: string }[]
  gw_port: RouterPort | null
  interfaces: RouterPort[]
  floating_ips: { id: string; floating_ip_address: string; fixed_ip_address: string; port_id: string; floating_network_id: string; status: string }[]
}
