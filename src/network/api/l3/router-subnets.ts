/**
 * @module The subnets a router is attached to and the checks made before it gets another one
 * (l3_db _check_for_dup_router_subnets, _raise_on_subnets_overlap, _validate_subnet_address_mode):
 * one port per subnet, no overlapping CIDRs across the router (its gateway counts with every
 * subnet of the external network), no IPv6 subnet whose RAs come from an outside router.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, SubnetRow } from '../../db/schema.ts'
import { cidrsOverlap, parseCidr } from '../../ipam/index.ts'
import { DEVICE_OWNER_ROUTER_GW } from '../ports/device-owners.ts'
import { badRequest } from './errors.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

/** neutron_lib PROVISIONAL_IPV6_PD_PREFIX: the placeholder CIDR of a subnet waiting for prefix delegation. */
const PD_PREFIX = '::/64'

export type RouterPortInfo = { id: string; networkId: string; deviceOwner: string; portType: string; fixedIps: { subnet_id: string; ip_address: string }[] }

/** The router's ports (router_ports joined with ports) with their addresses. */
export async function attachedPorts(db: Db, routerId: string): Promise<RouterPortInfo[]> {
  const rows = await db.selectFrom('router_ports').innerJoin('ports', 'ports.id', 'router_ports.port_id')
    .select(['ports.id as id', 'ports.network_id as networkId', 'ports.device_owner as deviceOwner', 'router_ports.port_type as portType'])
    .where('router_ports.router_id', '=', routerId).orderBy('ports.created_at').orderBy('ports.id').execute()
  if (!rows.length) return []
  const ips = await db.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address'])
    .where('port_id', 'in', rows.map((r) => r.id)).execute()
  return rows.map((r) => ({ ...r, fixedIps: ips.filter((i) => i.port_id === r.id).map((i) => ({ subnet_id: i.subnet_id, ip_address: i.ip_address })) }))
}

/** _raise_on_subnets_overlap: 400 when either CIDR contains the other. */
export function checkNoOverlap(existing: Pick<SubnetRow, 'id' | 'cidr'>, added: Pick<SubnetRow, 'id' | 'cidr'>): void {
  const a = parseCidr(existing.cidr), b = parseCidr(added.cidr)
  if (a && b && a.version === b.version && cidrsOverlap(a, b)) {
    throw badRequest('router', `Cidr ${added.cidr} of subnet ${added.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`)
  }
}

/** _check_for_dup_router_subnets: none of `added` may already be on the router, nor overlap what is. */
export async function checkRouterSubnets(db: Db, routerId: string, added: readonly Pick<SubnetRow, 'id' | 'cidr'>[], ports?: RouterPortInfo[]): Promise<void> {
  const addedIds = new Set(added.map((s) => s.id))
  const onRouter: string[] = []
  for (const port of ports ?? await attachedPorts(db, routerId)) {
    for (const ip of port.fixedIps) {
      if (addedIds.has(ip.subnet_id)) throw badRequest('router', `Router already has a port on subnet ${ip.subnet_id}`)
      if (port.deviceOwner === DEVICE_OWNER_ROUTER_GW) {
        const external = await db.selectFrom('subnets').select('id').where('network_id', '=', port.networkId).execute()
        onRouter.push(...external.map((s) => s.id))
      } else {
        onRouter.push(ip.subnet_id)
      }
    }
  }
  if (!onRouter.length) return
  const existing = await db.selectFrom('subnets').select(['id', 'cidr']).where('id', 'in', [...new Set(onRouter)]).execute()
  const candidates = added.filter((s) => s.cidr !== PD_PREFIX)
  for (const sub of existing) for (const s of candidates) checkNoOverlap(sub, s)
}

/** _validate_subnet_address_mode: an IPv6 subnet with an address mode but no RA mode gets its RAs from an outside router. */
export function checkSubnetAddressMode(subnet: Pick<SubnetRow, 'id' | 'ip_version' | 'ipv6_ra_mode' | 'ipv6_address_mode'>): void {
  if (Number(subnet.ip_version) === 6 && subnet.ipv6_ra_mode === null && subnet.ipv6_address_mode !== null) {
    throw badRequest('router', `IPv6 subnet ${subnet.id} configured to receive RAs from an external router cannot be added to Neutron Router.`)
  }
}

/**
 * Row-locks the router for the rest of the transaction (PostgreSQL, MariaDB; SQLite serialises
 * writers anyway), so two changes to one router's ports cannot interleave their checks.
 */
export async function lockRouter(db: Db, id: string): Promise<void> {
  await db.updateTable('routers').set((eb) => ({ id: eb.ref('id') })).where('id', '=', id).execute()
}
