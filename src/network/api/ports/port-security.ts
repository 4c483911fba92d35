/** A port's security groups: the requested ones must exist and belong to the port's project (admins may use any). */
import type { Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'

type Trx = Transaction<NetworkDb>

/** _get_security_groups_on_port: 404 SecurityGroupNotFound naming every group that is missing or not the project's. */
export async function checkSecurityGroups(trx: Trx, ids: readonly string[], projectId: string, anyProject: boolean): Promise<void> {
  if (!ids.length) return
  const rows = await trx.selectFrom('security_groups').select(['id', 'project_id']).where('id', 'in', [...ids]).execute()
  const valid = new Set(rows.filter((g) => anyProject || g.project_id === projectId).map((g) => g.id))
  const missing = [...new Set(ids)].filter((id) => !valid.has(id))
  if (missing.length) throw new NeutronError(404, 'SecurityGroupNotFound', `Security group ${missing.join(', ')} does not exist`)
}

/** Replaces the port's security group bindings (`isNew`: it has none yet, so nothing to delete and no gap locks taken). */
export async function setPortSecurityGroups(trx: Trx, portId: string, ids: readonly string[], isNew = false): Promise<void> {
  if (!isNew) await trx.deleteFrom('port_security_groups').where('port_id', '=', portId).execute()
  const unique = [...new Set(ids)]
  if (unique.length) {
    await trx.insertInto('port_security_groups').values(unique.map((id) => ({ port_id: portId, security_group_id: id }))).execute()
  }
}
