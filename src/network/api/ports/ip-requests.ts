/**
 * @module Which addresses a port asks for, decided before anything is written (Neutron's
 * ipam_pluggable_backend _allocate_ips_for_port and ipam_backend_mixin _get_changed_ips_for_port),
 * on top of the IPAM's fixed-IP rules. The allocator then carries the requests out.
 */
import { NeutronError, notFound } from '../../errors.ts'
import { eui64, formatIp, isAutoAddressSubnet, isEui64Address, parseIp, planFixedIps } from '../../ipam/index.ts'
import type { SubnetRow } from '../../db/schema.ts'
import { DEVICE_OWNER_DHCP, ROUTER_INTERFACE_OWNERS_SNAT } from './device-owners.ts'

export type IpamSubnet = Pick<SubnetRow,
  'id' | 'network_id' | 'cidr' | 'ip_version' | 'allocation_pools' | 'ipv6_ra_mode' | 'ipv6_address_mode' | 'service_types' | 'enable_dhcp'>

export type FixedIp = { subnet_id: string; ip_address: string }
export type FixedIpRequest = { subnet_id?: string; ip_address?: string }

/** One address to allocate: a given one on a subnet, or any free one from the first subnet that has any. */
export type IpRequest =
  | { kind: 'specific'; subnet: IpamSubnet; ip: string }
  | { kind: 'any'; subnets: IpamSubnet[] }

export type PortContext = { networkId: string; deviceOwner: string; mac: string; exists: (subnetId: string) => boolean }

const modesOf = (s: IpamSubnet) => ({ ipv6RaMode: s.ipv6_ra_mode, ipv6AddressMode: s.ipv6_address_mode })
export const isAutoAddress = (s: IpamSubnet): boolean => s.ip_version === 6 && isAutoAddressSubnet(modesOf(s))

/** An address as Neutron stores it (str(netaddr.IPAddress)); unparsable text is returned as is. */
export function canonicalIpText(ip: string): string {
  const parsed = parseIp(ip)
  return parsed ? formatIp(parsed) : ip
}

const serviceTypesOf = (s: IpamSubnet) => JSON.parse(s.service_types) as string[]

/** Subnet.find_candidate_subnets' service-type filter, service subnets first. */
export function candidateSubnets(subnets: readonly IpamSubnet[], deviceOwner: string): IpamSubnet[] {
  const ok = subnets.filter((s) => {
    const types = serviceTypesOf(s)
    return !types.length || types.includes(deviceOwner) || (deviceOwner === DEVICE_OWNER_DHCP && !!s.enable_dhcp)
  })
  return [...ok.filter((s) => serviceTypesOf(s).length), ...ok.filter((s) => !serviceTypesOf(s).length)]
}

/** _ipam_get_subnets: no candidates on a network that has subnets is IpAddressGenerationFailureNoMatchingSubnet. */
function eligibleSubnets(all: readonly IpamSubnet[], deviceOwner: string, networkId: string): IpamSubnet[] {
  const candidates = candidateSubnets(all, deviceOwner)
  if (!candidates.length && all.length) {
    throw new NeutronError(409, 'IpAddressGenerationFailureNoMatchingSubnet',
      `No valid service subnet for the given device owner, network ${networkId}, service type ${deviceOwner}.`)
  }
  return candidates
}

/**
 * _test_fixed_ips_for_port: each requested fixed IP resolved to its subnet (SubnetNotFound first
 * for an id that names no subnet at all).
 */
export function testFixedIps(fixedIps: readonly FixedIpRequest[], subnets: readonly IpamSubnet[], ctx: PortContext): IpRequest[] {
  for (const f of fixedIps) if (f.subnet_id !== undefined && !ctx.exists(f.subnet_id)) throw notFound('subnet', f.subnet_id)
  const refs = subnets.map((s) => ({ id: s.id, cidr: s.cidr, ...modesOf(s), row: s }))
  const plan = planFixedIps(fixedIps.map((f) => ({ subnetId: f.subnet_id, ipAddress: f.ip_address })), refs,
    { networkId: ctx.networkId, deviceOwner: ctx.deviceOwner, macAddress: ctx.mac })
  return plan.map((p) => {
    const subnet = subnets.find((s) => s.id === p.subnetId)!
    return p.ipAddress === undefined ? { kind: 'any', subnets: [subnet] } : { kind: 'specific', subnet, ip: canonicalIpText(p.ipAddress) }
  })
}

