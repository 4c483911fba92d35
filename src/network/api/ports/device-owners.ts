/** Neutron's well-known device_owner values (neutron_lib/constants.py) and the groups the port and subnet code treats specially. */
import { routerInterfaceOwners, routerInterfaceOwnersSnat, routerPortOwners } from '../../ipam/index.ts'

export const DEVICE_OWNER_DHCP = 'network:dhcp'
export const DEVICE_OWNER_ROUTER_GW = 'network:router_gateway'
export const DEVICE_OWNER_FLOATINGIP = 'network:floatingip'
export const DEVICE_OWNER_DISTRIBUTED = 'network:distributed'
export const DEVICE_OWNER_AGENT_GW = 'network:floatingip_agent_gateway'

export const ROUTER_INTERFACE_OWNERS: readonly string[] = routerInterfaceOwners
export const ROUTER_INTERFACE_OWNERS_SNAT: readonly string[] = routerInterfaceOwnersSnat
export const ROUTER_PORT_OWNERS: readonly string[] = routerPortOwners
/** Ports whose addresses a subnet delete releases instead of refusing (neutron/common/_constants.py). */
export const AUTO_DELETE_PORT_OWNERS: readonly string[] = [DEVICE_OWNER_DHCP, DEVICE_OWNER_DISTRIBUTED, DEVICE_OWNER_AGENT_GW]

/** net.is_port_trusted: network:* ports get no security groups and no default group. */
export const isTrustedOwner = (deviceOwner: string | undefined): boolean => !!deviceOwner && deviceOwner.startsWith('network:')
