/**
 * @module Nova's network proxies on the network service (os-networks and os-tenant-networks with
 * Neutron, nova/network/neutron.py get_all / get): the networks the caller's token shows, in the
 * shapes nova-network used to give. Neutron has none of nova-network's details, so Nova fills
 * every field but the id and the label (the name) with null, and os-tenant-networks' cidr with
 * the string "None" (str(None), kept for compatibility).
 */
import type { NetworkClient, NetworkView } from '../../network/client.ts'
import { notFound } from '../errors.ts'

/** Fields everyone sees in os-networks, in Nova's order. */
const FIELDS = ['id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6']
/** nova-network's system fields, shown (as null) to admins only. */
const ADMIN_FIELDS = [
  'created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address',
  'vpn_public_port', 'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host',
  'priority', 'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp', 'share_address',
]

/** A network as os-networks shows it (Nova's networks.network_dict). */
export function novaNetwork(network: NetworkView, admin: boolean): Record<string, string | null> {
  const fields = admin ? [...FIELDS, ...ADMIN_FIELDS] : FIELDS
  return Object.fromEntries(fields.map((f) => [f, f === 'id' ? network.id : f === 'label' ? network.name : null]))
}

/** A network as os-tenant-networks shows it (Nova's tenant_networks.network_dict). */
export function tenantNetwork(network: NetworkView): { id: string; cidr: string; label: string } {
  return { id: network.id, cidr: 'None', label: network.name }
}

/** Every network the caller may see: Neutron decides (own, shared and external ones; all for an admin). */
export function visibleNetworks(client: NetworkClient): Promise<NetworkView[]> {
  return client.listNetworks()
}

/** The network with this id if the caller may see it, or Nova's 404 (NetworkNotFound). */
export async function visibleNetwork(client: NetworkClient, id: string): Promise<NetworkView> {
  const network = await client.getNetwork(id)
  if (!network) throw notFound('Network not found')
  return network
}