/** _get_auto_address_ips: the EUI-64 address on every SLAAC / DHCPv6-stateless subnet (not for router ports). */
export function autoAddressRequests(subnets: readonly IpamSubnet[], deviceOwner: string, mac: string, exclude: ReadonlySet<string> = new Set()): IpRequest[] {
  if (ROUTER_INTERFACE_OWNERS_SNAT.includes(deviceOwner)) return []
  return subnets.filter((s) => isAutoAddress(s) && !exclude.has(s.id))
    .map((subnet) => ({ kind: 'specific' as const, subnet, ip: eui64(subnet.cidr, mac) }))
}

/** Given addresses first, as _ipam_allocate_ips sorts them. */
const specificFirst = (requests: IpRequest[]) => requests.toSorted((a, b) => Number(a.kind !== 'specific') - Number(b.kind !== 'specific'))

/**
 * The addresses of a new port. `fixedIps` undefined: one address from the first IPv4 subnet with
 * room, one from the first stateful IPv6 subnet, plus SLAAC addresses.
 */
export function planNewPortIps(all: readonly IpamSubnet[], fixedIps: readonly FixedIpRequest[] | undefined, ctx: PortContext): IpRequest[] {
  let requests: IpRequest[]
  let subnets: readonly IpamSubnet[] = all
  if (fixedIps !== undefined) {
    requests = testFixedIps(fixedIps, all, ctx)
  } else {
    subnets = eligibleSubnets(all, ctx.deviceOwner, ctx.networkId)
    const v4 = subnets.filter((s) => s.ip_version === 4)
    const v6 = subnets.filter((s) => s.ip_version === 6 && !isAutoAddress(s))
    requests = [v4, v6].filter((g) => g.length).map((g) => ({ kind: 'any' as const, subnets: g }))
  }
  const handled = new Set(requests.flatMap((r) => (r.kind === 'specific' ? [r.subnet.id] : [])))
  return specificFirst([...requests, ...autoAddressRequests(subnets, ctx.deviceOwner, ctx.mac, handled)])
}

export type IpChanges = { add: FixedIpRequest[]; original: FixedIp[]; remove: FixedIp[] }

/**
 * _get_changed_ips_for_port: which of the port's current addresses stay, which go, which are new.
 * `required(subnetId)` is _is_ip_required_by_subnet (false for SLAAC subnets, whose address stays).
 */
export function changedIps(original: readonly FixedIp[], requested: readonly FixedIpRequest[], required: (subnetId: string) => boolean): IpChanges {
  const add: FixedIpRequest[] = []
  const prev: FixedIp[] = []
  const candidates: FixedIp[] = []
  const byIp = new Map(original.map((ip) => [ip.ip_address, ip]))
  for (const ip of requested) {
    if (ip.ip_address === undefined) continue
    const canon = canonicalIpText(ip.ip_address)
    const orig = byIp.get(canon)
    if (orig) {
      byIp.delete(canon)
      prev.push(orig)
    } else {
      add.push(ip)
    }
  }
  const bySubnet = new Map<string, FixedIp[]>()
  for (const ip of byIp.values()) bySubnet.set(ip.subnet_id, [...(bySubnet.get(ip.subnet_id) ?? []), ip])
  for (const ip of requested) {
    if (ip.ip_address !== undefined) continue
    const orig = bySubnet.get(ip.subnet_id!)
    if (!orig?.length) {
      add.push(ip)
      continue
    }
    const o = orig.pop()!
    if (isEui64Address(o.ip_address)) {
      add.push(ip)
      candidates.push(o)
    } else {
      prev.push(o)
    }
  }
  const remove: FixedIp[] = []
  for (const ip of [...[...bySubnet.values()].flat(), ...candidates]) {
    if (required(ip.subnet_id)) remove.push(ip)
    else prev.push(ip)
  }
  return { add, original: prev, remove }
}

/** The port's address plan after an update of fixed_ips (_update_ips_for_port): new requests for `add`, SLAAC for untouched subnets. */
export function planUpdatedIps(all: readonly IpamSubnet[], changes: IpChanges, ctx: PortContext): IpRequest[] {
  const toAdd = testFixedIps(changes.add, all, ctx)
  const handled = new Set([...toAdd.flatMap((r) => (r.kind === 'specific' ? [r.subnet.id] : r.subnets.map((s) => s.id))),
    ...changes.original.map((i) => i.subnet_id), ...changes.remove.map((i) => i.subnet_id)])
  return specificFirst([...toAdd, ...autoAddressRequests(all, ctx.deviceOwner, ctx.mac, handled)])
}
