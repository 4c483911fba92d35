/**
 * @module Neutron's standard attributes shared by every resource: description, created_at,
 * updated_at, revision_number (bumped on each change, checked by `If-Match: revision_number=N`)
 * and tags.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../db/schema.ts'
import { NeutronError } from '../errors.ts'
import type { NetworkRequest } from './context.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

/** Neutron's timestamp format: seconds precision, `Z`. */
export const neutronTime = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z')

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

/** Columns for a new row. */
export function newStandardAttrs(description = ''): { description: string; created_at: string; updated_at: string; revision_number: number } {
  const t = now()
  return { description, created_at: t, updated_at: t, revision_number: 0 }
}

/** Rendered standard attributes of a row plus its tags. */
export function renderStandard(row: { description: string; created_at: string; updated_at: string; revision_number: number }, tags: string[]): Record<string, unknown> {
  return {
    description: row.description,
    created_at: neutronTime(row.created_at),
    updated_at: neutronTime(row.updated_at),
    revision_number: row.revision_number,
    tags,
  }
}

/** `If-Match: revision_number=N` must name the current revision, else 412 as Neutron. */
export function checkRevision(req: NetworkRequest, current: number): void {
  const header = req.headers['if-match']
  if (typeof header !== 'string' || !header) return
  for (const part of header.split(',')) {
    const m = /^\s*revision_number=(\d+)\s*$/.exec(part)
    if (!m) throw new NeutronError(400, 'HTTPBadRequest', `If-Match header must be revision_number=<int>, got ${header}`)
    if (Number(m[1]) !== current) {
      throw new NeutronError(412, 'RevisionNumberConstraintFailed', `Constrained to ${m[1]}, but current revision is ${current}`)
    }
  }
}

/** Values to set on update: the new updated_at and the next revision. */
export const bumped = (current: number) => ({ updated_at: now(), revision_number: current + 1 })

/** Tags of many resources of one type at once: id → sorted tags. */
export async function tagsOf(db: Db, type: string, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]))
  if (!ids.length) return out
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('resource_tags').select(['resource_id', 'tag'])
      .where('resource_type', '=', type).where('resource_id', 'in', ids.slice(i, i + 500)).execute()
    for (const r of rows) out.get(r.resource_id)?.push(r.tag)
  }
  for (const t of out.values()) t.sort()
  return out
}

export async function deleteTags(db: Db, type: string, id: string): Promise<void> {
  await db.deleteFrom('resource_tags').where('resource_type', '=', type).where('resource_id', '=', id).execute()
}
