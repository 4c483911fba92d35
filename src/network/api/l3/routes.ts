/**
 * @module Extra routes of a router (neutron/db/extraroute_db.py): every nexthop must lie in a subnet
 * the router is connected to and must not be one of the router's own addresses; at most
 * quota_router_route (30) routes per router; extraroute-atomic's add/remove merge by destination.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { isInCidr, parseIp } from '../../ipam/index.ts'
import { overQuota } from '../quotas/quota.ts'
import { invalidRoutes } from './errors.ts'
import type { Route } from './router-view.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

/** Neutron's quota_router_route default: routes allowed per router. */
export const MAX_ROUTES_PER_ROUTER = 30

export type ConnectedAddresses = { cidrs: string[]; ips: string[] }

/** The subnets (CIDRs) and addresses of the ports attached to the router, optionally leaving one port out. */
export async function connectedAddresses(db: Db, routerId: string, exceptPortId?: string): Promise<ConnectedAddresses> {
  let q = db.selectFrom('ports').innerJoin('ip_allocations', 'ip_allocations.port_id', 'ports.id')
    .innerJoin('subnets', 'subnets.id', 'ip_allocations.subnet_id')
    .select(['ip_allocations.ip_address as ip', 'subnets.cidr as cidr']).where('ports.device_id', '=', routerId)
  if (exceptPortId) q = q.where('ports.id', '!=', exceptPortId)
  const rows = await q.execute()
  return { cidrs: rows.map((r) => r.cidr), ips: rows.map((r) => r.ip) }
}

const sameIp = (a: string, b: string) => {
  const x = parseIp(a), y = parseIp(b)
  return !!x && !!y && x.version === y.version && x.value === y.value
}

/** _validate_routes_nexthop for every route; InvalidRoutes names the whole list. */
export function checkRoutes(routes: readonly Route[], connected: ConnectedAddresses, requested: unknown = routes): void {
  for (const route of routes) {
    if (!connected.cidrs.some((c) => isInCidr(route.nexthop, c))) throw invalidRoutes(requested, 'the nexthop is not connected with router')
    if (connected.ips.some((ip) => sameIp(ip, route.nexthop))) throw invalidRoutes(requested, 'the nexthop is used by router')
  }
}

/** quota.QUOTAS.limit_check(router_route=len(routes)). */
export function checkRouteCount(routes: readonly Route[]): void {
  if (routes.length > MAX_ROUTES_PER_ROUTER) throw overQuota(['router_route'])
}

const key = (r: Route) => `${r.destination} ${r.nexthop}`

/** _add_extra_routes: the union, exact duplicates merged, grouped by destination in first-seen order. */
export function addRoutes(old: readonly Route[], add: readonly Route[]): Route[] {
  const byDestination = new Map<string, Route[]>()
  const seen = new Set<string>()
  for (const r of [...old, ...add]) {
    if (seen.has(key(r))) continue
    seen.add(key(r))
    byDestination.set(r.destination, [...(byDestination.get(r.destination) ?? []), { destination: r.destination, nexthop: r.nexthop }])
  }
  return [...byDestination.values()].flat()
}

/** _remove_extra_routes: the old routes less those named; naming a missing route is fine. */
export function removeRoutes(old: readonly Route[], remove: readonly Route[]): Route[] {
  const gone = new Set(remove.map(key))
  return old.filter((r) => !gone.has(key(r)))
}
