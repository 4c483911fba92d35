/**
 * addSecurityGroup and removeSecurityGroup: the group (by name in the caller's project, or by id)
 * put on or taken off every port of the server through the network service with the caller's
 * token. The server's own list of group names follows, so its view shows the change.
 */
import { callerOf } from '../../../identity/auth-middleware.ts'
import { updateInstance } from '../../db/instances.ts'
import { badRequest } from '../../errors.ts'
import { addToInstance, removeFromInstance } from '../../network/security-group-api.ts'
import { authorize, projectOf } from '../context.ts'
import { accepted, type ServerAction } from './action.ts'

/** The group name of the action's body, with Nova's words for a bad one. */
function groupName(body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Missing parameter dict')
  if (!('name' in body)) throw badRequest('Security group not specified')
  const name = (body as { name: unknown }).name
  if (typeof name !== 'string' || !name.trim()) throw badRequest('Security group name cannot be empty')
  return name
}

function groupAction(policy: 'add' | 'remove'): ServerAction {
  return async (deps, req, i, body) => {
    authorize(deps, req, `os-security-groups:${policy}`, { project_id: i.project_id })
    const name = groupName(body)
    const client = deps.network.forUser(callerOf(req).token)
    const change = policy === 'add' ? addToInstance : removeFromInstance
    const group = await change(client, i.uuid, projectOf(req), name)
    const label = group.name || group.id
    const names = policy === 'add'
      ? [...new Set([...i.security_groups, label])]
      : i.security_groups.filter((n) => n !== label && n !== group.id)
    await updateInstance(deps.db, i.uuid, { security_groups: names })
    return accepted()
  }
}

export const securityGroupActions: Record<string, ServerAction> = {
  addSecurityGroup: groupAction('add'),
  removeSecurityGroup: groupAction('remove'),
}
