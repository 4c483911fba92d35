/** The per-project `default` security group, created on first need with the rules of the templates. */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb, SecurityGroupRuleRow } from '../../db/schema.ts'
import type { NetworkDeps } from '../context.ts'
import { inTransaction } from '../ports/retry.ts'
import { newStandardAttrs } from '../standard-attrs.ts'
import { normalizedCidr } from './rule-validation.ts'
import { defaultGroupOf, engineOf, type Db } from './security-group-store.ts'

/** Neutron's DEFAULT_SG_DESCRIPTION. */
export const DEFAULT_GROUP_DESCRIPTION = 'Default security group'

/**
 * Id of the project's default group, creating it when missing: name `default`, the rule templates
 * marked used_in_default_sg (by default ingress from the group itself and egress anywhere, IPv4 and
 * IPv6). Race-safe: concurrent callers for one project all get the one group that won the
 * default_security_groups key. Given a transaction it works inside it (the caller's rollback also
 * drops the group); given the connection it runs its own. Callers decide who may trigger it:
 * Neutron lets a non-admin do so only for its own project.
 */
export async function ensureDefaultSecurityGroup(_deps: NetworkDeps, db: Kysely<NetworkDb> | Transaction<NetworkDb>, projectId: string): Promise<string> {
  const existing = await defaultGroupOf(db, projectId)
  if (existing) return existing
  if (db.isTransaction) return createDefaultGroup(db, projectId)
  // A deadlock victim (InnoDB gap locks when several first requests race) runs again.
  return inTransaction(db, (trx) => createDefaultGroup(trx, projectId))
}

async function createDefaultGroup(trx: Db, projectId: string): Promise<string> {
  const already = await defaultGroupOf(trx, projectId)
  if (already) return already
  const groupId = randomUUID()
  await trx.insertInto('security_groups').values({
    id: groupId, project_id: projectId, name: 'default', stateful: 1, ...newStandardAttrs(DEFAULT_GROUP_DESCRIPTION),
  }).execute()
  await createRulesFromTemplates(trx, { id: groupId, projectId, isDefault: true })
  const claim = trx.insertInto('default_security_groups').values({ project_id: projectId, security_group_id: groupId })
  const result = engineOf(trx) === 'mysql'
    ? await claim.ignore().executeTakeFirst()
    : await claim.onConflict((oc) => oc.column('project_id').doNothing()).executeTakeFirst()
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return groupId
  // Another transaction created the project's default group first: drop ours and use theirs.
  await trx.deleteFrom('security_group_rules').where('security_group_id', '=', groupId).execute()
  await trx.deleteFrom('security_groups').where('id', '=', groupId).execute()
  const winner = await defaultGroupOf(trx, projectId, { shared: true })
  if (!winner) throw new Error(`default security group of project ${projectId} vanished while being created`)
  return winner
}

/**
 * Gives a new group the rules of the templates that apply to it (Neutron's
 * _create_rules_from_template): remote group `PARENT` becomes the group itself; the template's
 * description is not copied. Returns the rows inserted.
 */
export async function createRulesFromTemplates(db: Db, group: { id: string; projectId: string; isDefault: boolean }): Promise<SecurityGroupRuleRow[]> {
  const templates = await db.selectFrom('security_group_default_rules').selectAll()
    .where(group.isDefault ? 'used_in_default_sg' : 'used_in_non_default_sg', '=', 1).execute()
  const rows: SecurityGroupRuleRow[] = templates.map((t) => ({
    id: randomUUID(),
    project_id: group.projectId,
    security_group_id: group.id,
    direction: t.direction,
    ethertype: t.ethertype,
    protocol: t.protocol,
    port_range_min: t.port_range_min,
    port_range_max: t.port_range_max,
    remote_ip_prefix: t.remote_ip_prefix,
    remote_group_id: t.remote_group_id === 'PARENT' ? group.id : t.remote_group_id,
    remote_address_group_id: t.remote_address_group_id,
    normalized_cidr: normalizedCidr(t.remote_ip_prefix),
    ...newStandardAttrs(''),
  }))
  if (rows.length) await db.insertInto('security_group_rules').values(rows).execute()
  return rows
}
