/**
 * @module Flavors in the database: the defaults a new cloud starts with, lookups that respect
 * flavor access (a private flavor exists only for admins and the projects it was given to),
 * extra specs and access lists.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbBool, nowIso } from '../../common/db/columns.ts'
import { isUniqueViolation } from '../../common/db/unique-violation.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { ComputeDb, FlavorRow } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

export type Flavor = {
  flavorid: string
  name: string
  memory_mb: number
  vcpus: number
  root_gb: number
  ephemeral_gb: number
  swap: number
  rxtx_factor: number
  is_public: boolean
  disabled: boolean
  description: string | null
  created_at: string
  updated_at: string | null
}

export function rowToFlavor(r: FlavorRow): Flavor {
  return {
    flavorid: r.flavorid, name: r.name, memory_mb: Number(r.memory_mb), vcpus: Number(r.vcpus), root_gb: Number(r.root_gb),
    ephemeral_gb: Number(r.ephemeral_gb), swap: Number(r.swap), rxtx_factor: Number(r.rxtx_factor),
    is_public: fromDbBool(Number(r.is_public)), disabled: fromDbBool(Number(r.disabled)), description: r.description,
    created_at: r.created_at, updated_at: r.updated_at,
  }
}

/** The flavors of a new cloud: DevStack's m1 family, plus m1.nano and m1.micro for tiny test guests. */
export const DEFAULT_FLAVORS: ReadonlyArray<{ flavorid: string; name: string; memory_mb: number; vcpus: number; root_gb: number }> = [
  { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1 },
  { flavorid: '2', name: 'm1.small', memory_mb: 2048, vcpus: 1, root_gb: 20 },
  { flavorid: '3', name: 'm1.medium', memory_mb: 4096, vcpus: 2, root_gb: 40 },
  { flavorid: '4', name: 'm1.large', memory_mb: 8192, vcpus: 4, root_gb: 80 },
  { flavorid: '5', name: 'm1.xlarge', memory_mb: 16384, vcpus: 8, root_gb: 160 },
  { flavorid: '42', name: 'm1.nano', memory_mb: 128, vcpus: 1, root_gb: 1 },
  { flavorid: '84', name: 'm1.micro', memory_mb: 192, vcpus: 1, root_gb: 1 },
]

/**
 * Creates the default flavors when the cloud has no flavor at all (a fresh database), so an
 * operator's deletions survive restarts. Safe to run from several processes at once.
 */
export async function ensureDefaultFlavors(db: Kysely<ComputeDb>, log: Logger): Promise<void> {
  const any = await db.selectFrom('flavors').select('flavorid').limit(1).executeTakeFirst()
  if (any) return
  const now = nowIso()
  let created = 0
  for (const f of DEFAULT_FLAVORS) {
    try {
      await db.insertInto('flavors').values({
        ...f, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: 1, disabled: 0, description: null, created_at: now, updated_at: null,
      }).execute()
      created++
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
    }
  }
  if (created) log.info(`created ${created} default flavors`, { flavors: DEFAULT_FLAVORS.map((f) => f.name).join(',') })
}

/** Who is asking: admins see every flavor, others public ones and those given to their project. */
export type FlavorViewer = { isAdmin: boolean; projectId: string | undefined }

/** The flavor if it exists and `viewer` may see it. */
export async function findFlavor(db: Db, flavorid: string, viewer?: FlavorViewer): Promise<Flavor | undefined> {
  const row = await db.selectFrom('flavors').selectAll().where('flavorid', '=', flavorid).executeTakeFirst()
  if (!row) return undefined
  const flavor = rowToFlavor(row)
  if (!viewer || viewer.isAdmin || flavor.is_public) return flavor
  return viewer.projectId && (await hasAccess(db, flavorid, viewer.projectId)) ? flavor : undefined
}

export async function hasAccess(db: Db, flavorid: string, projectId: string): Promise<boolean> {
  const row = await db.selectFrom('flavor_projects').select('project_id').where('flavorid', '=', flavorid).where('project_id', '=', projectId).executeTakeFirst()
  return row !== undefined
}

/** Projects given a private flavor, in the order they were added. */
export async function flavorProjects(db: Db, flavorid: string): Promise<string[]> {
  const rows = await db.selectFrom('flavor_projects').select('project_id').where('flavorid', '=', flavorid).orderBy('project_id').execute()
  return rows.map((r) => r.project_id)
}

/** Extra specs of each flavor, flavorid → {key: value}. */
export async function extraSpecsOf(db: Db, flavorids: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>(flavorids.map((id) => [id, {}]))
  if (!flavorids.length) return out
  const rows = await db.selectFrom('flavor_extra_specs').select(['flavorid', 'key', 'value']).where('flavorid', 'in', flavorids).orderBy('key').execute()
  for (const r of rows) out.get(r.flavorid)![r.key] = r.value
  return out
}

/** Sets extra specs (insert or replace each key). */
export async function setExtraSpecs(db: Kysely<ComputeDb>, flavorid: string, specs: Record<string, string>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [key, value] of Object.entries(specs)) {
      const r = await trx.updateTable('flavor_extra_specs').set({ value }).where('flavorid', '=', flavorid).where('key', '=', key).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) await trx.insertInto('flavor_extra_specs').values({ flavorid, key, value }).execute()
    }
  })
}
