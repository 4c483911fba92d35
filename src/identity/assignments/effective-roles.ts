/**
 * @module Which roles a user holds on a project, domain or the system: direct grants, grants to
 * the user's groups, and inherited grants from the domain and parent projects.
 */
import type { ExpressionBuilder, Kysely } from 'kysely'
import type { IdentityDb } from '../db/schema.ts'

export type RoleTarget =
  | { kind: 'project'; projectId: string; domainId: string; parentId: string | null }
  | { kind: 'domain'; domainId: string }
  | { kind: 'system' }

/** Assignments whose actor is the user or one of its groups. */
export function heldBy(userId: string) {
  return (eb: ExpressionBuilder<IdentityDb, 'assignments'>) => eb.or([
    eb('actor_id', '=', userId),
    eb('actor_id', 'in', eb.selectFrom('group_members').select('group_id').where('user_id', '=', userId)),
  ])
}

/** Role ids granted to `userId` on `target`, before implied roles are added. One query for most targets. */
export async function grantedRoleIds(db: Kysely<IdentityDb>, userId: string, target: RoleTarget): Promise<string[]> {
  const ancestors = target.kind === 'project' ? await ancestorIds(db, target) : []
  const rows = await db
    .selectFrom('assignments')
    .select('role_id')
    .distinct()
    .where(heldBy(userId))
    .where((eb) => {
      if (target.kind === 'system') return eb('target_id', '=', 'system')
      if (target.kind === 'domain') return eb.and([eb('target_id', '=', target.domainId), eb('inherited', '=', 0)])
      return eb.or([
        eb.and([eb('target_id', '=', target.projectId), eb('inherited', '=', 0)]),
        eb.and([eb('target_id', 'in', [target.domainId, ...ancestors]), eb('inherited', '=', 1)]),
      ])
    })
    .execute()
  return rows.map((r) => r.role_id)
}

/** Parent projects of a nested project, nearest first; none for a project directly under its domain. */
export async function ancestorIds(
  db: Kysely<IdentityDb>, project: { parentId: string | null; domainId: string },
): Promise<string[]> {
  const out: string[] = []
  let parent = project.parentId
  while (parent && parent !== project.domainId && !out.includes(parent)) {
    out.push(parent)
    const row = await db.selectFrom('projects').select('parent_id').where('id', '=', parent).executeTakeFirst()
    parent = row?.parent_id ?? null
  }
  return out
}
