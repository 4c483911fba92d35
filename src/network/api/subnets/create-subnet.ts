/**
 * @module Creating a subnet (db_base_plugin_v2 _create_subnet_precommit, ipam_pluggable_backend
 * allocate_subnet, ipam_backend_mixin _save_subnet): a given cidr, or a prefix carved from a subnet
 * pool (named or the default one); gateway and allocation pools; overlap and pool-affinity checks
 * on the network; then, for a SLAAC / DHCPv6-stateless subnet, an EUI-64 address for every port
 * already on the network.
 */
import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { NetworkDb, NetworkRow, SubnetPoolRow, SubnetRow } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import {
  allocateFromSubnetPool, BadResourceRequest, checkCidrOnNetwork, checkSubnetPoolQuota, defaultGatewayIp, eui64, formatIp,
  formatNetwork, generatePools, isGatewayInvalidInSubnet, networkAddress, parseCidr, prepareAllocationPools, subnetCidr,
  type AllocationPool, type IpVersion,
} from '../../ipam/index.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { ROUTER_INTERFACE_OWNERS_SNAT } from '../ports/device-owners.ts'
import { candidateSubnets } from '../ports/ip-requests.ts'
import { lockNetwork } from '../ports/network-access.ts'
import { insertUnlessTaken } from '../ports/savepoint.ts'
import { bumped, newStandardAttrs } from '../standard-attrs.ts'
import { isAutoAddressRow, isSet, validateNewSubnet, type SubnetBody } from './subnet-checks.ts'
import { lockSubnetPool, subnetPoolVisible, visibleSubnetPool } from './subnetpool-view.ts'

type Trx = Transaction<NetworkDb>
type Body = Record<string, any>

const bad = (reason: string) => new BadResourceRequest('subnets', reason)

/** _get_subnetpool_id: the named pool, or the default pool of the version when use_default_subnetpool. */
async function subnetPoolIdFor(deps: NetworkDeps, req: NetworkRequest, trx: Trx, s: Body, cidr: string | undefined): Promise<string | undefined> {
  const useDefault = s.use_default_subnetpool === true
  const poolId = isSet(s.subnetpool_id) ? s.subnetpool_id as string : undefined
  if (useDefault && poolId) throw bad('subnetpool_id and use_default_subnetpool cannot both be specified')
  if (poolId || !useDefault) return poolId
  const version = cidr ? parseCidr(cidr)!.version : s.ip_version
  const defaults = await trx.selectFrom('subnetpools').selectAll().where('is_default', '=', 1).where('ip_version', '=', version).execute()
  const pool = defaults.find((p) => subnetPoolVisible(deps, req, p))
  if (!pool) throw bad(`No default subnetpool found for IPv${version}`)
  return pool.id
}

/** _validate_subnet_network_mtu. */
function checkNetworkMtu(network: NetworkRow, ipVersion: number): void {
  const need = network.mtu < 68 ? 68 : ipVersion === 6 && network.mtu < 1280 ? 1280 : undefined
  if (network.mtu && need) {
    throw new NeutronError(409, 'NetworkMTUSubnetConflict', `MTU of ${network.id} is not valid, subnet requires a minimum of ${need}`)
  }
}

/** _validate_network_subnetpools without address scopes: a network's subnets of one version share one pool (or none). */
function checkPoolAffinity(existing: SubnetRow[], pool: SubnetPoolRow | undefined, ipVersion: number): void {
  for (const sub of existing) {
    const clash = pool
      ? sub.subnetpool_id !== pool.id && sub.ip_version === pool.ip_version
      : !!sub.subnetpool_id && sub.ip_version === ipVersion
    if (clash) {
      throw new NeutronError(400, 'NetworkSubnetPoolAffinityError', 'Subnets hosted on the same network must be allocated from the same subnet pool.')
    }
  }
}

/** _validate_segment on create: the segment exists and is one of the network's. */
async function checkSegment(trx: Trx, network: NetworkRow, segmentId: string, existing: SubnetRow[]): Promise<void> {
  const segment = await trx.selectFrom('network_segments').select(['id', 'network_id']).where('id', '=', segmentId).executeTakeFirst()
  if (!segment) throw new NeutronError(404, 'SegmentNotFound', `Segment ${segmentId} could not be found.`)
  if (segment.network_id !== network.id) {
    throw new NeutronError(400, 'NetworkIdsDontMatch', `The subnet's network id, '${network.id}', doesn't match the network_id of segment '${segmentId}'`)
  }
  if (existing.some((s) => !s.segment_id)) {
    throw new NeutronError(400, 'SubnetsNotAllAssociatedWithSegments',
      `All of the subnets on network '${network.id}' must either all be associated with segments or all not associated with any segment.`)
  }
}

