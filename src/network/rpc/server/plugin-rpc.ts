/**
 * @module The server side of the agent RPC: one implementation of NetworkPluginRpc over the
 * database, served on pluginTopic by the network service.
 */
import type { Stoppable } from '../../../common/rpc/transport.ts'
import type { NetworkDeps } from '../../api/context.ts'
import { securityGroupInfoForDevices } from '../../api/security-groups/security-group-info.ts'
import type { MechanismDriver } from '../../ml2/mechanisms/driver.ts'
import { pluginTopic, type NetworkPluginRpc } from '../agent-rpc.ts'
import { devicePortIds, getDeviceDetails, updateDeviceDown, updateDeviceUp } from './device-rpc.ts'
import { getActiveNetworksInfo, getDhcpPort, getNetworkInfo, releaseDhcpPort } from './dhcp-rpc.ts'
import { syncRouters, updateFloatingIpStatuses } from './l3-rpc.ts'
import { reportState } from './report-state.ts'

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

export function createNetworkPluginRpc(deps: NetworkDeps, drivers: readonly MechanismDriver[]): NetworkPluginRpc {
  const startedMs = Date.now()
  return {
    report_state: (a) => reportState(deps, a, startedMs),
    get_device_details: (a) => getDeviceDetails(deps, drivers, a),
    async get_devices_details_list(a) {
      const out = []
      for (const device of list(a.devices)) out.push(await getDeviceDetails(deps, drivers, { ...a, device }))
      return out
    },
    update_device_up: (a) => updateDeviceUp(deps, a),
    update_device_down: (a) => updateDeviceDown(deps, a),
    security_group_info_for_devices: async (a) => securityGroupInfoForDevices(deps.db, await devicePortIds(deps.db, list(a.devices))),
    get_active_networks_info: (a) => getActiveNetworksInfo(deps, a.host),
    get_network_info: (a) => getNetworkInfo(deps, a.network_id),
    get_dhcp_port: (a) => getDhcpPort(deps, a.network_id, a.host),
    release_dhcp_port: (a) => releaseDhcpPort(deps, a.network_id, a.host),
    sync_routers: (a) => syncRouters(deps, a.host, a.router_ids === undefined ? undefined : list(a.router_ids)),
    update_floatingip_statuses: (a) => updateFloatingIpStatuses(deps, a.router_id, a.statuses),
  }
}

/** Serves the agent RPC until stopped. */
export function serveNetworkPluginRpc(deps: NetworkDeps, drivers: readonly MechanismDriver[]): Promise<Stoppable> {
  return deps.transport.serve(pluginTopic, createNetworkPluginRpc(deps, drivers))
}
