/**
 * @module Updating a port (ML2 update_port with db_base_plugin_v2 and ipam update_port_with_ips):
 * fixed_ips replaced with re-allocation (SLAAC addresses kept or recomputed for a new MAC), MAC
 * changes where allowed, port security with security groups and allowed address pairs, extra DHCP
 * options merged, binding host / vnic type / profile with rebinding, plain attributes.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb, PortRow } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import { isEui64Address, MacAddressInUse } from '../../ipam/index.ts'
import type { NetworkDeps } from '../context.ts'
import { bumped } from '../standard-attrs.ts'
import { bindPort } from './bind-port.ts'
import { isTrustedOwner, ROUTER_INTERFACE_OWNERS_SNAT } from './device-owners.ts'
import { allocateIps, deallocateIps } from './ip-allocator.ts'
import { changedIps, isAutoAddress, planUpdatedIps, type FixedIp, type FixedIpRequest } from './ip-requests.ts'
import {
  addressPairsNeedPortSecurity, mergeDhcpOpts, normaliseAddressPairs, portHasSecurityGroups, securityGroupsNeedPortSecurity, type DhcpOpt,
} from './port-attributes.ts'
import { checkSecurityGroups, setPortSecurityGroups } from './port-security.ts'
import type { PortDetail } from './port-view.ts'
import { checkFloatingIpAddressKept } from '../l3/port-guard.ts'

type Trx = Transaction<NetworkDb>
type Body = Record<string, any>

const UNBOUND = ['unbound', 'binding_failed']

/** _check_mac_update_allowed and _check_mac_addr_update: no new MAC for network:* ports or bound ports. */
function checkMacChange(port: PortRow, newMac: string, deviceOwner: string): void {
  if (deviceOwner.startsWith('network:')) {
    throw new NeutronError(409, 'UnsupportedPortDeviceOwner',
      `Operation mac address update is not supported for device_owner ${deviceOwner} on port ${port.id}.`)
  }
  if (!UNBOUND.includes(port.binding_vif_type)) {
    throw new NeutronError(409, 'PortBound', `Unable to complete operation on port ${port.id}, port is already bound, ` +
      `port type: ${port.binding_vif_type}, old_mac ${port.mac_address}, new_mac ${newMac}.`)
  }
}

