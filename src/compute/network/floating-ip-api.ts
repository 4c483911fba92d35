/**
 * @module Nova's floating IP proxy on the network service (the floating IP half of
 * nova/network/neutron.py): Neutron's floating IPs in Nova's terms (pool = external network,
 * instance_id = the device of the port), pools looked up by name or id, and associating an
 * address with one fixed IP of an instance. Runs with the caller's token, so Neutron decides
 * who sees and changes what.
 */
import type { FloatingIpView, NetworkClient, NetworkView } from '../../network/client.ts'
import { NovaError, badRequest, conflict, notFound } from '../errors.ts'
import type { NetworkInfo } from '../model/instance.ts'
import { isUuidLike } from '../uuid-like.ts'

/** A floating IP as Nova's os-floating-ips shows it. */
export type NovaFloatingIp = { id: string; ip: string; pool: string; fixed_ip: string | null; instance_id: string | null }

/** Nova's view: the pool is the external network's name (its id when it has none). */
export function novaFloatingIp(fip: FloatingIpView, network: NetworkView | undefined): NovaFloatingIp {
  const details = fip.port_details as { device_id?: string } | null | undefined
  return {
    id: fip.id, ip: fip.floating_ip_address, pool: network?.name || fip.floating_network_id,
    fixed_ip: fip.fixed_ip_address, instance_id: fip.port_id ? (details?.device_id || null) : null,
  }
}

/** The views of several floating IPs, each external network read once. */
export async function novaFloatingIps(client: NetworkClient, fips: FloatingIpView[]): Promise<NovaFloatingIp[]> {
  const ids = [...new Set(fips.map((f) => f.floating_network_id))]
  const nets = ids.length ? await client.listNetworks({ id: ids }) : []
  const byId = new Map(nets.map((n) => [n.id, n]))
  return fips.map((f) => novaFloatingIp(f, byId.get(f.floating_network_id)))
}

/** The floating IP with this id, or Nova's 404. */
export async function floatingIpById(client: NetworkClient, id: string): Promise<FloatingIpView> {
  const fip = isUuidLike(id) ? await client.getFloatingIp(id) : undefined
  if (!fip) throw notFound(`Floating IP not found for ID ${id}`)
  return fip
}

/** The floating IP with this address, or Nova's 404 (FloatingIpNotFoundForAddress); 409 when several match. */
export async function floatingIpByAddress(client: NetworkClient, address: string): Promise<FloatingIpView> {
  const found = await client.listFloatingIps({ floating_ip_address: address })
  if (found.length > 1) throw conflict(`Multiple floating IPs are found for address ${address}.`)
  if (!found.length) throw notFound(`Floating IP not found for address ${address}.`)
  return found[0]!
}

/** The external network a pool name or id means (Nova's _get_floating_ip_pool_id_by_name_or_id). */
export async function poolNetworkId(client: NetworkClient, nameOrId: string): Promise<string> {
  const nets = await client.listNetworks({ 'router:external': true, [isUuidLike(nameOrId) ? 'id' : 'name']: nameOrId })
  if (!nets.length) throw notFound('Floating IP pool not found.')
  if (nets.length > 1) throw new NovaError(500, `Multiple floating IP pools matches found for name '${nameOrId}'`)
  return nets[0]!.id
}

/** Allocates an address from the pool; Neutron's refusals in Nova's words (NoMoreFloatingIps, FloatingIpLimitExceeded). */
export async function allocateFloatingIp(client: NetworkClient, pool: string): Promise<FloatingIpView> {
  const networkId = await poolNetworkId(client, pool)
  try {
    return await client.createFloatingIp({ floating_network_id: networkId })
  } catch (err) {
    const type = (err as { neutronType?: string }).neutronType
    const status = (err as { status?: number }).status
    if (type === 'IpAddressGenerationFailure' || type === 'ExternalIpAddressExhausted') throw notFound(`No more floating IPs in pool ${pool}.`)
    if (type === 'OverQuota') throw new NovaError(403, `IP allocation over quota in pool ${pool}.`)
    if (status === 400) throw badRequest((err as Error).message)
    throw err
  }
}

/**
 * The fixed address of the instance to associate with: the one asked for, which must be the
 * instance's, or else its first IPv4 address (as Nova's addFloatingIp chooses).
 */
export function fixedAddressFor(info: NetworkInfo, instanceUuid: string, floating: string, asked: string | undefined): { address: string; portId: string } {
  if (!info.length) throw badRequest('Instance network is not ready yet')
  const fixed = info.flatMap((vif) => vif.fixed_ips.map((ip) => ({ address: ip.address, version: ip.version, portId: vif.port_id })))
  if (!fixed.length) throw badRequest('No fixed IPs associated to instance')
  if (asked !== undefined) {
    const match = fixed.find((ip) => ip.address === asked)
    if (!match) throw badRequest('Specified fixed address not assigned to instance')
    return match
  }
  const v4 = fixed.find((ip) => ip.version === 4)
  if (!v4) {
    throw badRequest(`Unable to associate floating IP ${floating} to any fixed IPs for instance ${instanceUuid}. Instance has no fixed IPv4 addresses to associate.`)
  }
  return v4
}

/** Associates the floating IP with the port's fixed address; Neutron's conflicts (address already has one) are Nova's 400. */
export async function associate(client: NetworkClient, fip: FloatingIpView, target: { address: string; portId: string }): Promise<void> {
  try {
    await client.updateFloatingIp(fip.id, { port_id: target.portId, fixed_ip_address: target.address })
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 409 || status === 400) throw badRequest((err as Error).message)
    if (status === 404) throw notFound('floating IP not found')
    throw err
  }
}

/**
 * The instance's network info with each fixed IP's floating addresses read again from the
 * network service: what Nova's info-cache refresh does after a floating IP changes.
 */
export async function withCurrentFloatingIps(client: NetworkClient, info: NetworkInfo): Promise<NetworkInfo> {
  if (!info.length) return info
  const fips = await client.listFloatingIps({ port_id: info.map((vif) => vif.port_id) })
  return info.map((vif) => ({
    ...vif,
    fixed_ips: vif.fixed_ips.map((ip) => ({
      ...ip,
      floating_ips: fips.filter((f) => f.port_id === vif.port_id && f.fixed_ip_address === ip.address).map((f) => f.floating_ip_address),
    })),
  }))
}
