/**
 * @module What the L3 service forbids on ports, for the ports API to call: Neutron's
 * _prevent_internal_ip_change_for_fip (a BEFORE_UPDATE port callback). Deleting router and
 * floating IP ports is guarded in the ports handler itself (prevent_l3_port_deletion), and
 * deletePort disassociates floating IPs from a deleted port.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { canonicalIpText } from '../ports/ip-requests.ts'
import { badRequest } from './errors.ts'

/**
 * Call before a port's fixed_ips are replaced by `requested`: while a floating IP is associated with
 * one of its addresses, that address must stay (400 "Bad port request: …" otherwise).
 */
export async function checkFloatingIpAddressKept(
  db: Kysely<NetworkDb> | Transaction<NetworkDb>, portId: string, requested: readonly { ip_address?: string }[],
): Promise<void> {
  const fip = await db.selectFrom('floating_ips').select('fixed_ip_address').where('fixed_port_id', '=', portId).executeTakeFirst()
  if (!fip?.fixed_ip_address) return
  if (requested.some((ip) => ip.ip_address !== undefined && canonicalIpText(ip.ip_address) === fip.fixed_ip_address)) return
  throw badRequest('port', `Cannot update the fixed_ips of the port ${portId}, because its original fixed_ip has been associated to a floating ip`)
}
