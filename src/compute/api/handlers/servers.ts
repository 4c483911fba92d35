/** /servers: the routes; show, update and delete here, list in server-list.ts, create in server-create.ts. */
import { isIP } from 'node:net'
import { route, type Route } from '../../../common/http/types.ts'
import { updateInstance } from '../../db/instances.ts'
import { badRequest, conflict, NovaError } from '../../errors.ts'
import { TaskState } from '../../model/states.ts'
import { authorize, isAdmin, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { deleteShelvedLeftovers } from '../actions/shelve.ts'
import { canonicalIpv6 } from '../access-ips.ts'
import { atLeast } from '../microversion.ts'
import { createServerSchema, updateServerSchema } from '../schemas/servers.ts'
import { beginTransition, serverForCaller, serverViewOf } from '../server-lookup.ts'
import { listServers } from './server-list.ts'
import { createServer } from './server-create.ts'

export function serversRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/servers', (req) => listServers(deps, req, false)),
    route('GET', '/servers/detail', (req) => listServers(deps, req, true)),
    route('POST', '/servers', (req) => createServer(deps, req), { body: createServerSchema }),
    route('GET', '/servers/:server_id', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'servers:show', { project_id: i.project_id })
      return { status: 200, body: { server: await serverViewOf(deps, req, i, 'detail') } }
    }),
    route('PUT', '/servers/:server_id', (req) => updateServer(deps, req), { body: updateServerSchema }),
    route('DELETE', '/servers/:server_id', (req) => deleteServer(deps, req, false)),
  ]
}
// ---------------------------------------------------------------- update, delete

async function updateServer(deps: ComputeApiDeps, req: ComputeRequest) {
  const s = (req.body as { server: Record<string, string | null | undefined> }).server
  const v = versionOf(req)
  const i = await serverForCaller(deps, req, req.params.server_id)
  authorize(deps, req, 'servers:update', { project_id: i.project_id })
  if (s.description !== undefined && !atLeast(v, '2.19')) throw badRequest("Invalid input for field/attribute server. Additional properties are not allowed ('description' was unexpected)")
  if (s.hostname !== undefined && !atLeast(v, '2.90')) throw badRequest("Invalid input for field/attribute server. Additional properties are not allowed ('hostname' was unexpected)")
  if (s.accessIPv4 !== undefined && isIP(s.accessIPv4 ?? '') !== 4) throw badRequest(`Invalid input for field/attribute accessIPv4. Value: ${s.accessIPv4}. '${s.accessIPv4}' is not a 'ipv4'`)
  if (s.accessIPv6 !== undefined && isIP(s.accessIPv6 ?? '') !== 6) throw badRequest(`Invalid input for field/attribute accessIPv6. Value: ${s.accessIPv6}. '${s.accessIPv6}' is not a 'ipv6'`)
  const changes: Record<string, unknown> = {}
  if (s.name !== undefined) changes.display_name = s.name
  if (s.description !== undefined) changes.display_description = s.description
  if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4
  if (s.accessIPv6 !== undefined) changes.access_ip_v6 = canonicalIpv6(s.accessIPv6 ?? '')
  if (s.hostname !== undefined) changes.hostname = s.hostname
  if (s['OS-DCF:diskConfig'] !== undefined) changes.system_metadata = { ...i.system_metadata, disk_config: s['OS-DCF:diskConfig'] }
  const updated = Object.keys(changes).length ? await updateInstance(deps.db, i.uuid, changes) : i
  if (!updated) throw new NovaError(404, `Instance ${i.uuid} could not be found.`)
  return { status: 200, body: { server: await serverViewOf(deps, req, updated, 'update') } }
}

/** Delete (and force delete): the agent removes the guest and its ports; a server never scheduled goes at once. */
export async function deleteServer(deps: ComputeApiDeps, req: ComputeRequest, force: boolean) {
  const i = await serverForCaller(deps, req, req.params.server_id)
  authorize(deps, req, force ? 'os-deferred-delete:force' : 'servers:delete', { project_id: i.project_id })
  if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
  if (i.task_state === TaskState.DELETING) return { status: 204 }
  const started = await beginTransition(deps, req, i, { action: 'delete', changes: { task_state: TaskState.DELETING }, record: 'delete', ignoreLock: true })
  await deleteShelvedLeftovers(deps, req, i)
  if (!started.host) {
    // Never reached a host (still scheduling, or failed before): nothing to tear down there.
    await deps.rpc.conductor.instanceDestroyed({ uuid: i.uuid })
    return { status: 204 }
  }
  await deps.rpc.castAgent(started.host, 'terminateInstance', { context: requestContext(deps, req), instance: started })
  return { status: 204 }
}
