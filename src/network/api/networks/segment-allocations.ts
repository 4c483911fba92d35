/**
 * The database behind the type drivers' SegmentAllocations: one segment_allocations row per held id,
 * bound to a transaction and to the network that holds the ids. The primary key settles races; a
 * lost race surfaces as SegmentAllocationRace and the caller reruns its whole transaction.
 */
import type { Transaction } from 'kysely'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import type { NetworkDb } from '../../db/schema.ts'
import type { SegmentAllocations } from '../../ml2/types/type-driver.ts'

/** Another transaction claimed the same id first; the transaction that sees this must be retried. */
export class SegmentAllocationRace extends Error {}

export function dbSegmentAllocations(trx: Transaction<NetworkDb>, networkId: string): SegmentAllocations {
  const row = (t: string, p: string, id: number) => trx.selectFrom('segment_allocations').select('network_id')
    .where('network_type', '=', t).where('physical_network', '=', p).where('segmentation_id', '=', id)
  return {
    async taken(t, p) {
      const rows = await trx.selectFrom('segment_allocations').select('segmentation_id')
        .where('network_type', '=', t).where('physical_network', '=', p).execute()
      return new Set(rows.map((r) => Number(r.segmentation_id)))
    },
    async claim(t, p, id) {
      if (await row(t, p, id).executeTakeFirst()) return false
      try {
        await trx.insertInto('segment_allocations').values({ network_type: t, physical_network: p, segmentation_id: id, network_id: networkId }).execute()
        return true
      } catch (err) {
        // PostgreSQL aborts the transaction on a key violation, so it cannot carry on with another id.
        if (isUniqueViolation(err)) throw new SegmentAllocationRace(`${t} ${p} ${id} was claimed concurrently`, { cause: err })
        throw err
      }
    },
    async release(t, p, id) {
      await trx.deleteFrom('segment_allocations')
        .where('network_type', '=', t).where('physical_network', '=', p).where('segmentation_id', '=', id).execute()
    },
  }
}

/** A deadlock or serialization failure the database resolved by aborting this transaction (PostgreSQL, MariaDB). */
function isTransientConflict(err: unknown): boolean {
  const e = err as { code?: string; errno?: number }
  return e?.code === '40001' || e?.code === '40P01' || e?.errno === 1213 || e?.errno === 1205
}

/** Runs `work` (one whole transaction) again when it lost a segment allocation race or a deadlock, a few times. */
export async function retryingSegmentRaces<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work()
    } catch (err) {
      if (!(err instanceof SegmentAllocationRace || isTransientConflict(err)) || i >= attempts) throw err
    }
  }
}
