/**
 * @module GET /v2/images as one SQL query: Glance's visibility rules (glance/db/sqlalchemy/api.py
 * _select_images_query), filters, sorting with NULLs compared as ''/0, and keyset pagination after
 * a marker image. The same SQL runs on SQLite, PostgreSQL and MySQL.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import type { ImageDb, ImageRow } from './schema.ts'

export type FilterOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in'
export type ColumnFilter = { column: keyof ImageRow; op: FilterOp; value: string | number | string[] }
export type SortDir = 'asc' | 'desc'
export type MemberStatusFilter = 'pending' | 'accepted' | 'rejected' | 'all'

export type ImageListQuery = {
  /** The caller's project; undefined for a token without one. */
  projectId: string | undefined
  /** Admins see every project's images (Glance's context.is_admin). */
  isAdmin: boolean
  memberStatus: MemberStatusFilter
  /** A visibility, 'all', or undefined (then community images only when owned). */
  visibility: string | undefined
  osHidden: boolean
  filters: ColumnFilter[]
  properties: Record<string, string>
  tags: string[]
  sortKeys: string[]
  sortDirs: SortDir[]
  marker: ImageRow | undefined
  limit: number
}

export const numericColumns = new Set(['size', 'virtual_size', 'min_disk', 'min_ram', 'protected', 'os_hidden'])

type Eb = ExpressionBuilder<ImageDb, 'images'>
const ops: Record<Exclude<FilterOp, 'in'>, '=' | '!=' | '>' | '>=' | '<' | '<='> = {
  eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=',
}

/** A sort column with NULL replaced the way Glance compares markers ('' for text, 0 for numbers). */
function sortExpr(key: string): Expression<unknown> {
  const fallback = numericColumns.has(key) ? sql.lit(0) : sql.lit('')
  return sql`coalesce(${sql.ref(`images.${key}`)}, ${fallback})`
}

function markerValue(marker: ImageRow, key: string): string | number {
  const v = marker[key as keyof ImageRow]
  return v ?? (numericColumns.has(key) ? 0 : '')
}

function visibleTo(eb: Eb, q: ImageListQuery): Expression<SqlBool> {
  const conds: Expression<SqlBool>[] = [eb('images.visibility', 'in', ['public', 'community'])]
  if (q.projectId) {
    conds.push(eb('images.owner', '=', q.projectId))
    let members = eb.selectFrom('image_members').select(sql.lit(1).as('one'))
      .whereRef('image_members.image_id', '=', 'images.id').where('image_members.member', '=', q.projectId)
    if (q.memberStatus !== 'all') members = members.where('image_members.status', '=', q.memberStatus)
    conds.push(eb.and([eb('images.visibility', '=', 'shared'), eb.exists(members)]))
  }
  return eb.or(conds)
}

function columnFilter(eb: Eb, f: ColumnFilter): Expression<SqlBool> {
  const ref = sql.ref<unknown>(`images.${f.column}`)
  const cast = (v: string | number) => (numericColumns.has(f.column) ? Number(v) : v)
  if (f.op === 'in') {
    const values = (f.value as string[]).map(cast).filter((v) => !Number.isNaN(v))
    return values.length ? eb(ref, 'in', values) : sql<SqlBool>`1 = 0`
  }
  const value = cast(f.value as string | number)
  if (typeof value === 'number' && Number.isNaN(value)) return sql<SqlBool>`1 = 0`
  return eb(ref, ops[f.op], value)
}

export async function listImageRows(db: Kysely<ImageDb>, q: ImageListQuery): Promise<ImageRow[]> {
  let query = db.selectFrom('images').selectAll('images')
    .where('images.deleted', '=', 0)
    .where('images.status', '!=', 'killed')
    .where('images.os_hidden', '=', q.osHidden ? 1 : 0)
  if (!q.isAdmin) query = query.where((eb) => visibleTo(eb, q))
  if (q.visibility && q.visibility !== 'all') {
    query = query.where('images.visibility', '=', q.visibility)
  } else if (!q.visibility) {
    const owner = q.projectId
    query = query.where((eb) => owner
      ? eb.or([eb('images.owner', '=', owner), eb('images.visibility', '!=', 'community')])
      : eb('images.visibility', '!=', 'community'))
  }
  for (const f of q.filters) query = query.where((eb) => columnFilter(eb, f))
  for (const [name, value] of Object.entries(q.properties)) {
    query = query.where((eb) => eb.exists(eb.selectFrom('image_properties').select(sql.lit(1).as('one'))
      .whereRef('image_properties.image_id', '=', 'images.id')
      .where('image_properties.name', '=', name).where('image_properties.value', '=', value)))
  }
  for (const tag of q.tags) {
    query = query.where((eb) => eb.exists(eb.selectFrom('image_tags').select(sql.lit(1).as('one'))
      .whereRef('image_tags.image_id', '=', 'images.id').where('image_tags.value', '=', tag)))
  }
  const keys = [...q.sortKeys]
  const dirs = [...q.sortDirs]
  // One direction applies to every key, and to the created_at/id tie-breakers; several pair up with the keys.
  const defaultDir: SortDir = q.sortDirs.length === 1 ? q.sortDirs[0] : 'desc'
  while (dirs.length < keys.length) dirs.push(defaultDir)
  for (const key of ['created_at', 'id']) {
    if (!keys.includes(key)) {
      keys.push(key)
      dirs.push(defaultDir)
    }
  }
  const marker = q.marker
  if (marker) {
    query = query.where((eb) => eb.or(keys.map((key, i) => eb.and([
      ...keys.slice(0, i).map((prior) => eb(sortExpr(prior), '=', markerValue(marker, prior))),
      eb(sortExpr(key), dirs[i] === 'desc' ? '<' : '>', markerValue(marker, key)),
    ]))))
  }
  keys.forEach((key, i) => {
    query = query.orderBy(sortExpr(key), dirs[i])
  })
  return query.limit(q.limit).execute()
}
