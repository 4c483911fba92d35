/** Neutron's errors for segments, in its words (neutron_lib/exceptions). */
import { invalidInput, NeutronError } from '../../errors.ts'

export { invalidInput }

export const vlanIdInUse = (vlanId: number, physicalNetwork: string) => new NeutronError(409, 'VlanIdInUse',
  `Unable to create the network. The VLAN ${vlanId} on physical network ${physicalNetwork} is in use.`)

export const tunnelIdInUse = (tunnelId: number) => new NeutronError(409, 'TunnelIdInUse',
  `Unable to create the network. The tunnel ID ${tunnelId} is in use.`)

export const flatNetworkInUse = (physicalNetwork: string) => new NeutronError(409, 'FlatNetworkInUse',
  `Unable to create the flat network. Physical network ${physicalNetwork} is in use.`)

export const noNetworkAvailable = () => new NeutronError(503, 'NoNetworkAvailable',
  'Unable to create the network. No project network is available for allocation.')
