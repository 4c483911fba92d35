/**
 * @module Creating and deleting ports inside a transaction, for every caller that needs one: the
 * ports API, router interfaces and gateways, floating IPs, DHCP. Owned by the ports work; the
 * signatures are fixed so routers and floating IPs can build on them.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import type { NetworkDeps } from '../context.ts'

export type FixedIpRequest = { subnet_id?: string; ip_address?: string }

export type PortSpec = {
  projectId: string
  networkId: string
  name?: string
  description?: string
  deviceId?: string
  deviceOwner?: string
  /** Omitted: one address from each IPv4 subnet and the right IPv6 ones, as Neutron. [] : no address. */
  fixedIps?: FixedIpRequest[]
  macAddress?: string
  adminStateUp?: boolean
  /** Omitted: the project's default group; [] : none. Ignored for network:* device owners. */
  securityGroups?: string[]
  portSecurityEnabled?: boolean
}

export type CreatedPort = PortRow & { fixedIps: { subnet_id: string; ip_address: string }[] }

/** Allocates MAC and addresses and inserts the port; throws Neutron's errors (IpAddressAlreadyAllocated…). */
export async function createPort(_deps: NetworkDeps, _trx: Transaction<NetworkDb>, _spec: PortSpec): Promise<CreatedPort> {
  throw new Error('createPort: not implemented yet')
}

/** Deletes a port and frees its addresses (and disassociates floating IPs pointing at it). */
export async function deletePort(_deps: NetworkDeps, _trx: Transaction<NetworkDb>, _portId: string): Promise<void> {
  throw new Error('deletePort: not implemented yet')
}
