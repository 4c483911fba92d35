/**
 * @module Name ↔ id tables for resource classes and traits, cached per process. Both change
 * rarely and only through placement; a name or id this process has not seen reloads the table,
 * so classes and traits created by another placement process are found on first use.
 */
import type { Kysely } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import { standardResourceClasses } from '../standard-resource-classes.ts'
import { standardTraits } from '../standard-traits.ts'
import type { PlacementDb } from './schema.ts'

export class NameTable {
  readonly #db: Kysely<PlacementDb>
  readonly #table: 'resource_classes' | 'traits'
  #byName = new Map<string, number>()
  #byId = new Map<number, string>()
  #loading: Promise<void> | undefined

  constructor(db: Kysely<PlacementDb>, table: 'resource_classes' | 'traits') {
    this.#db = db
    this.#table = table
  }

  /** Forgets everything; the next lookup reloads (after a create or delete in this process). */
  invalidate(): void {
    this.#byName = new Map()
    this.#byId = new Map()
  }

  async #reload(db: Kysely<PlacementDb> = this.#db): Promise<void> {
    this.#loading ??= (async () => {
      const rows = await db.selectFrom(this.#table).select(['id', 'name']).execute()
      this.#byName = new Map(rows.map((r) => [r.name, Number(r.id)]))
      this.#byId = new Map(rows.map((r) => [Number(r.id), r.name]))
    })().finally(() => (this.#loading = undefined))
    await this.#loading
  }

  /** Ids of the known names; unknown names are left out of the map. */
  async ids(names: Iterable<string>): Promise<Map<string, number>> {
    const wanted = [...names]
    if (wanted.some((n) => !this.#byName.has(n))) await this.#reload()
    const out = new Map<string, number>()
    for (const n of wanted) {
      const id = this.#byName.get(n)
      if (id !== undefined) out.set(n, id)
    }
    return out
  }

  async id(name: string): Promise<number | undefined> {
    return (await this.ids([name])).get(name)
  }

  /** The name of an id that exists (read from the database this request). */
  async name(id: number): Promise<string> {
    if (!this.#byId.has(id)) await this.#reload()
    return this.#byId.get(id) ?? `UNKNOWN_${id}`
  }

  /** Synchronous lookup for ids already seen by {@link ensureIds}. */
  nameOf(id: number): string {
    return this.#byId.get(id) ?? `UNKNOWN_${id}`
  }

  /**
   * Makes every id in `ids` known to {@link nameOf}. Inside a transaction pass it as `db`: on
   * SQLite's single connection a read outside the transaction would wait for it forever.
   */
  async ensureIds(ids: Iterable<number>, db?: Kysely<PlacementDb>): Promise<void> {
    for (const id of ids) {
      if (!this.#byId.has(id)) return this.#reload(db)
    }
  }
}

export type Names = { classes: NameTable; traits: NameTable }

export const createNames = (db: Kysely<PlacementDb>): Names => ({
  classes: new NameTable(db, 'resource_classes'),
  traits: new NameTable(db, 'traits'),
})

/**
 * Puts the standard resource classes (at their fixed ids) and traits into the database; run at
 * every start, so a newer vocabulary arrives with an upgrade. Another process syncing at the same
 * moment is harmless.
 */
export async function syncStandardNames(db: Kysely<PlacementDb>): Promise<void> {
  const now = nowIso()
  const classes = new Set((await db.selectFrom('resource_classes').select('name').execute()).map((r) => r.name))
  const newClasses = standardResourceClasses.map((name, id) => ({ id, name })).filter((c) => !classes.has(c.name))
  const traits = new Set((await db.selectFrom('traits').select('name').execute()).map((r) => r.name))
  const newTraits = standardTraits.filter((t) => !traits.has(t))
  try {
    if (newClasses.length) await db.insertInto('resource_classes').values(newClasses.map((c) => ({ ...c, created_at: now, updated_at: now }))).execute()
    for (let i = 0; i < newTraits.length; i += 200) {
      await db.insertInto('traits').values(newTraits.slice(i, i + 200).map((name) => ({ name, created_at: now, updated_at: now }))).execute()
    }
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
  }
}
