/**
 * @module Creating and deleting ports inside a transaction, for every caller that needs one: the
 * ports API, router interfaces and gateways, floating IPs, DHCP. Owned by the ports work; the
 * signatures are fixed so routers and floating IPs can build on them.
 */
import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { MacAddressInUse, NetworkMacAddressGenerationFailure } from '../../ipam/errors.ts'
import { randomMac, sanitizeMacAddress } from '../../ipam/mac.ts'
import type { NetworkDeps } from '../context.ts'
import { ensureDefaultSecurityGroup } from '../security-groups/default-group.ts'
import { deleteTags, newStandardAttrs } from '../standard-attrs.ts'
import { bindPort } from './bind-port.ts'
import { isTrustedOwner } from './device-owners.ts'
import { allocateIps } from './ip-allocator.ts'
import { planNewPortIps, type FixedIp, type FixedIpRequest } from './ip-requests.ts'
import { addressPairsNeedPortSecurity, newDhcpOpts, normaliseAddressPairs, securityGroupsNeedPortSecurity } from './port-attributes.ts'
import { insertUnlessTaken } from './savepoint.ts'
import { checkSecurityGroups, setPortSecurityGroups } from './port-security.ts'

export type { FixedIpRequest } from './ip-requests.ts'

export type PortSpec = {
  projectId: string
  networkId: string
  name?: string
  description?: string
  deviceId?: string
  deviceOwner?: string
  /** Omitted: one address from each IPv4 subnet and the right IPv6 ones, as Neutron. [] : no address. */
  fixedIps?: FixedIpRequest[]
  macAddress?: string
  adminStateUp?: boolean
  /** Omitted: the project's default group; [] : none. Ignored for network:* device owners. */
  securityGroups?: string[]
  portSecurityEnabled?: boolean
  /** Given id (bulk creates pick ids up front); a new UUID when omitted. */
  id?: string
  /** {ip_address, mac_address?}; the port's MAC fills in a missing mac_address. */
  allowedAddressPairs?: { ip_address: string; mac_address?: string }[]
  /** {opt_name, opt_value, ip_version?}, already validated. */
  extraDhcpOpts?: Record<string, unknown>[]
  /** binding:host_id; when set the port is bound (vif_type from the binder). */
  hostId?: string
  vnicType?: string
  profile?: Record<string, unknown>
  tags?: string[]
  /** Security groups of other projects may be used (the caller is an admin). */
  anyProjectSecurityGroups?: boolean
}

export type CreatedPort = PortRow & { fixedIps: { subnet_id: string; ip_address: string }[] }

/** Neutron's mac_generation_retries. */
const MAC_RETRIES = 16

/**
 * Allocates MAC and addresses and inserts the port with status DOWN; throws Neutron's errors
 * (NetworkNotFound, MacAddressInUse, InvalidIpForSubnet, IpAddressAlreadyAllocated,
 * IpAddressGenerationFailure, SecurityGroupNotFound…). Nothing is committed here: the caller's
 * transaction decides, so a failure part-way leaves nothing behind once it rolls back.
 * Policy, network visibility and quota are the caller's business (the ports API checks them;
 * router and floating IP code creates its service ports without them, as Neutron's l3 code does).
 * network:* owners get no security groups; other ports get the requested groups or, with port
 * security on, the project's default group (created if missing). With hostId the port is bound.
 */
