/** /v2.0/network-ip-availabilities (network-ip-availability, admin): per network and subnet, addresses in the pools and addresses used. */
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { cidrSize, parseCidr, poolsToRanges, type AllocationPool } from '../../ipam/index.ts'
import { rangeSize } from '../../ipam/ip-range.ts'
import { enforce, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse, type Item } from '../listing.ts'

const FILTERS = ['network_id', 'network_name', 'tenant_id', 'project_id', 'total_ips', 'used_ips'] as const

export function ipAvailabilityRoutes(deps: NetworkDeps): Route[] {
  async function availabilities(networks: NetworkRow[]): Promise<Item[]> {
    if (!networks.length) return []
    const ids = networks.map((n) => n.id)
    const subnets = await deps.db.selectFrom('subnets').select(['id', 'name', 'network_id', 'cidr', 'ip_version', 'allocation_pools'])
      .where('network_id', 'in', ids).orderBy('created_at').orderBy('id').execute()
    const counts = await deps.db.selectFrom('ip_allocations').select((eb) => ['subnet_id', eb.fn.countAll<number>().as('n')])
      .where('network_id', 'in', ids).groupBy('subnet_id').execute()
    const used = new Map(counts.map((c) => [c.subnet_id, Number(c.n)]))
    return networks.map((n) => {
      const subnetItems = subnets.filter((s) => s.network_id === n.id).map((s) => {
        const pools = JSON.parse(s.allocation_pools) as AllocationPool[]
        const total = pools.length ? poolsToRanges(pools).reduce((sum, r) => sum + rangeSize(r), 0n) : cidrSize(parseCidr(s.cidr)!)
        return { subnet_id: s.id, subnet_name: s.name, cidr: s.cidr, ip_version: s.ip_version, used_ips: used.get(s.id) ?? 0, total_ips: Number(total) }
      })
      return {
        network_id: n.id, network_name: n.name, tenant_id: n.project_id, project_id: n.project_id,
        total_ips: subnetItems.reduce((sum, s) => sum + s.total_ips, 0), used_ips: subnetItems.reduce((sum, s) => sum + s.used_ips, 0),
        subnet_ip_availability: subnetItems,
      }
    })
  }

  async function list(req: NetworkRequest) {
    enforce(deps, req, 'get_network_ip_availability', {})
    const versions = req.query.getAll('ip_version')
    const query = new URLSearchParams([...req.query].filter(([k]) => k !== 'ip_version'))
    let items = await availabilities(await deps.db.selectFrom('networks').selectAll().execute())
    if (versions.length) {
      // ip_version selects networks that have a subnet of that version, showing only those subnets.
      items = items.map((i) => {
        const subnets = (i.subnet_ip_availability as { ip_version: number; used_ips: number; total_ips: number }[])
          .filter((s) => versions.includes(String(s.ip_version)))
        return { ...i, subnet_ip_availability: subnets, used_ips: subnets.reduce((a, s) => a + s.used_ips, 0), total_ips: subnets.reduce((a, s) => a + s.total_ips, 0) }
      }).filter((i) => (i.subnet_ip_availability as unknown[]).length)
    }
    return listResponse({ ...req, query }, { collection: 'network_ip_availabilities', attributes: FILTERS }, items)
  }

  async function get(req: NetworkRequest) {
    enforce(deps, req, 'get_network_ip_availability', {})
    const network = await deps.db.selectFrom('networks').selectAll().where('id', '=', req.params.network_id!).executeTakeFirst()
    if (!network) throw notFound('network', req.params.network_id!)
    return showResponse(req, 'network_ip_availability', (await availabilities([network]))[0]!)
  }

  return [
    route('GET', '/v2.0/network-ip-availabilities', list),
    route('GET', '/v2.0/network-ip-availabilities/:network_id', get),
  ]
}
