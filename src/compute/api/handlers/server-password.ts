/**
 * /servers/{id}/os-server-password: the encrypted password the guest posted to the metadata
 * service ('' when none), and DELETE to forget it (the guest's own password is not changed).
 */
import { route, type Route } from '../../../common/http/types.ts'
import { findInstance, updateInstance } from '../../db/instances.ts'
import { instanceNotFound } from '../../errors.ts'
import { extractPassword, passwordMetadata } from '../../model/server-password.ts'
import { authorize, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { serverForCaller } from '../server-lookup.ts'

export function serverPasswordRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/servers/:server_id/os-server-password', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-server-password:show', { project_id: i.project_id })
      return { status: 200, body: { password: extractPassword(i.system_metadata) } }
    }),
    route('DELETE', '/servers/:server_id/os-server-password', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-server-password:clear', { project_id: i.project_id })
      // Re-read inside the transaction so other system_metadata written meanwhile is kept.
      await deps.db.transaction().execute(async (trx) => {
        const now = await findInstance(trx, i.uuid)
        if (!now) throw instanceNotFound(i.uuid)
        await updateInstance(trx, i.uuid, { system_metadata: { ...now.system_metadata, ...passwordMetadata(null) } })
      })
      return { status: 204 }
    }),
  ]
}
