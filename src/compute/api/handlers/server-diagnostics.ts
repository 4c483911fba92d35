/**
 * /servers/{id}/diagnostics (admin): the guest's usage data, asked of its host's agent. 409 when
 * the server has no host (Nova's InstanceNotReady) or its guest is not running.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { conflict, fromAgent } from '../../errors.ts'
import { authorize, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'
import { diagnosticsView, legacyDiagnosticsView } from '../views/diagnostics.ts'

export function serverDiagnosticsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/servers/:server_id/diagnostics', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-server-diagnostics', { project_id: i.project_id })
      if (!i.host) throw conflict(`Instance ${i.uuid} is not ready`)
      const d = await deps.rpc.agent(i.host).getDiagnostics({ context: requestContext(deps, req), instance: i }).catch((err) => {
        throw fromAgent(err)
      })
      return { status: 200, body: atLeast(versionOf(req), '2.48') ? diagnosticsView(d) : legacyDiagnosticsView(d) }
    }),
  ]
}