/** The new fixed IPs: kept, removed and added per Neutron's rules; SLAAC addresses follow a new MAC. */
async function updateAddresses(trx: Trx, port: PortRow, current: FixedIp[], body: Body, mac: string, deviceOwner: string): Promise<void> {
  const macChanged = mac !== port.mac_address
  if (body.fixed_ips === undefined && !macChanged) return
  // Neutron's prevent_internal_ip_change_for_fip: an address a floating IP points at stays.
  if (body.fixed_ips !== undefined) await checkFloatingIpAddressKept(trx, port.id, body.fixed_ips)
  const subnets = await trx.selectFrom('subnets').selectAll().where('network_id', '=', port.network_id).orderBy('created_at').orderBy('id').execute()
  const byId = new Map(subnets.map((s) => [s.id, s]))
  let requested: FixedIpRequest[] = body.fixed_ips ?? current
  let original = current
  if (macChanged) {
    // update_port_with_ips: EUI-64 addresses of the old MAC go; the SLAAC step below adds the new ones.
    const stale = current.filter((ip) => isEui64Address(ip.ip_address))
    await deallocateIps(trx, port.id, stale)
    original = current.filter((ip) => !stale.includes(ip))
    requested = requested.filter((r) => !stale.some((s) => s.ip_address === r.ip_address))
  }
  const required = (subnetId: string) => {
    const subnet = byId.get(subnetId)
    return ROUTER_INTERFACE_OWNERS_SNAT.includes(deviceOwner) || !subnet || !isAutoAddress(subnet)
  }
  const changes = changedIps(original, requested, required)
  const ids = requested.flatMap((r) => (r.subnet_id && !byId.has(r.subnet_id) ? [r.subnet_id] : []))
  const existsElsewhere = new Set(ids.length ? (await trx.selectFrom('subnets').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : [])
  const ctx = { networkId: port.network_id, deviceOwner, mac, exists: (id: string) => byId.has(id) || existsElsewhere.has(id) }
  const plan = planUpdatedIps(subnets, changes, ctx)
  await deallocateIps(trx, port.id, changes.remove)
  await allocateIps(trx, port.id, port.network_id, plan)
}

/**
 * Applies a validated update body to the port inside the caller's transaction. `admin` lets the
 * caller attach security groups of other projects.
 */
export async function updatePort(deps: NetworkDeps, trx: Trx, detail: PortDetail, body: Body, admin: boolean): Promise<PortRow> {
  const port = detail.row
  const deviceOwner: string = body.device_owner ?? port.device_owner
  const mac: string = body.mac_address ?? port.mac_address
  if (mac !== port.mac_address) {
    checkMacChange(port, mac, deviceOwner)
    const taken = await trx.selectFrom('ports').select('id').where('network_id', '=', port.network_id).where('mac_address', '=', mac).executeTakeFirst()
    if (taken) throw new MacAddressInUse(port.network_id, mac)
  }
  if (body['binding:vnic_type'] !== undefined && body['binding:vnic_type'] !== port.binding_vnic_type && port.binding_vif_type !== 'unbound') {
    throw new NeutronError(409, 'PortInUse', `Unable to complete operation on port ${port.id} for network ${port.network_id}. ` +
      `Port already has an attached device ${port.device_id}.`)
  }

  const portSecurity: boolean = body.port_security_enabled ?? !!port.port_security_enabled
  const currentPairs = JSON.parse(port.allowed_address_pairs) as unknown[]
  if (!portSecurity) {
    if (body.allowed_address_pairs?.length) throw addressPairsNeedPortSecurity()
    if (body.allowed_address_pairs === undefined && currentPairs.length) throw addressPairsNeedPortSecurity()
    if (body.security_groups?.length) throw securityGroupsNeedPortSecurity()
    if (body.security_groups === undefined && detail.securityGroups.length) throw portHasSecurityGroups()
  }

  await updateAddresses(trx, port, detail.fixedIps, body, mac, deviceOwner)

  if (body.security_groups !== undefined) {
    const groups: string[] = isTrustedOwner(deviceOwner) ? [] : body.security_groups
    await checkSecurityGroups(trx, groups, port.project_id, admin)
    await setPortSecurityGroups(trx, port.id, groups)
  }

  const set: Partial<PortRow> = {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.description !== undefined && { description: body.description }),
    ...(body.admin_state_up !== undefined && { admin_state_up: body.admin_state_up ? 1 : 0 }),
    ...(body.device_id !== undefined && { device_id: body.device_id }),
    ...(body.device_owner !== undefined && { device_owner: body.device_owner }),
    ...(body.mac_address !== undefined && { mac_address: mac }),
    ...(body.port_security_enabled !== undefined && { port_security_enabled: portSecurity ? 1 : 0 }),
    ...(body.allowed_address_pairs !== undefined && { allowed_address_pairs: JSON.stringify(normaliseAddressPairs(body.allowed_address_pairs, mac)) }),
    ...(body.extra_dhcp_opts !== undefined && {
      extra_dhcp_opts: JSON.stringify(mergeDhcpOpts(JSON.parse(port.extra_dhcp_opts) as DhcpOpt[], body.extra_dhcp_opts)),
    }),
    ...(body['binding:vnic_type'] !== undefined && { binding_vnic_type: body['binding:vnic_type'] }),
    ...(body['binding:profile'] !== undefined && { binding_profile: JSON.stringify(body['binding:profile'] ?? {}) }),
    ...bumped(port.revision_number),
  }
  const updated: PortRow = { ...port, ...set }

  // _process_port_binding: a new host, vnic type or profile rebinds; an empty host unbinds.
  const host = typeof body['binding:host_id'] === 'string' ? body['binding:host_id'] as string : port.binding_host_id
  const rebind = host !== port.binding_host_id || (!!host && (set.binding_vnic_type !== undefined || set.binding_profile !== undefined))
  if (rebind) Object.assign(set, await bindPort(deps, trx, updated, host))
  await trx.updateTable('ports').set(set).where('id', '=', port.id).execute()
  return { ...port, ...set }
}
