/**
 * @module Reads and writes of images and their children. Status changes are conditional updates
 * (`WHERE status = <from>`), so two uploads or an upload racing a delete cannot both win.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbJson, nowIso } from '../../common/db/columns.ts'
import type { Image, ImageLocation } from '../model/image.ts'
import type { ImageDb, ImageMemberRow, ImageRow } from './schema.ts'

type Db = Kysely<ImageDb> | Transaction<ImageDb>

export async function findImageRow(db: Db, id: string): Promise<ImageRow | undefined> {
  if (id.length > 36) return undefined // Glance's _check_image_id: longer ids cannot exist
  return db.selectFrom('images').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst()
}

export async function imageIdTaken(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('images').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

/** Properties, tags and active locations of many images in three queries. */
export async function loadImages(db: Db, rows: ImageRow[], memberOf: (row: ImageRow) => string | null): Promise<Image[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [props, tags, locs] = await Promise.all([
    db.selectFrom('image_properties').selectAll().where('image_id', 'in', ids).execute(),
    db.selectFrom('image_tags').selectAll().where('image_id', 'in', ids).execute(),
    db.selectFrom('image_locations').selectAll().where('image_id', 'in', ids).where('status', '=', 'active')
      .orderBy('position').orderBy('id').execute(),
  ])
  const byImage = <T extends { image_id: string }>(list: T[]) => Map.groupBy(list, (x) => x.image_id)
  const p = byImage(props)
  const t = byImage(tags)
  const l = byImage(locs)
  return rows.map((row) => ({
    row,
    properties: Object.fromEntries((p.get(row.id) ?? []).map((x) => [x.name, x.value])),
    tags: (t.get(row.id) ?? []).map((x) => x.value).sort(),
    locations: (l.get(row.id) ?? []).map((x): ImageLocation => ({ url: x.url, metadata: fromDbJson(x.metadata, {}) })),
    member: memberOf(row),
  }))
}

export async function findMembership(db: Db, imageId: string, project: string | undefined): Promise<ImageMemberRow | undefined> {
  if (!project) return undefined
  return db.selectFrom('image_members').selectAll()
    .where('image_id', '=', imageId).where('member', '=', project).executeTakeFirst()
}

/** Moves an image from one status to another with other column changes; false when it was not in `from` any more. */
export async function transitionImage(
  db: Db, id: string, from: string | string[], changes: Partial<ImageRow>,
): Promise<boolean> {
  const froms = Array.isArray(from) ? from : [from]
  const result = await db.updateTable('images').set({ ...changes, updated_at: nowIso() })
    .where('id', '=', id).where('deleted', '=', 0).where('status', 'in', froms).executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function touchImage(db: Db, id: string, changes: Partial<ImageRow> = {}): Promise<void> {
  await db.updateTable('images').set({ ...changes, updated_at: nowIso() }).where('id', '=', id).execute()
}

/** Replaces properties and tags with the given sets, writing only the differences. */
export async function saveChildren(
  trx: Db, id: string,
  before: { properties: Record<string, string>; tags: string[] },
  after: { properties: Record<string, string>; tags: string[] },
): Promise<void> {
  const gone = Object.keys(before.properties).filter((k) => !(k in after.properties))
  if (gone.length) await trx.deleteFrom('image_properties').where('image_id', '=', id).where('name', 'in', gone).execute()
  for (const [name, value] of Object.entries(after.properties)) {
    if (!(name in before.properties)) {
      await trx.insertInto('image_properties').values({ image_id: id, name, value }).execute()
    } else if (before.properties[name] !== value) {
      await trx.updateTable('image_properties').set({ value }).where('image_id', '=', id).where('name', '=', name).execute()
    }
  }
  const oldTags = new Set(before.tags)
  const newTags = new Set(after.tags)
  const removed = [...oldTags].filter((t) => !newTags.has(t))
  if (removed.length) await trx.deleteFrom('image_tags').where('image_id', '=', id).where('value', 'in', removed).execute()
  const added = [...newTags].filter((t) => !oldTags.has(t))
  if (added.length) await trx.insertInto('image_tags').values(added.map((value) => ({ image_id: id, value }))).execute()
}

export async function setProperty(db: Db, id: string, name: string, value: string): Promise<void> {
  const has = await db.selectFrom('image_properties').select('name').where('image_id', '=', id).where('name', '=', name).executeTakeFirst()
  if (has) await db.updateTable('image_properties').set({ value }).where('image_id', '=', id).where('name', '=', name).execute()
  else await db.insertInto('image_properties').values({ image_id: id, name, value }).execute()
}

export async function deleteProperty(db: Db, id: string, name: string): Promise<void> {
  await db.deleteFrom('image_properties').where('image_id', '=', id).where('name', '=', name).execute()
}

export async function addLocation(db: Db, id: string, url: string, metadata: Record<string, unknown>): Promise<void> {
  const last = await db.selectFrom('image_locations').select((eb) => eb.fn.max('position').as('max'))
    .where('image_id', '=', id).executeTakeFirst()
  await db.insertInto('image_locations').values({
    image_id: id, url, metadata: JSON.stringify(metadata), status: 'active', position: Number(last?.max ?? -1) + 1,
  }).execute()
}

/** Bytes of image data a project stores (Glance's user_get_storage_usage, excluding `exceptImage`). */
export async function storageUsageBytes(db: Db, owner: string, exceptImage?: string): Promise<number> {
  let q = db.selectFrom('images').select((eb) => eb.fn.sum<number>('size').as('total'))
    .where('owner', '=', owner).where('deleted', '=', 0).where('status', 'in', ['active', 'deactivated', 'saving', 'importing'])
  if (exceptImage) q = q.where('id', '!=', exceptImage)
  return Number((await q.executeTakeFirst())?.total ?? 0)
}

/** Bytes a project holds in the staging area. */
export async function stagingUsageBytes(db: Db, owner: string): Promise<number> {
  const r = await db.selectFrom('images').select((eb) => eb.fn.sum<number>('size').as('total'))
    .where('owner', '=', owner).where('deleted', '=', 0).where('staging_location', 'is not', null).executeTakeFirst()
  return Number(r?.total ?? 0)
}

export async function imageCount(db: Db, owner: string): Promise<number> {
  const r = await db.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner', '=', owner).where('deleted', '=', 0).executeTakeFirst()
  return Number(r?.n ?? 0)
}

/** Images of a project with data on the way in (Glance's user_get_uploading_count). */
export async function uploadingCount(db: Db, owner: string): Promise<number> {
  const r = await db.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner', '=', owner).where('deleted', '=', 0).where('status', 'in', ['saving', 'uploading', 'importing'])
    .executeTakeFirst()
  return Number(r?.n ?? 0)
}
