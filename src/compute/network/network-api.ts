/**
 * @module Compute's side of the network service (nova/network/neutron.py's job): checking what a
 * boot asks for, creating and binding ports for an instance on its host, describing them as the
 * instance's network info, and releasing them. User-visible ports are made with the caller's
 * token; binding a port to a host needs the compute service's own (service role).
 */
import { createNetworkClient, type NetworkClient, type PortView } from '../../network/client.ts'
import { NovaError, badRequest, conflict } from '../errors.ts'
import type { Instance, NetworkInfo, RequestedNetwork, Vif } from '../model/instance.ts'
import { isUuidLike } from '../uuid-like.ts'

export type NetworkApi = {
  forUser(token: string): NetworkClient
  forService(): NetworkClient
}

export function createNetworkApi(url: string, serviceToken: () => Promise<string>): NetworkApi {
  const service = createNetworkClient({ url, token: serviceToken })
  return { forUser: (token) => createNetworkClient({ url, token: () => token }), forService: () => service }
}

/**
 * Checks the networks a boot asks for and settles an empty request the way Nova does: the one
 * network the project can use, none when there is none, 409 when several could be meant.
 * Returns the list to allocate (empty for no networking).
 */
export async function validateRequestedNetworks(
  user: NetworkClient, projectId: string, requested: RequestedNetwork[] | 'auto' | 'none' | undefined, count: number,
): Promise<RequestedNetwork[]> {
  if (requested === 'none') return []
  if (requested === undefined || requested === 'auto' || requested.length === 0) {
    const nets = await availableNetworks(user, projectId)
    if (nets.length > 1) throw conflict('Multiple possible networks found, use a Network ID to be more specific.')
    if (nets.length === 0) {
      if (requested === 'auto') throw badRequest('Unable to automatically allocate a network for the project: none is available.')
      return []
    }
    return [{ network_id: nets[0] }]
  }
  for (const r of requested) {
    if (r.port_id) {
      if (!isUuidLike(r.port_id)) throw badRequest(`Invalid input for field/attribute port. Value: ${r.port_id}. '${r.port_id}' is not a 'uuid'`)
      const port = await user.getPort(r.port_id)
      if (!port) throw new NovaError(400, `Port ${r.port_id} could not be found.`)
      if (port.device_id) throw conflict(`Port ${r.port_id} is still in use.`)
      if (count > 1) throw badRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.')
      r.network_id = port.network_id
      continue
    }
    if (!r.network_id || !isUuidLike(r.network_id)) {
      throw badRequest(`Bad networks format: network uuid is not in proper format (${r.network_id ?? ''})`)
    }
    const net = await user.getNetwork(r.network_id)
    if (!net) throw badRequest(`Network ${r.network_id} could not be found.`)
    if (r.fixed_ip && count > 1) throw badRequest('max_count cannot be greater than 1 if an fixed_ip is specified.')
  }
  return requested
}

/** Ids of the networks an instance of the project gets when it names none: its own and the shared ones, not external, not down. */
export async function availableNetworks(user: NetworkClient, projectId: string): Promise<string[]> {
  const own = await user.listNetworks({ project_id: projectId, 'router:external': false })
  const shared = await user.listNetworks({ shared: true })
  return [...new Set([...own, ...shared].filter((n) => !n['router:external'] && n.status !== 'DOWN').map((n) => n.id))]
}

/** The info-cache entry of one port. */
export async function vifOf(client: NetworkClient, port: PortView, preserve: boolean, tag: string | null, cache: Map<string, { name: string; subnets: Map<string, number> }> = new Map()): Promise<Vif> {
  let net = cache.get(port.network_id)
  if (!net) {
    const n = await client.getNetwork(port.network_id)
    const subnets = await client.listSubnets({ network_id: port.network_id })
    net = { name: n?.name || port.network_id, subnets: new Map(subnets.map((s) => [s.id, Number(s.ip_version)])) }
    cache.set(port.network_id, net)
  }
  const floating = await client.listFloatingIps({ port_id: port.id })
  return {
    port_id: port.id, network_id: port.network_id, network_label: net.name, mac_address: port.mac_address,
    fixed_ips: (port.fixed_ips ?? []).map((ip: { ip_address: string; subnet_id: string }) => ({
      address: ip.ip_address, subnet_id: ip.subnet_id, version: (net.subnets.get(ip.subnet_id) ?? (ip.ip_address.includes(':') ? 6 : 4)) as 4 | 6,
      floating_ips: floating.filter((f) => f.fixed_ip_address === ip.ip_address).map((f) => f.floating_ip_address as string),
    })),
    preserve_on_delete: preserve, tag, vif_type: String(port['binding:vif_type'] ?? 'bridge'), devname: `tap${port.id.slice(0, 11)}`,
  }
}

