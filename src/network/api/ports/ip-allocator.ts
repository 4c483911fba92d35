/**
 * @module Writes a port's addresses. A fixed IP is one row of ip_allocations, whose key
 * (network_id, ip_address) makes a duplicate impossible: concurrent creators that pick the same
 * free address settle it at the insert, and the loser picks again. Free addresses are chosen at
 * random near the low end of the pools (Neutron's DB IPAM driver picks among the first 1000 free
 * ones), which keeps concurrent creators from colliding.
 */
import { randomInt } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import {
  AddressAllocator, formatIp, IpAddressAlreadyAllocated, IpAddressGenerationFailure, poolsToRanges, type AllocationPool, type IpRange,
} from '../../ipam/index.ts'
import type { FixedIp, IpamSubnet, IpRequest } from './ip-requests.ts'
import { insertUnlessTaken } from './savepoint.ts'

type Trx = Transaction<NetworkDb>

/** Lost races tolerated on one subnet before giving up; each loss removes that address from the choice. */
const MAX_ATTEMPTS = 32
/** Addresses probed per round, and the first window they are drawn from (it grows 4x per round). */
const PROBES = 16
const FIRST_WINDOW = 64n

async function takenOn(trx: Trx, subnet: IpamSubnet): Promise<string[]> {
  const rows = await trx.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', subnet.id).execute()
  return rows.map((r) => r.ip_address)
}

function insertAllocation(trx: Trx, portId: string, subnet: IpamSubnet, ip: string): Promise<boolean> {
  return insertUnlessTaken(trx, () => trx.insertInto('ip_allocations')
    .values({ port_id: portId, subnet_id: subnet.id, network_id: subnet.network_id, ip_address: ip }).execute())
}

/** The address `offset` places into the pools, counting across them in order. */
function addressAt(ranges: readonly IpRange[], offset: bigint): string {
  for (const r of ranges) {
    const size = r.last - r.first + 1n
    if (offset < size) return formatIp({ version: r.version, value: r.first + offset })
    offset -= size
  }
  throw new RangeError('offset beyond the pools')
}

/**
 * Sparse pools: random addresses from the low end of the pools, checked against ip_allocations a
 * handful at a time, the window growing as it fills up. Reads a few rows instead of every
 * allocation of the subnet; undefined when the probes found nothing (the pool may be nearly full).
 */
async function probeLowAddresses(trx: Trx, portId: string, subnet: IpamSubnet, ranges: readonly IpRange[]): Promise<string | undefined> {
  const total = ranges.reduce((n, r) => n + (r.last - r.first + 1n), 0n)
  for (let window = FIRST_WINDOW; ; window *= 4n) {
    const span = window < total ? window : total
    const offsets = new Set<bigint>()
    for (let i = 0; i < PROBES * 2 && offsets.size < PROBES && BigInt(offsets.size) < span; i++) {
      offsets.add(span <= 2n ** 48n ? BigInt(randomInt(Number(span))) : BigInt(randomInt(2 ** 48)) % span)
    }
    const candidates = [...offsets].map((o) => addressAt(ranges, o))
    const taken = new Set((await trx.selectFrom('ip_allocations').select('ip_address')
      .where('network_id', '=', subnet.network_id).where('ip_address', 'in', candidates).execute()).map((r) => r.ip_address))
    for (const ip of candidates) {
      if (!taken.has(ip) && await insertAllocation(trx, portId, subnet, ip)) return ip
    }
    if (span === total) return undefined
  }
}

/**
 * One free address of the subnet's pools for the port, or undefined when the pools are full.
 * Addresses are random among the low end of the pools, as Neutron's DB IPAM driver picks among the
 * first free ones; when probing finds nothing the exact free space decides.
 */
export async function allocateAnyOnSubnet(trx: Trx, portId: string, subnet: IpamSubnet): Promise<string | undefined> {
  const pools = JSON.parse(subnet.allocation_pools) as AllocationPool[]
  if (!pools.length) return undefined
  const probed = await probeLowAddresses(trx, portId, subnet, poolsToRanges(pools))
  if (probed) return probed
  let allocator = new AddressAllocator(pools, await takenOn(trx, subnet))
  const lost: string[] = []
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const ip = allocator.next()
    if (ip === undefined) return undefined
    if (await insertAllocation(trx, portId, subnet, ip)) return ip
    lost.push(ip)
    allocator.markTaken(ip)
    if (attempt % 4 === 3) {
      // Someone else is allocating here too: see what they committed.
      allocator = new AddressAllocator(pools, [...await takenOn(trx, subnet), ...lost])
    }
  }
  return undefined
}

/** A given address; 409 IpAddressAlreadyAllocated when any port of the network holds it. */
export async function allocateSpecific(trx: Trx, portId: string, subnet: IpamSubnet, ip: string): Promise<void> {
  if (!await insertAllocation(trx, portId, subnet, ip)) throw new IpAddressAlreadyAllocated(ip, subnet.id)
}

/**
 * Carries out a port's address requests (_ipam_allocate_ips). A request for any address tries its
 * subnets in order; when none has room it is 409 IpAddressGenerationFailure for the network.
 */
export async function allocateIps(trx: Trx, portId: string, networkId: string, requests: readonly IpRequest[]): Promise<FixedIp[]> {
  const out: FixedIp[] = []
  for (const req of requests) {
    if (req.kind === 'specific') {
      await allocateSpecific(trx, portId, req.subnet, req.ip)
      out.push({ subnet_id: req.subnet.id, ip_address: req.ip })
      continue
    }
    let done = false
    for (const subnet of req.subnets) {
      const ip = await allocateAnyOnSubnet(trx, portId, subnet)
      if (ip) {
        out.push({ subnet_id: subnet.id, ip_address: ip })
        done = true
        break
      }
    }
    if (!done) throw new IpAddressGenerationFailure({ networkId })
  }
  return out
}

/** Frees addresses of a port. */
export async function deallocateIps(trx: Trx, portId: string, ips: readonly FixedIp[]): Promise<void> {
  for (const ip of ips) {
    await trx.deleteFrom('ip_allocations').where('port_id', '=', portId).where('subnet_id', '=', ip.subnet_id)
      .where('ip_address', '=', ip.ip_address).execute()
  }
}
