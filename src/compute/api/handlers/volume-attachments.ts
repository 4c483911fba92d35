/**
 * GET /servers/{id}/os-volume_attachments and .../{volume_id}: the volumes attached to a server,
 * from its block device mappings, in the fields of each microversion (tag 2.70,
 * delete_on_termination 2.79, attachment_id and bdm_uuid instead of id 2.89). Attaching and
 * detaching come with the block storage service; until then no server has a volume and the list
 * is empty, as `openstack server volume list` shows it.
 */
import { route, type Route } from '../../../common/http/types.ts'
import type { BlockDeviceMappingRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { intQuery, rejectUnknownQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'

type Bdm = Omit<BlockDeviceMappingRow, 'id'>

function attachmentView(req: ComputeRequest, b: Bdm): Record<string, unknown> {
  const v = versionOf(req)
  const withIds = atLeast(v, '2.89')
  const out: Record<string, unknown> = withIds ? {} : { id: b.volume_id }
  out.volumeId = b.volume_id
  out.serverId = b.instance_uuid
  if (b.device_name) out.device = b.device_name
  if (atLeast(v, '2.70')) out.tag = b.tag
  if (atLeast(v, '2.79')) out.delete_on_termination = Boolean(Number(b.delete_on_termination))
  if (withIds) {
    out.attachment_id = b.attachment_id
    out.bdm_uuid = b.uuid
  }
  return out
}

export function volumeAttachmentRoutes(deps: ComputeApiDeps): Route[] {
  const mappingsOf = (uuid: string) => deps.db.selectFrom('block_device_mappings').selectAll().where('instance_uuid', '=', uuid).orderBy('id').execute()
  return [
    route('GET', '/servers/:server_id/os-volume_attachments', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['limit', 'offset'], '2.75')
      const limit = Math.min(intQuery(req, 'limit') || deps.config.maxLimit, deps.config.maxLimit)
      const offset = intQuery(req, 'offset') ?? 0
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-volumes-attachments:index', { project_id: i.project_id })
      // As Nova: the page is cut from all of the server's mappings, then the ones without a volume are left out.
      const page = (await mappingsOf(i.uuid)).slice(offset, offset + limit)
        .filter((b) => b.volume_id && (!atLeast(versionOf(req), '2.89') || b.attachment_id !== null))
      return { status: 200, body: { volumeAttachments: page.map((b) => attachmentView(req, b)) } }
    }),
    route('GET', '/servers/:server_id/os-volume_attachments/:volume_id', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-volumes-attachments:show', { project_id: i.project_id })
      const volumeId = req.params.volume_id
      const b = (await mappingsOf(i.uuid)).find((m) => m.volume_id === volumeId)
      if (!b || (atLeast(versionOf(req), '2.89') && b.attachment_id === null)) {
        throw notFound(`Instance ${req.params.server_id} is not attached to volume ${volumeId}`)
      }
      return { status: 200, body: { volumeAttachment: attachmentView(req, b) } }
    }),
  ]
}
