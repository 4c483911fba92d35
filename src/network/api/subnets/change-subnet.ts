/**
 * @module Updating and deleting subnets (db_base_plugin_v2 _update_subnet_precommit and
 * delete_subnet). Delete refuses while router interfaces or user ports hold addresses on it (unless
 * it is a SLAAC subnet, whose addresses go with it); DHCP ports only lose their address.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, SubnetRow } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import { poolsAfterUpdate, type AllocationPool } from '../../ipam/index.ts'
import { AUTO_DELETE_PORT_OWNERS, ROUTER_INTERFACE_OWNERS } from '../ports/device-owners.ts'
import { lockNetwork } from '../ports/network-access.ts'
import { bumped, deleteTags } from '../standard-attrs.ts'
import { isAutoAddressRow, validateSubnetUpdate } from './subnet-checks.ts'

type Trx = Transaction<NetworkDb>
type Body = Record<string, any>

/** Applies a validated update body to the subnet; returns the stored row. */
export async function updateSubnet(trx: Trx, current: SubnetRow, s: Body): Promise<SubnetRow> {
  await lockNetwork(trx, current.network_id)
  await validateSubnetUpdate(trx, s, current)
  const pools = poolsAfterUpdate({
    cidr: current.cidr, currentGatewayIp: current.gateway_ip, currentPools: JSON.parse(current.allocation_pools) as AllocationPool[],
    gatewayIp: s.gateway_ip, allocationPools: s.allocation_pools,
  })
  if (s.segment_id !== undefined && s.segment_id !== current.segment_id && s.segment_id !== null) {
    const segment = await trx.selectFrom('network_segments').select(['network_id']).where('id', '=', s.segment_id).executeTakeFirst()
    if (!segment) throw new NeutronError(404, 'SegmentNotFound', `Segment ${s.segment_id} could not be found.`)
    if (segment.network_id !== current.network_id) {
      throw new NeutronError(400, 'NetworkIdsDontMatch',
        `The subnet's network id, '${current.network_id}', doesn't match the network_id of segment '${s.segment_id}'`)
    }
  }
  const set: Partial<SubnetRow> = {
    ...(s.name !== undefined && { name: s.name }),
    ...(s.description !== undefined && { description: s.description }),
    ...(s.gateway_ip !== undefined && { gateway_ip: s.gateway_ip }),
    ...(s.enable_dhcp !== undefined && { enable_dhcp: s.enable_dhcp ? 1 : 0 }),
    ...(s.dns_nameservers !== undefined && { dns_nameservers: JSON.stringify(s.dns_nameservers) }),
    ...(s.host_routes !== undefined && { host_routes: JSON.stringify(s.host_routes) }),
    ...(s.allocation_pools !== undefined && { allocation_pools: JSON.stringify(pools) }),
    ...(s.segment_id !== undefined && { segment_id: s.segment_id }),
    ...(s.service_types !== undefined && { service_types: JSON.stringify(s.service_types ?? []) }),
    ...bumped(current.revision_number),
  }
  await trx.updateTable('subnets').set(set).where('id', '=', current.id).execute()
  return { ...current, ...set }
}

const subnetInUse = (id: string) => new NeutronError(409, 'SubnetInUse',
  `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`)

/**
 * Deletes the subnet and the addresses it still hands out (_remove_subnet_ip_allocations_from_ports):
 * 409 SubnetInUse while a router interface, or a port other than DHCP / distributed ones, holds an
 * address on a subnet that is not SLAAC.
 */
export async function deleteSubnet(trx: Trx, subnet: SubnetRow): Promise<void> {
  await lockNetwork(trx, subnet.network_id)
  const holders = await trx.selectFrom('ip_allocations').innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
    .select(['ports.id', 'ports.device_owner', 'ports.revision_number']).where('ip_allocations.subnet_id', '=', subnet.id).execute()
  if (holders.some((h) => ROUTER_INTERFACE_OWNERS.includes(h.device_owner))) throw subnetInUse(subnet.id)
  if (!isAutoAddressRow(subnet) && holders.some((h) => !AUTO_DELETE_PORT_OWNERS.includes(h.device_owner))) throw subnetInUse(subnet.id)
  await trx.deleteFrom('ip_allocations').where('subnet_id', '=', subnet.id).execute()
  for (const h of holders) await trx.updateTable('ports').set(bumped(h.revision_number)).where('id', '=', h.id).execute()
  await deleteTags(trx, 'subnets', subnet.id)
  await trx.deleteFrom('subnets').where('id', '=', subnet.id).execute()
}
