/**
 * @module Floating IP pools (neutron/db/l3_fip_pools_db.py): every IPv4 subnet of every external
 * network, read with admin rights (users cannot list those subnets themselves), shown with the
 * caller's project as project_id, as Neutron does.
 */
import { can, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Item } from '../listing.ts'

export const FLOATING_IP_POOL_FILTERS = ['subnet_id', 'subnet_name', 'network_id', 'cidr', 'project_id'] as const

export async function floatingIpPools(deps: NetworkDeps, req: NetworkRequest): Promise<Item[]> {
  const project = projectOf(req)
  const subnets = await deps.db.selectFrom('subnets').innerJoin('networks', 'networks.id', 'subnets.network_id')
    .select(['subnets.id as id', 'subnets.name as name', 'subnets.network_id as network_id', 'subnets.cidr as cidr'])
    .where('networks.external', '=', 1).where('subnets.ip_version', '=', 4).orderBy('subnets.id').execute()
  return subnets
    .map((s) => ({ subnet_id: s.id, subnet_name: s.name, project_id: project, network_id: s.network_id, cidr: s.cidr }))
    .filter((pool) => can(deps, req, 'get_floatingip_pool', pool))
}
