/**
 * /servers/{id}/metadata: a server's user metadata listed, merged (POST), replaced (PUT), and read,
 * set or deleted one key at a time, as Nova's server_metadata.py: changes need an unlocked server
 * (admins pass) that is active, paused, suspended or stopped with no task under way, and the
 * result must fit the metadata_items quota.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { findInstance, updateInstance } from '../../db/instances.ts'
import { checkQuota } from '../../db/quotas.ts'
import { badRequest, conflict, instanceNotFound, invalidState, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { VmState } from '../../model/states.ts'
import { authorize, isAdmin, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { metadataSchema, metaItemSchema } from '../schemas/servers.ts'
import { serverForCaller } from '../server-lookup.ts'

type Metadata = Record<string, string>

/** Nova's check_instance_state on update/delete_instance_metadata. */
const CHANGEABLE_IN = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED] as string[]

const itemNotFound = () => notFound('Metadata item was not found')

export function serverMetadataRoutes(deps: ComputeApiDeps): Route[] {
  const server = async (req: ComputeRequest, action: string): Promise<Instance> => {
    const i = await serverForCaller(deps, req, req.params.server_id)
    authorize(deps, req, `server-metadata:${action}`, { project_id: i.project_id })
    return i
  }

  /**
   * Applies `change` to the server's current metadata after Nova's lock and state checks and
   * (but for deletes) the quota check of the result. The row changes only while still in an
   * allowed state (compare-and-set), so a racing action or a failed check leaves it as it was.
   */
  async function changeMetadata(
    req: ComputeRequest, i: Instance, what: string, change: (current: Metadata) => Metadata, opts: { checkQuota: boolean } = { checkQuota: true },
  ): Promise<Metadata> {
    if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
    if (!CHANGEABLE_IN.includes(i.vm_state)) throw invalidState(what, i.uuid, 'vm_state', i.vm_state)
    if (i.task_state !== null) throw invalidState(what, i.uuid, 'task_state', i.task_state)
    return deps.db.transaction().execute(async (trx) => {
      const now = await findInstance(trx, i.uuid)
      if (!now) throw instanceNotFound(i.uuid)
      const next = change(now.metadata)
      const items = Object.keys(next).length
      if (items && opts.checkQuota) await checkQuota(trx, deps.config, now.project_id, 'metadata_items', items)
      const updated = await updateInstance(trx, i.uuid, { metadata: next }, { vmState: CHANGEABLE_IN, taskState: [null] })
      if (!updated) {
        const state = await findInstance(trx, i.uuid)
        if (!state) throw instanceNotFound(i.uuid)
        throw invalidState(what, i.uuid, 'task_state', state.task_state)
      }
      return updated.metadata
    })
  }

  return [
    route('GET', '/servers/:server_id/metadata', async (req: ComputeRequest) => {
      const i = await server(req, 'index')
      return { status: 200, body: { metadata: i.metadata } }
    }),
    // 200, not 201, as Nova answers for backwards compatibility.
    route('POST', '/servers/:server_id/metadata', async (req: ComputeRequest) => {
      const { metadata } = req.body as { metadata: Metadata }
      const i = await server(req, 'create')
      const merged = await changeMetadata(req, i, 'update metadata', (current) => ({ ...current, ...metadata }))
      return { status: 200, body: { metadata: merged } }
    }, { body: metadataSchema }),
    route('PUT', '/servers/:server_id/metadata', async (req: ComputeRequest) => {
      const { metadata } = req.body as { metadata: Metadata }
      const i = await server(req, 'update_all')
      const replaced = await changeMetadata(req, i, 'update metadata', () => ({ ...metadata }))
      return { status: 200, body: { metadata: replaced } }
    }, { body: metadataSchema }),
    route('GET', '/servers/:server_id/metadata/:key', async (req: ComputeRequest) => {
      const i = await server(req, 'show')
      const key = req.params.key
      if (!Object.hasOwn(i.metadata, key)) throw itemNotFound()
      return { status: 200, body: { meta: { [key]: i.metadata[key] } } }
    }),
    route('PUT', '/servers/:server_id/metadata/:key', async (req: ComputeRequest) => {
      const { meta } = req.body as { meta: Metadata }
      const i = await server(req, 'update')
      const key = req.params.key
      if (!Object.hasOwn(meta, key)) throw badRequest('Request body and URI mismatch')
      await changeMetadata(req, i, 'update metadata', (current) => ({ ...current, ...meta }))
      return { status: 200, body: { meta } }
    }, { body: metaItemSchema }),
    route('DELETE', '/servers/:server_id/metadata/:key', async (req: ComputeRequest) => {
      const i = await server(req, 'delete')
      const key = req.params.key
      if (!Object.hasOwn(i.metadata, key)) throw itemNotFound()
      await changeMetadata(req, i, 'delete metadata', (current) => {
        if (!Object.hasOwn(current, key)) throw itemNotFound()
        const { [key]: _gone, ...rest } = current
        return rest
      }, { checkQuota: false })
      return { status: 204 }
    }),
  ]
}
