/**
 * Deleting a network as Neutron does, in one transaction: its unassociated floating IPs go first
 * (Neutron's before-delete hook), then 409 NetworkInUse if any port remains that the network does
 * not own itself; the network-owned ports (DHCP and the like), the subnets, the segments (their ids
 * freed) and every tag go with the network.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { inUse, notFound } from '../../errors.ts'
import { enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { checkRevision } from '../standard-attrs.ts'
import { canSee, NETWORK_TAG_TYPE, networkRow, renderNetworks } from './network-view.ts'
import { releaseNetworkSegments } from './segments.ts'
import { tagTypeOf } from './tag-resources.ts'
import { typeDriversOf } from './type-drivers.ts'

/** Ports Neutron deletes with their network (neutron/common/_constants.py AUTO_DELETE_PORT_OWNERS). */
export const AUTO_DELETE_PORT_OWNERS = ['network:dhcp', 'network:distributed', 'network:floatingip_agent_gateway']

const TAG_TYPES = { ports: tagTypeOf('ports'), subnets: tagTypeOf('subnets'), floatingips: tagTypeOf('floatingips') }

async function deletePortRows(trx: Transaction<NetworkDb>, portIds: string[]): Promise<void> {
  if (!portIds.length) return
  await trx.deleteFrom('ip_allocations').where('port_id', 'in', portIds).execute()
  await trx.deleteFrom('port_security_groups').where('port_id', 'in', portIds).execute()
  await trx.deleteFrom('router_ports').where('port_id', 'in', portIds).execute()
  await trx.deleteFrom('resource_tags').where('resource_type', '=', TAG_TYPES.ports).where('resource_id', 'in', portIds).execute()
  await trx.deleteFrom('ports').where('id', 'in', portIds).execute()
}

/** Floating IPs allocated from this (external) network and not associated with any port. */
async function deleteIdleFloatingIps(trx: Transaction<NetworkDb>, networkId: string): Promise<void> {
  const fips = await trx.selectFrom('floating_ips').select(['id', 'floating_port_id'])
    .where('floating_network_id', '=', networkId).where('fixed_port_id', 'is', null).execute()
  if (!fips.length) return
  await trx.deleteFrom('resource_tags').where('resource_type', '=', TAG_TYPES.floatingips).where('resource_id', 'in', fips.map((f) => f.id)).execute()
  await trx.deleteFrom('floating_ips').where('id', 'in', fips.map((f) => f.id)).execute()
  await deletePortRows(trx, fips.map((f) => f.floating_port_id))
}

async function deleteInTransaction(deps: NetworkDeps, trx: Transaction<NetworkDb>, id: string): Promise<void> {
  await deleteIdleFloatingIps(trx, id)
  const ports = await trx.selectFrom('ports').select(['id', 'device_owner']).where('network_id', '=', id).orderBy('id').execute()
  const busy = ports.filter((p) => !AUTO_DELETE_PORT_OWNERS.includes(p.device_owner)).map((p) => p.id)
  if (busy.length) {
    throw inUse('NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network, id for these ports is: ${busy.join(',')}.`)
  }
  await deletePortRows(trx, ports.map((p) => p.id))
  const subnets = (await trx.selectFrom('subnets').select('id').where('network_id', '=', id).execute()).map((s) => s.id)
  if (subnets.length) {
    await trx.deleteFrom('ip_allocations').where('subnet_id', 'in', subnets).execute()
    await trx.deleteFrom('resource_tags').where('resource_type', '=', TAG_TYPES.subnets).where('resource_id', 'in', subnets).execute()
    await trx.deleteFrom('subnets').where('id', 'in', subnets).execute()
  }
  await releaseNetworkSegments(typeDriversOf(deps.config), trx, id)
  await trx.deleteFrom('resource_tags').where('resource_type', '=', NETWORK_TAG_TYPE).where('resource_id', '=', id).execute()
  await trx.deleteFrom('networks').where('id', '=', id).execute()
}

/** 404 when the caller cannot see the network, 403 when it may see but not delete it, 409 while it is in use. */
export async function deleteNetwork(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<void> {
  const row = await networkRow(deps.db, id)
  if (!row) throw notFound('network', id)
  const [network] = await renderNetworks(deps, deps.db, [row])
  enforce(deps, req, 'delete_network', network, () => (canSee(deps, req, network) ? undefined : notFound('network', id)))
  await deps.db.transaction().execute(async (trx) => {
    const fresh = await networkRow(trx, id)
    if (!fresh) throw notFound('network', id)
    checkRevision(req, Number(fresh.revision_number))
    await deleteInTransaction(deps, trx, id)
  })
}