export async function createPort(deps: NetworkDeps, trx: Transaction<NetworkDb>, spec: PortSpec): Promise<CreatedPort> {
  const network = await trx.selectFrom('networks').selectAll().where('id', '=', spec.networkId).executeTakeFirst()
  if (!network) throw notFound('network', spec.networkId)
  const subnets = await trx.selectFrom('subnets').selectAll().where('network_id', '=', network.id).orderBy('created_at').orderBy('id').execute()
  const deviceOwner = spec.deviceOwner ?? ''
  const portSecurity = spec.portSecurityEnabled ?? !!network.port_security_enabled
  const trusted = isTrustedOwner(deviceOwner)
  if (spec.allowedAddressPairs?.length && !portSecurity) throw addressPairsNeedPortSecurity()
  if (spec.securityGroups?.length && !portSecurity && !trusted) throw securityGroupsNeedPortSecurity()
  if (spec.securityGroups?.length && !trusted) await checkSecurityGroups(trx, spec.securityGroups, spec.projectId, !!spec.anyProjectSecurityGroups)
  // fixed_ips naming a subnet of another network are InvalidInput, naming none at all 404.
  const subnetIds = new Set((await trx.selectFrom('subnets').select('id')
    .where('id', 'in', [...new Set((spec.fixedIps ?? []).flatMap((f) => (f.subnet_id ? [f.subnet_id] : []))), '']).execute()).map((r) => r.id))

  const id = spec.id ?? randomUUID()
  const given = spec.macAddress === undefined ? undefined : sanitizeMacAddress(spec.macAddress)
  let row: PortRow | undefined
  let requests: ReturnType<typeof planNewPortIps> = []
  for (let attempt = 0; !row; attempt++) {
    const mac = given ?? randomMac(deps.config.baseMac)
    if (given && await trx.selectFrom('ports').select('id').where('network_id', '=', network.id).where('mac_address', '=', mac).executeTakeFirst()) {
      throw new MacAddressInUse(network.id, mac)
    }
    requests = planNewPortIps(subnets, spec.fixedIps, { networkId: network.id, deviceOwner, mac, exists: (s) => subnetIds.has(s) })
    const candidate: PortRow = {
      id, project_id: spec.projectId, network_id: network.id, name: spec.name ?? '', mac_address: mac,
      admin_state_up: spec.adminStateUp === false ? 0 : 1, status: 'DOWN', device_id: spec.deviceId ?? '', device_owner: deviceOwner,
      port_security_enabled: portSecurity ? 1 : 0, binding_host_id: '', binding_vif_type: 'unbound', binding_vif_details: '{}',
      binding_vnic_type: spec.vnicType ?? 'normal', binding_profile: JSON.stringify(spec.profile ?? {}),
      allowed_address_pairs: JSON.stringify(normaliseAddressPairs(spec.allowedAddressPairs, mac)),
      extra_dhcp_opts: JSON.stringify(newDhcpOpts(spec.extraDhcpOpts)), dns_name: '', propagate_uplink_status: 0,
      ...newStandardAttrs(spec.description ?? ''),
    }
    if (await insertUnlessTaken(trx, () => trx.insertInto('ports').values(candidate).execute())) row = candidate
    else if (given) throw new MacAddressInUse(network.id, mac)
    else if (attempt + 1 >= MAC_RETRIES) throw new NetworkMacAddressGenerationFailure(network.id)
  }

  const fixedIps: FixedIp[] = await allocateIps(trx, id, network.id, requests)

  if (portSecurity && !trusted) {
    const groups = spec.securityGroups ?? [await ensureDefaultSecurityGroup(deps, trx, spec.projectId)]
    await setPortSecurityGroups(trx, id, groups, true)
  }
  if (spec.tags?.length) {
    await trx.insertInto('resource_tags').values(spec.tags.map((tag) => ({ resource_type: 'ports', resource_id: id, tag }))).execute()
  }
  if (spec.hostId) {
    const bound = await bindPort(deps, trx, row!, spec.hostId)
    Object.assign(row!, bound)
    await trx.updateTable('ports').set(bound).where('id', '=', id).execute()
  }
  return { ...row!, fixedIps }
}

/** Deletes a port and frees its addresses (and disassociates floating IPs pointing at it). 404 PortNotFound when it is gone. */
export async function deletePort(_deps: NetworkDeps, trx: Transaction<NetworkDb>, portId: string): Promise<void> {
  const port = await trx.selectFrom('ports').select('id').where('id', '=', portId).executeTakeFirst()
  if (!port) throw notFound('port', portId)
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  await trx.updateTable('floating_ips')
    .set((eb) => ({ fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN', updated_at: now, revision_number: eb('revision_number', '+', 1) }))
    .where('fixed_port_id', '=', portId).execute()
  await trx.deleteFrom('ip_allocations').where('port_id', '=', portId).execute()
  await trx.deleteFrom('port_security_groups').where('port_id', '=', portId).execute()
  await trx.deleteFrom('router_ports').where('port_id', '=', portId).execute()
  await deleteTags(trx, 'ports', portId)
  await trx.deleteFrom('ports').where('id', '=', portId).execute()
}
