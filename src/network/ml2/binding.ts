/**
 * @module The port-binding handshake: compute sets binding:host_id; a mechanism driver that can
 * bind on that host (from its agent's reported configuration) supplies vif_type and vif_details.
 */
import type { PortRow } from '../db/schema.ts'

export type BindingResult = { vifType: string; vifDetails: Record<string, unknown> }

/** Context the binder needs: the port, its network's segments, and the agents on the host. */
export type BindingRequest = {
  port: PortRow
  segments: { id: string; network_type: string; physical_network: string | null; segmentation_id: number | null }[]
  host: string
}

/** Result of trying each mechanism driver in order; `binding_failed` when none can bind. */
export type PortBinder = (req: BindingRequest) => Promise<BindingResult>

/** Until mechanism drivers land every binding fails, which is what Neutron reports when none can bind. */
export const unboundBinder: PortBinder = async () => ({ vifType: 'binding_failed', vifDetails: {} })
