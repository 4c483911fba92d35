/** `POST /servers/{id}/action`: one action per request, named by the body's only key. */
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest } from '../../errors.ts'
import type { ServerAction } from '../actions/action.ts'
import { moreActions } from '../actions/more.ts'
import { powerActions } from '../actions/power.ts'
import { securityGroupActions } from '../actions/security-groups.ts'
import { floatingIpActions } from './floating-ips.ts'
import type { ComputeApiDeps, ComputeRequest } from '../context.ts'
import { serverForCaller } from '../server-lookup.ts'

const actions: Record<string, ServerAction> = { ...powerActions, ...moreActions, ...securityGroupActions, ...floatingIpActions }

export function serverActionsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('POST', '/servers/:server_id/action', async (req: ComputeRequest) => {
      const body = req.body
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Malformed request body')
      const keys = Object.keys(body)
      const name = keys.find((k) => Object.hasOwn(actions, k))
      if (!name || keys.length !== 1) throw badRequest('There is no such action: ' + (keys[0] ?? ''))
      const instance = await serverForCaller(deps, req, req.params.server_id)
      return actions[name](deps, req, instance, (body as Record<string, unknown>)[name])
    }),
  ]
}
