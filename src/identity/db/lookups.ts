/** Fetch-or-404 helpers shared by the identity handlers, with Keystone's wording. */
import type { Kysely } from 'kysely'
import { NotFound } from '../../common/errors.ts'
import type { DomainRow, GroupRow, IdentityDb, ProjectRow, RoleRow, UserRow } from './schema.ts'

type Db = Kysely<IdentityDb>

export async function getUser(db: Db, id: string): Promise<UserRow> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound(`Could not find user: ${id}.`)
  return row
}

export async function getProject(db: Db, id: string): Promise<ProjectRow> {
  const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound(`Could not find project: ${id}.`)
  return row
}

export async function getDomain(db: Db, id: string): Promise<DomainRow> {
  const row = await db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound(`Could not find domain: ${id}.`)
  return row
}

export async function getGroup(db: Db, id: string): Promise<GroupRow> {
  const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound(`Could not find group: ${id}.`)
  return row
}

export async function getRole(db: Db, id: string): Promise<RoleRow> {
  const row = await db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound(`Could not find role: ${id}.`)
  return row
}
