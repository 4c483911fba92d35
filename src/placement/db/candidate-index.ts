/**
 * @module Every resource provider, with its inventories, traits and aggregates, kept in memory for
 * GET /allocation_candidates, so that answering costs the same small work whatever the number of
 * providers instead of reading them all again for every scheduling request.
 *
 * It stays true to the database this way:
 * - each write this process commits is reported (`written`): the providers it touched are read
 *   again, or, when a write can reshape trees, everything is read again on the next request;
 * - each write, of this process or any other, then moves the change counter (migration 0002);
 *   a request reads the counter first, and when it moved more than this process's own writes
 *   account for, another process has written and everything is read again;
 * - everything is read again at least once a minute, in case a writer died between its commit and
 *   its move of the counter.
 * Answers are as fresh as a database read at the start of the request would be: a write is in the
 * index before its response is sent.
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../../common/log/logger.ts'
import { loadProviders, type TreeInventory, type TreeProvider, type Trees } from './candidates.ts'
import type { PlacementDb } from './schema.ts'

const FULL_READ_EVERY_MS = 60_000

/** The providers in memory; read only by the caller. */
export type IndexedProviders = {
  providers: Map<number, TreeProvider>
  /** provider id → its inventories, by class id. */
  inventories: Map<number, TreeInventory[]>
  traits: Map<number, Set<number>>
  aggregates: Map<number, Set<string>>
  /** root id → the ids of the providers of its tree. */
  trees: Map<number, number[]>
}

export type CandidateIndex = {
  /** The providers as they are now. */
  current(): Promise<IndexedProviders>
  /**
   * After a write has committed (or failed): the providers it may have touched, by id or uuid
   * (their rows, inventories, traits and aggregates are read again), or 'all' when it may have
   * reshaped trees. Nothing touched costs nothing.
   */
  written(change: Change): Promise<void>
}

export type Change = { ids?: number[]; uuids?: string[] } | 'all'

type State = { index: IndexedProviders; counter: number; ours: number; readAt: number }

function indexOf(t: Trees): IndexedProviders {
  const index: IndexedProviders = { providers: new Map(), inventories: new Map(), traits: t.traits, aggregates: t.aggregates, trees: new Map() }
  for (const p of t.providers) add(index, p)
  for (const i of t.inventories) (index.inventories.get(i.providerId) ?? index.inventories.set(i.providerId, []).get(i.providerId)!).push(i)
  for (const l of index.inventories.values()) l.sort((a, b) => a.rc - b.rc)
  return index
}

function add(index: IndexedProviders, p: TreeProvider): void {
  index.providers.set(p.id, p)
  const tree = index.trees.get(p.rootId)
  if (!tree) index.trees.set(p.rootId, [p.id])
  else if (!tree.includes(p.id)) {
    tree.push(p.id)
    tree.sort((a, b) => a - b)
  }
}

function remove(index: IndexedProviders, id: number): void {
  const p = index.providers.get(id)
  if (!p) return
  index.providers.delete(id)
  const tree = index.trees.get(p.rootId)?.filter((x) => x !== id)
  if (tree?.length) index.trees.set(p.rootId, tree)
  else index.trees.delete(p.rootId)
  index.inventories.delete(id)
  index.traits.delete(id)
  index.aggregates.delete(id)
}

/** The ids of a change; undefined when a uuid is not in the index (a provider it has not seen yet). */
function idsOf(index: IndexedProviders, change: { ids?: number[]; uuids?: string[] }): number[] | undefined {
  const ids = new Set(change.ids)
  if (change.uuids?.length) {
    const wanted = new Set(change.uuids)
    for (const p of index.providers.values()) if (wanted.delete(p.uuid)) ids.add(p.id)
    if (wanted.size) return undefined
  }
  return [...ids]
}

export function createCandidateIndex(db: Kysely<PlacementDb>, log: Logger): CandidateIndex {
  let state: State | undefined
  let reading: Promise<State> | undefined
  let stale = true
  let writes: Promise<unknown> = Promise.resolve()

  const counter = async () => Number((await db.selectFrom('change_counter').select('version').where('id', '=', 1).executeTakeFirst())?.version ?? 0)

  function readAll(): Promise<State> {
    reading ??= (async () => {
      const started = performance.now()
      // The counter before the rows: a write that lands in between moves it again, and the next request reads again.
      const at = await counter()
      stale = false
      const next: State = { index: indexOf(await loadProviders(db)), counter: at, ours: 0, readAt: Date.now() }
      state = next
      log.debug('read every resource provider into the candidate index', { providers: next.index.providers.size, ms: (performance.now() - started).toFixed(1) })
      return next
    })().finally(() => { reading = undefined })
    return reading
  }

  async function apply(change: Change): Promise<void> {
    if (change !== 'all' && !change.ids?.length && !change.uuids?.length) return
    const s = state
    if (s && !reading) s.ours++
    await db.updateTable('change_counter').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute()
    if (!s || reading || s !== state) {
      stale = true
      return
    }
    const ids = change === 'all' ? undefined : idsOf(s.index, change)
    if (!ids) {
      stale = true
      return
    }
    const fresh = indexOf(await loadProviders(db, ids))
    for (const id of ids) {
      remove(s.index, id)
      const p = fresh.providers.get(id)
      if (!p) continue
      add(s.index, p)
      const inv = fresh.inventories.get(id)
      if (inv) s.index.inventories.set(id, inv)
      const tr = fresh.traits.get(id)
      if (tr) s.index.traits.set(id, tr)
      const ag = fresh.aggregates.get(id)
      if (ag) s.index.aggregates.set(id, ag)
    }
  }

  return {
    async current() {
      if (reading) return (await reading).index
      const s = state
      if (!s || stale || Date.now() - s.readAt > FULL_READ_EVERY_MS) return (await readAll()).index
      const at = await counter()
      if (at !== s.counter + s.ours) {
        log.debug('another process wrote to placement; reading every resource provider again', { counter: at, expected: s.counter + s.ours })
        return (await readAll()).index
      }
      return s.index
    },

    written(change) {
      // One at a time, in commit order: a re-read that began before a later write cannot land after that write's own.
      const run = writes.then(() => apply(change))
      writes = run.catch(() => undefined)
      return run
    },
  }
}
