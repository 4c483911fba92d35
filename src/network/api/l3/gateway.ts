/**
 * @module A router's external gateway (l3_db _update_router_gw_info with l3_gwmode_db): the gateway
 * network must be visible and external; the router holds one `network:router_gateway` port on it,
 * owned by no project, with addresses on the external subnets (or those asked for). Changing the
 * addresses on the same network updates the port; another network replaces it; no data removes
 * it, unless floating IPs still depend on it.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, RouterRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { createPort, deletePort } from '../ports/create-port.ts'
import { DEVICE_OWNER_ROUTER_GW } from '../ports/device-owners.ts'
import type { FixedIp, FixedIpRequest } from '../ports/ip-requests.ts'
import { findNetwork, networkVisible } from '../ports/network-access.ts'
import { updatePort } from '../ports/update-port.ts'
import { portDetail } from '../ports/port-view.ts'
import { badRequest, routerExternalGatewayInUseByFloatingIp } from './errors.ts'
import { markRouterPortActive } from './router-port-status.ts'
import type { GatewayInfo } from './router-body.ts'
import { checkRouterSubnets } from './router-subnets.ts'
import { routesOf } from './router-view.ts'
import { checkRoutes, connectedAddresses } from './routes.ts'

type Trx = Transaction<NetworkDb>

/** _check_for_external_ip_change: whether the requested addresses differ from the gateway port's. */
function externalIpsChanged(current: FixedIp[] | undefined, requested: FixedIpRequest[]): boolean {
  if (!requested.length) return false
  if (!current) return true
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x))
  const subnets = new Set(current.map((ip) => ip.subnet_id))
  const newSubnets = new Set(requested.flatMap((f) => (f.subnet_id ? [f.subnet_id] : [])))
  if (!same(subnets, newSubnets)) return true
  const ips = new Set(current.map((ip) => ip.ip_address))
  const newIps = new Set(requested.flatMap((f) => (f.ip_address ? [f.ip_address] : [])))
  return !same(ips, newIps)
}

/** _validate_gw_info: the network (404 unless visible, 400 unless external), addresses, and the router's routes still reachable. */
async function gatewayNetwork(deps: NetworkDeps, req: NetworkRequest, trx: Trx, router: RouterRow, info: GatewayInfo | null): Promise<string | null> {
  const networkId = info?.network_id ?? null
  const cidrs: string[] = []
  if (networkId) {
    const network = await findNetwork(trx, networkId)
    if (!network || !networkVisible(deps, req, network)) throw notFound('network', networkId)
    if (!network.external) throw badRequest('router', `Network ${networkId} is not an external network`)
    const subnets = await trx.selectFrom('subnets').select(['cidr', 'gateway_ip']).where('network_id', '=', networkId).execute()
    for (const ip of info?.external_fixed_ips ?? []) {
      if (ip.ip_address !== undefined && subnets.some((s) => s.gateway_ip && s.gateway_ip === ip.ip_address)) {
        throw badRequest('router', `External IP ${ip.ip_address} is the same as the gateway IP`)
      }
    }
    cidrs.push(...subnets.map((s) => s.cidr))
  }
  const routes = routesOf(router)
  if (routes.length) {
    const attached = await connectedAddresses(trx, router.id, router.gw_port_id ?? undefined)
    checkRoutes(routes, { cidrs: [...attached.cidrs, ...cidrs], ips: attached.ips })
  }
  return networkId
}

async function createGatewayPort(deps: NetworkDeps, trx: Trx, router: RouterRow, networkId: string, fixedIps: FixedIpRequest[]): Promise<string> {
  const subnets = await trx.selectFrom('subnets').select(['id', 'cidr']).where('network_id', '=', networkId).execute()
  await checkRouterSubnets(trx, router.id, subnets)
  // The port belongs to no project: it is hidden from users, as Neutron's.
  const port = await createPort(deps, trx, {
    projectId: '', networkId, name: '', adminStateUp: true, deviceId: router.id, deviceOwner: DEVICE_OWNER_ROUTER_GW,
    fixedIps: fixedIps.length ? fixedIps : undefined,
  })
  await markRouterPortActive(trx, port.id)
  await trx.insertInto('router_ports').values({ router_id: router.id, port_id: port.id, port_type: DEVICE_OWNER_ROUTER_GW }).execute()
  return port.id
}

/** Deletes the gateway port; 409 while floating IPs are routed through this router. */
export async function removeGatewayPort(deps: NetworkDeps, trx: Trx, router: RouterRow, gatewayNetworkId: string): Promise<void> {
  if (!router.gw_port_id) return
  const fip = await trx.selectFrom('floating_ips').select('id').where('router_id', '=', router.id).executeTakeFirst()
  if (fip) throw routerExternalGatewayInUseByFloatingIp(router.id, gatewayNetworkId)
  await deletePort(deps, trx, router.gw_port_id)
}

/**
 * Applies `external_gateway_info` (null: none) to the router inside the caller's transaction and
 * returns the router columns that change. enable_snat defaults to true whenever the info is given.
 */
export async function updateGateway(
  deps: NetworkDeps, req: NetworkRequest, trx: Trx, router: RouterRow, info: GatewayInfo | null,
): Promise<Pick<RouterRow, 'gw_port_id' | 'enable_snat'>> {
  const current = router.gw_port_id ? await portDetail(trx, router.gw_port_id) : undefined
  const requested = info?.external_fixed_ips ?? []
  const changed = externalIpsChanged(current?.fixedIps, requested)
  const networkId = await gatewayNetwork(deps, req, trx, router, info)
  let gwPortId = current ? current.row.id : null
  if (current && changed && current.row.network_id === networkId) {
    await updatePort(deps, trx, current, { fixed_ips: requested }, true)
  } else {
    if (current && current.row.network_id !== networkId) {
      await removeGatewayPort(deps, trx, router, current.row.network_id)
      gwPortId = null
    }
    if (networkId && (!current || current.row.network_id !== networkId)) {
      gwPortId = await createGatewayPort(deps, trx, router, networkId, requested)
    }
  }
  return { gw_port_id: gwPortId, enable_snat: info?.enable_snat === false ? 0 : 1 }
}
