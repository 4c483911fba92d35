/**
 * @module Database reads and writes for security groups and their rules, shared by the API
 * handlers and the default-group machinery. Every function takes the connection or transaction
 * to use, so callers decide the transaction boundaries.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { NetworkDb, SecurityGroupRow, SecurityGroupRuleRow } from '../../db/schema.ts'
import { now } from '../standard-attrs.ts'

export type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

/** The database engine behind a connection, for the few statements whose SQL differs. */
export function engineOf(db: Db): 'sqlite' | 'postgres' | 'mysql' {
  const name = db.getExecutor().adapter.constructor.name
  return name.startsWith('Postgres') ? 'postgres' : name.startsWith('Mysql') ? 'mysql' : 'sqlite'
}

export async function findGroup(db: Db, id: string): Promise<SecurityGroupRow | undefined> {
  return db.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Groups of one project, or of every project when `projectId` is undefined. */
export async function listGroups(db: Db, projectId?: string): Promise<SecurityGroupRow[]> {
  let q = db.selectFrom('security_groups').selectAll()
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return q.execute()
}

/** Rules of the given groups, by group id (every id present, possibly with no rules). */
export async function rulesOfGroups(db: Db, groupIds: string[]): Promise<Map<string, SecurityGroupRuleRow[]>> {
  const out = new Map<string, SecurityGroupRuleRow[]>(groupIds.map((id) => [id, []]))
  for (let i = 0; i < groupIds.length; i += 500) {
    const rows = await db.selectFrom('security_group_rules').selectAll()
      .where('security_group_id', 'in', groupIds.slice(i, i + 500)).execute()
    for (const r of rows) out.get(r.security_group_id)?.push(r)
  }
  return out
}

export type RuleWithOwner = SecurityGroupRuleRow & { group_project_id: string }

/** Rules with the project owning their group, optionally only those in groups of `groupProjectId`. */
export async function listRules(db: Db, groupProjectId?: string): Promise<RuleWithOwner[]> {
  let q = db.selectFrom('security_group_rules as r')
    .innerJoin('security_groups as g', 'g.id', 'r.security_group_id')
    .selectAll('r').select('g.project_id as group_project_id')
  if (groupProjectId !== undefined) q = q.where('g.project_id', '=', groupProjectId)
  return q.execute()
}

export async function findRule(db: Db, id: string): Promise<RuleWithOwner | undefined> {
  return db.selectFrom('security_group_rules as r')
    .innerJoin('security_groups as g', 'g.id', 'r.security_group_id')
    .selectAll('r').select('g.project_id as group_project_id')
    .where('r.id', '=', id).executeTakeFirst()
}

/** Which of the given groups are some project's default group. */
export async function defaultGroupIds(db: Db, groupIds?: string[]): Promise<Set<string>> {
  if (groupIds && !groupIds.length) return new Set()
  let q = db.selectFrom('default_security_groups').select('security_group_id')
  if (groupIds && groupIds.length <= 500) q = q.where('security_group_id', 'in', groupIds)
  return new Set((await q.execute()).map((r) => r.security_group_id))
}

/**
 * The project's default group id. `shared` makes it a shared-lock read, which sees rows other
 * transactions committed after this one's snapshot (MariaDB's repeatable read) and, being shared,
 * does not deadlock with other readers that lost the same race.
 */
export async function defaultGroupOf(db: Db, projectId: string, opts: { shared?: boolean } = {}): Promise<string | undefined> {
  let q = db.selectFrom('default_security_groups').select('security_group_id').where('project_id', '=', projectId)
  const engine = engineOf(db)
  if (opts.shared && engine === 'postgres') q = q.forShare()
  if (opts.shared && engine === 'mysql') q = q.modifyEnd(sql`lock in share mode`)
  return (await q.executeTakeFirst())?.security_group_id
}

/** True when a port uses the group. */
export async function groupInUse(db: Db, groupId: string): Promise<boolean> {
  const row = await db.selectFrom('port_security_groups').select('port_id').where('security_group_id', '=', groupId).limit(1).executeTakeFirst()
  return row !== undefined
}

/**
 * A rule change revises its group, as in Neutron (the rule model's revises_on_change). The UPDATE
 * also takes the group's row lock, so concurrent rule changes on one group queue behind each other.
 */
export async function reviseGroups(db: Db, groupIds: string[]): Promise<void> {
  for (const id of new Set(groupIds)) {
    await db.updateTable('security_groups')
      .set((eb) => ({ revision_number: eb('revision_number', '+', 1), updated_at: now() }))
      .where('id', '=', id).execute()
  }
}
