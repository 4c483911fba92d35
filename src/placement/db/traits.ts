/** Traits: the catalogue (standard and CUSTOM_*) and the set on each provider. */
import { sql, type Kysely, type SqlBool } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import { bumpGeneration, type Provider } from './providers.ts'
import type { PlacementDb, TraitRow } from './schema.ts'
import type { Trx } from './transaction.ts'

type Db = Kysely<PlacementDb> | Trx

export type TraitFilter = { nameIn?: string[]; prefix?: string; associated?: boolean }

export async function listTraits(db: Db, f: TraitFilter = {}): Promise<TraitRow[]> {
  let q = db.selectFrom('traits as t').select(['t.id', 't.name', 't.created_at', 't.updated_at'])
  if (f.nameIn) q = f.nameIn.length ? q.where('t.name', 'in', f.nameIn) : q.where('t.id', '<', 0)
  if (f.prefix !== undefined) {
    const pattern = `${f.prefix.replace(/[!%_]/g, '!$&')}%`
    q = q.where(sql<SqlBool>`t.name LIKE ${pattern} ESCAPE '!'`)
  }
  if (f.associated !== undefined) {
    const linked = (eb: any) => eb.exists(eb.selectFrom('resource_provider_traits as rpt').select('rpt.trait_id').whereRef('rpt.trait_id', '=', 't.id'))
    q = q.where((eb) => f.associated ? linked(eb) : eb.not(linked(eb)))
  }
  return (await q.orderBy('t.id').execute()).map((r) => ({ ...r, id: Number(r.id) }))
}

export async function findTrait(db: Db, name: string): Promise<TraitRow | undefined> {
  const r = await db.selectFrom('traits').selectAll().where('name', '=', name).executeTakeFirst()
  return r && { ...r, id: Number(r.id) }
}

/** Creates a custom trait; false when it already existed (PUT /traits/{name} answers 204 then). */
export async function createTrait(db: Db, name: string): Promise<boolean> {
  const now = nowIso()
  try {
    await db.insertInto('traits').values({ name, created_at: now, updated_at: now }).execute()
    return true
  } catch (err) {
    if (isUniqueViolation(err)) return false
    throw err
  }
}

export async function traitInUse(db: Db, id: number): Promise<boolean> {
  return (await db.selectFrom('resource_provider_traits').select('trait_id').where('trait_id', '=', id).limit(1).executeTakeFirst()) !== undefined
}

export async function deleteTrait(db: Db, id: number): Promise<void> {
  await db.deleteFrom('traits').where('id', '=', id).execute()
}

export async function providerTraits(db: Db, providerId: number): Promise<TraitRow[]> {
  const rows = await db.selectFrom('resource_provider_traits as rpt').innerJoin('traits as t', 't.id', 'rpt.trait_id')
    .select(['t.id', 't.name', 't.created_at', 't.updated_at']).where('rpt.resource_provider_id', '=', providerId).orderBy('t.id').execute()
  return rows.map((r) => ({ ...r, id: Number(r.id) }))
}

/**
 * Makes the provider's traits exactly `traitIds`. The generation moves only when the set changes
 * (as in placement); returns the provider's generation afterwards.
 */
export async function setProviderTraits(trx: Trx, p: Provider, traitIds: number[]): Promise<number> {
  const have = new Set((await trx.selectFrom('resource_provider_traits').select('trait_id').where('resource_provider_id', '=', p.id).execute())
    .map((r) => Number(r.trait_id)))
  const want = new Set(traitIds)
  const add = [...want].filter((id) => !have.has(id))
  const remove = [...have].filter((id) => !want.has(id))
  if (!add.length && !remove.length) return p.generation
  if (remove.length) await trx.deleteFrom('resource_provider_traits').where('resource_provider_id', '=', p.id).where('trait_id', 'in', remove).execute()
  if (add.length) await trx.insertInto('resource_provider_traits').values(add.map((trait_id) => ({ resource_provider_id: p.id, trait_id }))).execute()
  return bumpGeneration(trx, p.id, p.generation)
}
