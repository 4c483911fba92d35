/** Resource classes: standard ones at fixed ids, custom (CUSTOM_*) ones from 10000 up. */
import type { Kysely } from 'kysely'
import { nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import { FIRST_CUSTOM_CLASS_ID } from '../standard-resource-classes.ts'
import type { PlacementDb, ResourceClassRow } from './schema.ts'

type Db = Kysely<PlacementDb>

export async function listResourceClasses(db: Db): Promise<ResourceClassRow[]> {
  return (await db.selectFrom('resource_classes').selectAll().orderBy('id').execute()).map((r) => ({ ...r, id: Number(r.id) }))
}

export async function findResourceClass(db: Db, name: string): Promise<ResourceClassRow | undefined> {
  const r = await db.selectFrom('resource_classes').selectAll().where('name', '=', name).executeTakeFirst()
  return r && { ...r, id: Number(r.id) }
}

/** Creates a custom class; false when the name exists. Concurrent creators racing for the next id retry. */
export async function createResourceClass(db: Db, name: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    if (await findResourceClass(db, name)) return false
    const top = await db.selectFrom('resource_classes').select((eb) => eb.fn.max('id').as('top')).where('id', '>=', FIRST_CUSTOM_CLASS_ID).executeTakeFirst()
    const id = top?.top === null || top?.top === undefined ? FIRST_CUSTOM_CLASS_ID : Number(top.top) + 1
    const now = nowIso()
    try {
      await db.insertInto('resource_classes').values({ id, name, created_at: now, updated_at: now }).execute()
      return true
    } catch (err) {
      if (!isUniqueViolation(err) || attempt > 10) throw err
    }
  }
}

export async function renameResourceClass(db: Db, id: number, name: string): Promise<void> {
  await db.updateTable('resource_classes').set({ name, updated_at: nowIso() }).where('id', '=', id).execute()
}

export async function resourceClassInUse(db: Db, id: number): Promise<boolean> {
  return (await db.selectFrom('inventories').select('resource_class_id').where('resource_class_id', '=', id).limit(1).executeTakeFirst()) !== undefined
}

export async function deleteResourceClass(db: Db, id: number): Promise<void> {
  await db.deleteFrom('resource_classes').where('id', '=', id).execute()
}
