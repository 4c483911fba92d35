/**
 * @module Writes a port's addresses. A fixed IP is one row of ip_allocations, whose key
 * (network_id, ip_address) makes a duplicate impossible: concurrent creators that pick the same
 * free address settle it at the insert, and the loser picks again. Free addresses are chosen at
 * random among the first 1000 free ones of the pools, as Neutron's DB IPAM driver does, which
 * keeps concurrent creators from colliding.
 */
import type { Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { AddressAllocator, IpAddressAlreadyAllocated, IpAddressGenerationFailure, type AllocationPool } from '../../ipam/index.ts'
import type { FixedIp, IpamSubnet, IpRequest } from './ip-requests.ts'
import { insertUnlessTaken } from './savepoint.ts'

type Trx = Transaction<NetworkDb>

/** Lost races tolerated on one subnet before giving up; each loss removes that address from the choice. */
const MAX_ATTEMPTS = 32

async function takenOn(trx: Trx, subnet: IpamSubnet): Promise<string[]> {
  const rows = await trx.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', subnet.id).execute()
  return rows.map((r) => r.ip_address)
}

function insertAllocation(trx: Trx, portId: string, subnet: IpamSubnet, ip: string): Promise<boolean> {
  return insertUnlessTaken(trx, () => trx.insertInto('ip_allocations')
    .values({ port_id: portId, subnet_id: subnet.id, network_id: subnet.network_id, ip_address: ip }).execute())
}

/** One free address of the subnet's pools for the port, or undefined when the pools are full. */
export async function allocateAnyOnSubnet(trx: Trx, portId: string, subnet: IpamSubnet): Promise<string | undefined> {
  const pools = JSON.parse(subnet.allocation_pools) as AllocationPool[]
  if (!pools.length) return undefined
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
