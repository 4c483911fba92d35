/**
 * @module Subnets as the API shows them, and who sees them: Neutron's subnet query shows a
 * project its own subnets and those of networks shared with it, not those of external networks
 * (shared "as external" only; the subnet-external-network extension of Neutron 2024.1, which
 * changes that, is not served: tempest 33 checks the older behaviour); get_subnet then decides on
 * the subnet itself.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, NetworkRow, SubnetRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { can, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { renderStandard } from '../standard-attrs.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export type SubnetWithNetwork = { subnet: SubnetRow; network: NetworkRow }

export function renderSubnet(s: SubnetRow, tags: string[]): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.project_id,
    project_id: s.project_id,
    network_id: s.network_id,
    ip_version: s.ip_version,
    subnetpool_id: s.subnetpool_id,
    enable_dhcp: !!s.enable_dhcp,
    ipv6_ra_mode: s.ipv6_ra_mode,
    ipv6_address_mode: s.ipv6_address_mode,
    gateway_ip: s.gateway_ip,
    cidr: s.cidr,
    allocation_pools: JSON.parse(s.allocation_pools),
    host_routes: JSON.parse(s.host_routes),
    dns_nameservers: JSON.parse(s.dns_nameservers),
    service_types: JSON.parse(s.service_types),
    segment_id: s.segment_id,
    ...renderStandard(s, tags),
  }
}

/** Policy target of a subnet: its attributes and the keys the subnet rules read about its network. */
export function subnetTarget(rendered: Record<string, unknown>, network: NetworkRow | undefined): Record<string, unknown> {
  return {
    ...rendered,
    'network:project_id': network?.project_id,
    'network:tenant_id': network?.project_id,
    shared: !!network?.shared,
    'router:external': !!network?.external,
  }
}

/** The subnet query's own scope: admins see all, others their own subnets and those of shared networks. */
export function inSubnetScope(deps: NetworkDeps, req: NetworkRequest, s: SubnetRow, n: NetworkRow | undefined): boolean {
  if (isAdmin(deps, req)) return true
  const project = req.ctx.auth?.projectId
  return s.project_id === project || !!n?.shared
}

export function subnetVisible(deps: NetworkDeps, req: NetworkRequest, s: SubnetRow, n: NetworkRow | undefined, rendered: Record<string, unknown>): boolean {
  return inSubnetScope(deps, req, s, n) && can(deps, req, 'get_subnet', subnetTarget(rendered, n))
}

/** The subnet and its network when the caller may see it, else 404 SubnetNotFound. */
export async function visibleSubnet(deps: NetworkDeps, req: NetworkRequest, db: Db, id: string): Promise<SubnetWithNetwork & { rendered: Record<string, unknown> }> {
  projectOf(req)
  const subnet = await db.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst()
  const network = subnet && await db.selectFrom('networks').selectAll().where('id', '=', subnet.network_id).executeTakeFirst()
  if (!subnet || !network) throw notFound('subnet', id)
  const tags = (await db.selectFrom('resource_tags').select('tag').where('resource_type', '=', 'subnets').where('resource_id', '=', id).execute())
    .map((r) => r.tag).sort()
  const rendered = renderSubnet(subnet, tags)
  if (!subnetVisible(deps, req, subnet, network, rendered)) throw notFound('subnet', id)
  return { subnet, network, rendered }
}
