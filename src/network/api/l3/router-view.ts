/**
 * @module Routers as the API shows them (l3 + ext-gw-mode + extraroute + router_availability_zone +
 * dvr/l3-ha attributes + standard attributes), and who sees which: get_router on the router itself
 * (its project's readers, admins); `distributed` and `ha` are stripped by their admin-only get rules.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbBool, fromDbJson } from '../../../common/db/columns.ts'
import type { NetworkDb, RouterRow } from '../../db/schema.ts'
import { can, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Item } from '../listing.ts'
import { zonesOf } from '../networks/availability-zones.ts'
import { tagTypeOf } from '../networks/tag-resources.ts'
import type { FixedIp } from '../ports/ip-requests.ts'
import { fixedIpsOf } from '../ports/port-view.ts'
import { renderStandard, tagsOf } from '../standard-attrs.ts'
import { routerNotFound } from './errors.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export const ROUTER_TAG_TYPE = tagTypeOf('routers')

/** Attributes a router list can be filtered and sorted on. */
export const ROUTER_FILTERS = [
  'id', 'name', 'admin_state_up', 'status', 'tenant_id', 'project_id', 'distributed', 'ha', 'availability_zone_hints',
  'description', 'created_at', 'updated_at', 'revision_number',
] as const

export type Route = { destination: string; nexthop: string }

export type RouterGateway = { networkId: string; portId: string; fixedIps: FixedIp[] }

export type RouterDetail = { row: RouterRow; gateway: RouterGateway | undefined; tags: string[] }

export const routesOf = (row: RouterRow): Route[] => fromDbJson<Route[]>(row.routes, [])

/** Rows with their gateway port (network and addresses) and tags, loaded in batches. */
export async function routerDetails(db: Db, rows: RouterRow[]): Promise<RouterDetail[]> {
  const gwIds = rows.flatMap((r) => (r.gw_port_id ? [r.gw_port_id] : []))
  const gwPorts = gwIds.length ? await db.selectFrom('ports').select(['id', 'network_id']).where('id', 'in', gwIds).execute() : []
  const [ips, tags] = await Promise.all([fixedIpsOf(db, gwIds), tagsOf(db, ROUTER_TAG_TYPE, rows.map((r) => r.id))])
  const networkOf = new Map(gwPorts.map((p) => [p.id, p.network_id]))
  return rows.map((row) => {
    const networkId = row.gw_port_id ? networkOf.get(row.gw_port_id) : undefined
    const gateway = row.gw_port_id && networkId ? { networkId, portId: row.gw_port_id, fixedIps: ips.get(row.gw_port_id) ?? [] } : undefined
    return { row, gateway, tags: tags.get(row.id) ?? [] }
  })
}

export async function routerDetail(db: Db, id: string): Promise<RouterDetail | undefined> {
  const row = await db.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirst()
  return row && (await routerDetails(db, [row]))[0]
}

/** The full router dict (before field-level policy). */
export function renderRouter(deps: NetworkDeps, d: RouterDetail): Item {
  const r = d.row
  const hints = fromDbJson<string[]>(r.availability_zone_hints, [])
  return {
    id: r.id,
    name: r.name,
    tenant_id: r.project_id,
    project_id: r.project_id,
    admin_state_up: fromDbBool(r.admin_state_up),
    status: r.status,
    external_gateway_info: d.gateway ? {
      network_id: d.gateway.networkId,
      enable_snat: fromDbBool(r.enable_snat),
      external_fixed_ips: d.gateway.fixedIps.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
    } : null,
    routes: routesOf(r),
    distributed: fromDbBool(r.distributed),
    ha: fromDbBool(r.ha),
    availability_zone_hints: hints,
    availability_zones: zonesOf(deps, hints),
    ...renderStandard(r, d.tags),
  }
}

export const canSeeRouter = (deps: NetworkDeps, req: NetworkRequest, router: Item) => can(deps, req, 'get_router', router)

/** What the caller gets to read of a router it can see. */
export const presentRouter = (deps: NetworkDeps, req: NetworkRequest, router: Item) => visibleFields(deps, req, 'router', router, router)

/** Rows the caller might see: all when get_router passes on another project's router, else its project's. */
export async function candidateRouters(deps: NetworkDeps, req: NetworkRequest, db: Db = deps.db): Promise<RouterRow[]> {
  const q = db.selectFrom('routers').selectAll()
  if (can(deps, req, 'get_router', { project_id: '', tenant_id: '' })) return q.execute()
  return q.where('project_id', '=', projectOf(req)).execute()
}

/** The router and its dict when the caller may see it, else 404 RouterNotFound. */
export async function visibleRouter(deps: NetworkDeps, req: NetworkRequest, id: string, db: Db = deps.db): Promise<{ detail: RouterDetail; router: Item }> {
  const detail = await routerDetail(db, id)
  if (!detail) throw routerNotFound(id)
  const router = renderRouter(deps, detail)
  if (!canSeeRouter(deps, req, router)) throw routerNotFound(id)
  return { detail, router }
}

/** The ids of the ports a router holds, by port type. */
export async function routerPorts(db: Db, routerId: string, portType?: string): Promise<string[]> {
  let q = db.selectFrom('router_ports').select('port_id').where('router_id', '=', routerId)
  if (portType) q = q.where('port_type', '=', portType)
  return (await q.orderBy('port_id').execute()).map((r) => r.port_id)
}
