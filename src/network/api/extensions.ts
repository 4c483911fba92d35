/**
 * @module The API extensions Nubis implements, as `GET /v2.0/extensions` lists them. Add an entry
 * only when its behaviour works end to end: clients (tempest, openstacksdk) decide what to use
 * from this list.
 */
export type Extension = { alias: string; name: string; description: string }

export const extensions: Extension[] = [
  // Security groups (src/network/api/security-groups/).
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not' },
  { alias: 'security-groups-normalized-cidr', name: 'Normalized CIDR field for security group rules', description: 'Add new field with normalized remote_ip_prefix cidr in SG rule' },
  { alias: 'security-groups-rules-belongs-to-default-sg', name: "Security group rule belongs to the project's default security group", description: "Flag to determine if the security group rule belongs to the project's default security group" },
  { alias: 'security-groups-default-rules', name: 'Default rules for security groups', description: 'Configure set of security group rules used as default rules for every new security group' },
  // Networks, segments, tags, quotas, availability zones (src/network/api/networks/, handlers/{networks,tags,quotas,availability-zones}.ts).
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'multi-provider', name: 'Multi Provider Network', description: 'Expose mapping of virtual networks to multiple physical networks' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'net-mtu-writable', name: 'Network MTU (writable)', description: 'Provides a writable MTU attribute for a network resource.' },
  { alias: 'availability_zone', name: 'Availability Zone', description: 'The availability zone extension.' },
  { alias: 'network_availability_zone', name: 'Network Availability Zone', description: 'Availability zone support for network.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security' },
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.' },
  { alias: 'revision-if-match', name: 'If-Match constraints based on revision_number', description: 'Extension indicating that If-Match based on revision_number is supported.' },
  { alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: network, subnet, port, router, floatingip, security_group, subnetpool', description: 'Enables to set tag on resources with standard attribute.' },
  { alias: 'tag-creation', name: 'Tag creation extension', description: 'Allow to create multiple tags for a resource' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project' },
  { alias: 'quota-check-limit', name: 'Quota engine limit check', description: 'Support for checking the resource usage before applying a new quota limit' },
  { alias: 'quota-check-limit-default', name: 'Quota engine limit check by default', description: 'By default, the Neutron quota engine checks the resource usage before applying a new quota limit' },
  // Routers and floating IPs (src/network/api/l3/, handlers/{routers,floating-ips}.ts).
  { alias: 'router', name: 'Neutron L3 Router', description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router' },
  { alias: 'extraroute-atomic', name: 'Atomically add/remove extra routes', description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes' },
  { alias: 'router_availability_zone', name: 'Router Availability Zone', description: 'Availability zone support for router.' },
  { alias: 'fip-port-details', name: 'Floating IP Port Details Extension', description: 'Add port_details attribute to Floating IP resource' },
  { alias: 'floatingip-pools', name: 'Floating IP Pools Extension', description: 'Provides a floating IP pools API.' },
  // Subnets, subnet pools, ports and IPAM (src/network/api/{subnets,ports}/, handlers/{subnets,subnetpools,ports,ip-availability}.ts).
  { alias: 'subnet_allocation', name: 'Subnet Allocation', description: 'Enables allocation of subnets from a subnet pool' },
  { alias: 'default-subnetpools', name: 'Default Subnetpools', description: 'Provides ability to mark and use a subnetpool as the default.' },
  { alias: 'subnetpool-prefix-ops', name: 'Subnet Pool Prefix Operations', description: 'Provides support for adjusting the prefix list of subnet pools' },
  { alias: 'subnet-service-types', name: 'Subnet service types', description: 'Provides ability to set the subnet service_types field' },
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs' },
  { alias: 'extra_dhcp_opt', name: 'Neutron Extra DHCP options', description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)' },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'ip-substring-filtering', name: 'IP address substring filtering', description: 'Provides IP address substring filtering when listing ports' },
  { alias: 'port-security-groups-filtering', name: 'Port filtering on security groups', description: 'Provides security groups filtering when listing ports' },
  { alias: 'tag-ports-during-bulk-creation', name: 'Tag Ports During Bulk Creation', description: 'Allow to tag ports during bulk creation' },
  { alias: 'network-ip-availability', name: 'Network IP Availability', description: 'Provides IP availability data for each network and subnet.' },
  // Agents (src/network/api/handlers/agents.ts; registered by report_state over src/network/rpc/).
  { alias: 'agent', name: 'agent', description: 'The agent management extension.' },
  // listing.ts answers 400 for a filter on an attribute the resource does not have.
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filter parameters.' },
]
