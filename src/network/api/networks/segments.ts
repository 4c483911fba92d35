/**
 * A network's segments (Neutron's ML2 TypeManager): checking provider requests against the type
 * drivers, reserving them or a project segment, the MTU they allow, releasing them, changing a VLAN
 * id, and how they show on the network (provider:* for one segment, `segments` for several).
 */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, SegmentRow } from '../../db/schema.ts'
import { invalidInput, NeutronError } from '../../errors.ts'
import { noNetworkAvailable } from '../../ml2/types/errors.ts'
import type { TypeDrivers } from '../../ml2/types/registry.ts'
import type { Segment, SegmentRequest, TypeDriver } from '../../ml2/types/type-driver.ts'
import { bumped, newStandardAttrs } from '../standard-attrs.ts'
import type { RequestedSegment } from './network-body.ts'
import { dbSegmentAllocations } from './segment-allocations.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

function driverFor(drivers: TypeDrivers, networkType: string): TypeDriver {
  const driver = drivers.byType.get(networkType)
  if (!driver) throw invalidInput(`network_type value '${networkType}' not supported`)
  return driver
}

/** Provider segments checked by their drivers (400 InvalidInput in Neutron's words); nothing is reserved. */
export function validateProviderSegments(drivers: TypeDrivers, requested: RequestedSegment[]): SegmentRequest[] {
  const segments = requested.map((r) => {
    if (!r.networkType) throw invalidInput('network_type required')
    const seg: SegmentRequest = { networkType: r.networkType, physicalNetwork: r.physicalNetwork, segmentationId: r.segmentationId }
    driverFor(drivers, seg.networkType).validateProviderSegment(seg)
    return seg
  })
  const full = segments.filter((s) => !driverFor(drivers, s.networkType).isPartialSegment(s))
    .map((s) => `${s.networkType}/${s.physicalNetwork}/${s.segmentationId}`)
  if (new Set(full).size !== full.length) throw new NeutronError(400, 'SegmentsContainDuplicateEntry', 'Duplicate segment entry in request.')
  return segments
}

/**
 * Reserves the network's segments, the provider ones asked for or one from the first tenant type
 * with a free id, and stores them. Throws the drivers' 409/503; may throw SegmentAllocationRace.
 */
export async function createNetworkSegments(
  drivers: TypeDrivers, trx: Transaction<NetworkDb>, networkId: string, provider: SegmentRequest[] | undefined,
): Promise<Segment[]> {
  const store = dbSegmentAllocations(trx, networkId)
  const segments: Segment[] = []
  if (provider) {
    for (const seg of provider) segments.push(await driverFor(drivers, seg.networkType).reserveProviderSegment(store, seg))
  } else {
    for (const driver of drivers.tenant) {
      const seg = await driver.allocateTenantSegment(store)
      if (seg) { segments.push(seg); break }
    }
    if (!segments.length) throw noNetworkAvailable()
  }
  for (const [i, seg] of segments.entries()) {
    await trx.insertInto('network_segments').values({
      id: randomUUID(), network_id: networkId, name: null, network_type: seg.networkType,
      physical_network: seg.physicalNetwork, segmentation_id: seg.segmentationId, segment_index: i, ...newStandardAttrs(),
    }).execute()
  }
  return segments
}

/** The network's MTU: the one asked for (0: none), which must fit the segments, else the largest they allow. */
export function networkMtu(drivers: TypeDrivers, segments: Pick<SegmentRequest, 'networkType' | 'physicalNetwork'>[], requested: number): number {
  const limits = segments.map((s) => drivers.byType.get(s.networkType)?.mtu(s.physicalNetwork) ?? 0).filter((m) => m > 0)
  const max = limits.length ? Math.min(...limits) : drivers.physnetMtu
  if (requested && max && requested > max) throw invalidInput(`Requested MTU is too big, maximum is ${max}`)
  return requested || max
}

export async function segmentsOf(db: Db, networkIds: string[]): Promise<Map<string, SegmentRow[]>> {
  const out = new Map<string, SegmentRow[]>(networkIds.map((id) => [id, []]))
  for (let i = 0; i < networkIds.length; i += 500) {
    const rows = await db.selectFrom('network_segments').selectAll().where('network_id', 'in', networkIds.slice(i, i + 500))
      .orderBy('segment_index').execute()
    for (const r of rows) out.get(r.network_id)?.push(r)
  }
  return out
}

const asRequest = (r: SegmentRow): SegmentRequest => ({
  networkType: r.network_type, physicalNetwork: r.physical_network, segmentationId: r.segmentation_id === null ? null : Number(r.segmentation_id),
})

/** Frees what the network's segments hold and deletes them. */
export async function releaseNetworkSegments(drivers: TypeDrivers, trx: Transaction<NetworkDb>, networkId: string): Promise<void> {
  const store = dbSegmentAllocations(trx, networkId)
  for (const row of (await segmentsOf(trx, [networkId])).get(networkId)!) {
    await drivers.byType.get(row.network_type)?.releaseSegment(store, asRequest(row))
  }
  // Rows of types no longer enabled go too: nothing else could ever free them.
  await trx.deleteFrom('segment_allocations').where('network_id', '=', networkId).execute()
  await trx.deleteFrom('network_segments').where('network_id', '=', networkId).execute()
}

/**
 * Changes the VLAN id of a single-segment VLAN network (the only provider change Neutron allows):
 * reserves the new id, then frees the old one. Ports already wired to the old id must be unbound first.
 */
export async function changeSegmentationId(
  drivers: TypeDrivers, trx: Transaction<NetworkDb>, networkId: string, segmentationId: number,
): Promise<void> {
  const rows = (await segmentsOf(trx, [networkId])).get(networkId)!
  if (rows.length > 1) throw invalidInput('Provider network attributes can be updated only in provider networks with a single segment.')
  const row = rows[0]
  if (row.network_type !== 'vlan') throw invalidInput('Only VLAN type networks can be updated.')
  if (Number(row.segmentation_id) === segmentationId) return
  const unbound = ['unbound', 'binding_failed']
  const bound = await trx.selectFrom('ports').select('id').where('network_id', '=', networkId)
    .where('binding_vif_type', 'not in', unbound).executeTakeFirst()
  if (bound) {
    throw invalidInput(`Provider network attribute segmentation_id cannot be updated if any port in the network has not the following binding:vif_type: ${unbound.join(', ')}`)
  }
  const driver = driverFor(drivers, 'vlan')
  const next: SegmentRequest = { networkType: 'vlan', physicalNetwork: row.physical_network, segmentationId }
  driver.validateProviderSegment(next)
  const store = dbSegmentAllocations(trx, networkId)
  await driver.reserveProviderSegment(store, next)
  await driver.releaseSegment(store, asRequest(row))
  await trx.updateTable('network_segments').set({ segmentation_id: segmentationId, ...bumped(Number(row.revision_number)) })
    .where('id', '=', row.id).execute()
}

/** How segments show on a network: provider:* for one, `segments` for several (Neutron's multi-provider). */
export function providerAttributes(rows: SegmentRow[]): Record<string, unknown> {
  const attrs = (r: SegmentRow) => ({
    'provider:network_type': r.network_type,
    'provider:physical_network': r.physical_network,
    'provider:segmentation_id': r.segmentation_id === null ? null : Number(r.segmentation_id),
  })
  if (rows.length > 1) return { segments: rows.map(attrs) }
  if (rows.length === 1) return attrs(rows[0])
  return { 'provider:network_type': null, 'provider:physical_network': null, 'provider:segmentation_id': null }
}
