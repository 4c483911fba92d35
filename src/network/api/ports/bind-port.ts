/**
 * Port binding at the API: when binding:host_id is set the ML2 binder picks vif_type and
 * vif_details for the host (deps.binder, ML2's mechanism drivers); clearing the host unbinds.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import type { NetworkDeps } from '../context.ts'

export type BindingColumns = Pick<PortRow, 'binding_host_id' | 'binding_vif_type' | 'binding_vif_details'>

/** Binding columns for `port` on `host` ('' unbinds: vif_type unbound). */
export async function bindPort(deps: NetworkDeps, trx: Transaction<NetworkDb>, port: PortRow, host: string): Promise<BindingColumns> {
  if (!host) return { binding_host_id: '', binding_vif_type: 'unbound', binding_vif_details: '{}' }
  const segments = await trx.selectFrom('network_segments').select(['id', 'network_type', 'physical_network', 'segmentation_id'])
    .where('network_id', '=', port.network_id).orderBy('segment_index').execute()
  const result = await deps.binder({ port: { ...port, binding_host_id: host }, segments, host, db: trx })
  return { binding_host_id: host, binding_vif_type: result.vifType, binding_vif_details: JSON.stringify(result.vifDetails) }
}
