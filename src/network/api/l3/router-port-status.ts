/**
 * @module Status of the ports the L3 service owns. No L3 agent wires routers yet, so router
 * interface and gateway ports are ACTIVE as soon as they are attached (as with Neutron's OVN
 * driver, whose router ports need no agent); a floating IP's own port is 'N/A', as Neutron's.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'

export async function markRouterPortActive(trx: Transaction<NetworkDb>, portId: string): Promise<void> {
  await trx.updateTable('ports').set({ status: 'ACTIVE' }).where('id', '=', portId).execute()
}

/** neutron_lib PORT_STATUS_NOTAPPLICABLE. */
export async function markFloatingPortNotApplicable(trx: Transaction<NetworkDb>, portId: string): Promise<void> {
  await trx.updateTable('ports').set({ status: 'N/A' }).where('id', '=', portId).execute()
}