/**
 * Creates (or takes over) the instance's ports and binds them to `host`. On failure the ports
 * made so far are deleted and taken-over ones released, so nothing is left half-attached.
 */
export async function allocateForInstance(
  api: NetworkApi, token: string, instance: Instance, requested: RequestedNetwork[], host: string, securityGroups: string[],
): Promise<NetworkInfo> {
  const user = api.forUser(token)
  const service = api.forService()
  const made: string[] = []
  const taken: string[] = []
  const info: NetworkInfo = []
  const owner = `compute:${instance.availability_zone ?? 'nova'}`
  try {
    const groupIds = securityGroups.length ? await securityGroupIds(user, instance.project_id, securityGroups) : undefined
    const cache = new Map<string, { name: string; subnets: Map<string, number> }>()
    for (const r of requested) {
      let port: PortView
      if (r.port_id) {
        port = await service.updatePort(r.port_id, { device_id: instance.uuid, device_owner: owner, 'binding:host_id': host })
        taken.push(port.id)
      } else {
        const created = await user.createPort({
          network_id: r.network_id, project_id: instance.project_id, device_id: instance.uuid, device_owner: owner,
          ...(r.fixed_ip ? { fixed_ips: [{ ip_address: r.fixed_ip }] } : {}),
          ...(groupIds ? { security_groups: groupIds } : {}),
        })
        made.push(created.id)
        port = await service.updatePort(created.id, { 'binding:host_id': host })
      }
      info.push(await vifOf(user, port, Boolean(r.port_id), r.tag ?? null, cache))
    }
    return info
  } catch (err) {
    for (const id of made) await service.deletePort(id).catch(() => {})
    for (const id of taken) await service.updatePort(id, { device_id: '', device_owner: '', 'binding:host_id': '' }).catch(() => {})
    throw translateNetworkError(err)
  }
}

/** Deletes the ports Nova made and releases the user's own ones. */
export async function deallocateForInstance(api: NetworkApi, instance: Instance): Promise<void> {
  const service = api.forService()
  const ports = await service.listPorts({ device_id: instance.uuid })
  const preserved = new Set(instance.info_cache.filter((v) => v.preserve_on_delete).map((v) => v.port_id))
  for (const p of ports) await deallocatePort(api, p.id, preserved.has(p.id))
}

/** Releases one port of an instance: a user's own port (`preserve`) is unbound and kept, a port Nova made is deleted. */
export async function deallocatePort(api: NetworkApi, portId: string, preserve: boolean): Promise<void> {
  const service = api.forService()
  if (preserve) await service.updatePort(portId, { device_id: '', device_owner: '', 'binding:host_id': '' })
  else await service.deletePort(portId)
}

/** Rebinds every port of the instance to `host` (migrations, evacuate, unshelve). */
export async function bindPortsToHost(api: NetworkApi, instance: Instance, host: string): Promise<NetworkInfo> {
  const service = api.forService()
  const out: NetworkInfo = []
  for (const vif of instance.info_cache) {
    const port = await service.updatePort(vif.port_id, { 'binding:host_id': host })
    out.push({ ...vif, vif_type: String(port['binding:vif_type'] ?? vif.vif_type) })
  }
  return out
}

export async function securityGroupIds(client: NetworkClient, projectId: string, names: string[]): Promise<string[]> {
  const groups = await client.listSecurityGroups({ project_id: projectId })
  return names.map((n) => {
    const g = groups.find((x) => x.id === n) ?? groups.find((x) => x.name === n)
    if (!g) throw badRequest(`Unable to find security group with id ${n}`)
    return g.id
  })
}

/** Network-service errors in the words Nova uses for them. */
export function translateNetworkError(err: unknown): unknown {
  const type = (err as { neutronType?: string }).neutronType
  const message = (err as Error).message
  if (type === 'IpAddressAlreadyAllocated' || type === 'IpAddressInUse') return conflict(message)
  if (type === 'OverQuota') return new NovaError(403, `Maximum number of ports exceeded: ${message}`)
  if (type === 'InvalidIpForNetwork' || type === 'InvalidIpForSubnet') return badRequest(message)
  return err
}