/** Carves the subnet's cidr out of the pool (SubnetAllocator.allocate_subnet), with gateway and pools. */
async function carveFromPool(
  trx: Trx, s: Body, pool: SubnetPoolRow, given: { cidr?: string; gateway?: string | null; pools?: AllocationPool[] },
): Promise<{ cidr: string; gateway: string | null; pools: AllocationPool[] }> {
  const taken = await trx.selectFrom('subnets').select(['cidr', 'project_id']).where('subnetpool_id', '=', pool.id).execute()
  const info = { prefixes: JSON.parse(pool.prefixes) as string[], minPrefixLength: pool.min_prefixlen, maxPrefixLength: pool.max_prefixlen }
  const prefixLength = isSet(s.prefixlen) ? s.prefixlen as number : pool.default_prefixlen
  const quota = (p: number) => checkSubnetPoolQuota({
    ipVersion: pool.ip_version as IpVersion, quota: pool.default_quota, prefixLength: p,
    usedPrefixLengths: taken.filter((t) => t.project_id === s.project_id).map((t) => parseCidr(t.cidr)!.prefixLength),
  })
  const takenCidrs = taken.map((t) => t.cidr)
  if (!given.cidr && !isSet(s.gateway_ip)) {
    quota(prefixLength)
    const cidr = allocateFromSubnetPool(info, takenCidrs, { prefixLength })
    const net = parseCidr(cidr)!
    const gateway = s.gateway_ip === null ? null : formatIp({ version: net.version, value: networkAddress(net) + 1n })
    return { cidr, gateway, pools: generatePools(cidr, gateway) }
  }
  let { cidr, gateway, pools } = given
  if (!cidr) {
    gateway = s.gateway_ip as string
    cidr = formatNetwork(parseCidr(`${gateway}/${prefixLength}`)!)
    if (isGatewayInvalidInSubnet(cidr, gateway)) {
      throw new NeutronError(409, 'IpamValueInvalid', `Gateway IP ${gateway} cannot be the network or broadcast IP address ${cidr}`)
    }
    pools = generatePools(cidr, gateway)
  }
  quota(parseCidr(cidr)!.prefixLength)
  allocateFromSubnetPool(info, takenCidrs, { cidr })
  return { cidr, gateway: gateway ?? null, pools: pools! }
}

/**
 * Creates the subnet described by a validated request body on `network` (whose visibility and
 * ownership the caller has checked), inside the caller's transaction.
 */
export async function createSubnet(deps: NetworkDeps, req: NetworkRequest, trx: Trx, s: Body, network: NetworkRow): Promise<SubnetRow> {
  if (isSet(s.cidr) && isSet(s.prefixlen)) throw bad('cidr and prefixlen must not be supplied together')
  let cidr = isSet(s.cidr) ? subnetCidr(s.cidr) : undefined
  const poolId = await subnetPoolIdFor(deps, req, trx, s, cidr)
  if (!poolId && !cidr) throw bad('a subnetpool must be specified in the absence of a cidr')
  if (poolId && !cidr && s.allocation_pools !== undefined) throw bad('allocation_pools allowed only for specific subnet requests.')
  validateNewSubnet({ ...(s as SubnetBody), cidr })
  checkNetworkMtu(network, s.ip_version)
  await lockNetwork(trx, network.id)

  let pool: SubnetPoolRow | undefined
  if (poolId) {
    pool = await visibleSubnetPool(deps, req, trx, poolId)
    await lockSubnetPool(trx, pool.id)
    if (pool.ip_version !== s.ip_version) throw bad(`Cannot allocate IPv${s.ip_version} subnet from IPv${pool.ip_version} subnet pool`)
  }
  let gateway: string | null = null
  let pools: AllocationPool[] = []
  if (cidr) {
    gateway = s.gateway_ip === undefined ? defaultGatewayIp(cidr) : s.gateway_ip
    pools = prepareAllocationPools({ cidr, gatewayIp: gateway, allocationPools: s.allocation_pools })
  }
  if (pool) ({ cidr, gateway, pools } = await carveFromPool(trx, s, pool, { cidr, gateway, pools }))

  const existing = await trx.selectFrom('subnets').selectAll().where('network_id', '=', network.id).execute()
  checkCidrOnNetwork(cidr!, network.id, existing.map((e) => e.cidr))
  checkPoolAffinity(existing, pool, s.ip_version)
  if (isSet(s.segment_id)) await checkSegment(trx, network, s.segment_id, existing)

  const row: SubnetRow = {
    id: randomUUID(), project_id: s.project_id, network_id: network.id, name: s.name, ip_version: s.ip_version, cidr: cidr!,
    gateway_ip: gateway, enable_dhcp: s.enable_dhcp ? 1 : 0, ipv6_ra_mode: s.ipv6_ra_mode ?? null, ipv6_address_mode: s.ipv6_address_mode ?? null,
    subnetpool_id: pool?.id ?? null, segment_id: s.segment_id ?? null,
    dns_nameservers: JSON.stringify(s.dns_nameservers ?? []), host_routes: JSON.stringify(s.host_routes ?? []),
    allocation_pools: JSON.stringify(pools), service_types: JSON.stringify(s.service_types ?? []), dns_publish_fixed_ip: 0,
    ...newStandardAttrs(s.description),
  }
  await trx.insertInto('subnets').values(row).execute()
  if (isAutoAddressRow(row)) await addAutoAddressesOnNetworkPorts(trx, row)
  return row
}

/** add_auto_addrs_on_network_ports: every non-router port the subnet serves gets its EUI-64 address on it. */
async function addAutoAddressesOnNetworkPorts(trx: Trx, subnet: SubnetRow): Promise<void> {
  const ports = await trx.selectFrom('ports').select(['id', 'mac_address', 'device_owner', 'revision_number'])
    .where('network_id', '=', subnet.network_id).execute()
  for (const port of ports) {
    if (ROUTER_INTERFACE_OWNERS_SNAT.includes(port.device_owner)) continue
    if (!candidateSubnets([subnet], port.device_owner).length) continue
    const ip = eui64(subnet.cidr, port.mac_address)
    const added = await insertUnlessTaken(trx, () => trx.insertInto('ip_allocations')
      .values({ port_id: port.id, subnet_id: subnet.id, network_id: subnet.network_id, ip_address: ip }).execute())
    if (added) await trx.updateTable('ports').set(bumped(port.revision_number)).where('id', '=', port.id).execute()
  }
}
