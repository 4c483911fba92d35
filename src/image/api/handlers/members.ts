/**
 * /v2/images/{id}/members (glance/api/v2/image_members.py). Only `shared` images have members; the
 * owner adds and removes them, each member project accepts or rejects for itself. A caller sees
 * every membership of images it owns and only its own membership of others' (image_member_find).
 */
import { nowIso } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { ImageMemberRow } from '../../db/schema.ts'
import type { Image } from '../../model/image.ts'
import { enforceOnImage, loadImage, viewerOf, type ImageDeps, type ImageRequest, type Viewer } from '../context.ts'
import { QuotaExceeded } from '../quotas.ts'
import { renderMember } from '../render.ts'

const memberStatuses = ['pending', 'accepted', 'rejected']

export function membersRoutes(deps: ImageDeps): Route[] {
  const { db } = deps
  const lookupImage = (viewer: Viewer, id: string) => loadImage(deps, viewer, id, (i) => new NotFound(`Image ${i} not found.`))

  /** Glance's MemberAPIPolicy: get_image on the image first, then the member rule, both on the image. */
  const enforceMember = (viewer: Viewer, image: Image, action: string) => {
    enforceOnImage(deps, viewer, 'get_image', image)
    enforceOnImage(deps, viewer, action, image)
  }

  /** Memberships of the image the caller may see: all for the owner or an admin, else its own. */
  async function visibleMembers(viewer: Viewer, image: Image): Promise<ImageMemberRow[]> {
    let q = db.selectFrom('image_members').selectAll().where('image_id', '=', image.row.id)
    if (!viewer.isAdmin && image.row.owner !== viewer.projectId) q = q.where('member', '=', viewer.projectId ?? '')
    return q.orderBy('created_at').orderBy('member').execute()
  }

  async function lookupMember(viewer: Viewer, image: Image, memberId: string): Promise<ImageMemberRow> {
    enforceMember(viewer, image, 'get_member')
    const found = (await visibleMembers(viewer, image)).find((m) => m.member === memberId)
    if (!found) throw new NotFound(`${memberId} not found in the member list of the image ${image.row.id}.`)
    return found
  }

  const onlyShared = (image: Image, message: string) => {
    if (image.row.visibility !== 'shared') throw new Forbidden(message)
  }

  async function create(req: ImageRequest) {
    const body = req.body as Record<string, unknown> | undefined
    if (body === undefined) throw new BadRequest('Body expected in request.')
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Expected a member in the form: {"member": "image_id"}')
    if (!('member' in body)) throw new BadRequest('Member to be added not specified')
    const memberId = body.member
    if (!memberId) throw new BadRequest("Member can't be empty")
    if (typeof memberId !== 'string') throw new BadRequest('Expected a member in the form: {"member": "image_id"}')
    const viewer = viewerOf(deps, req)
    const image = await lookupImage(viewer, req.params.image_id)
    const id = image.row.id
    onlyShared(image, `Not allowed to create members for image ${id}.`)
    enforceMember(viewer, image, 'add_member')
    const max = deps.config.imageMemberQuota
    if (max >= 0) {
      const count = (await db.selectFrom('image_members').select('member').where('image_id', '=', id).execute()).length
      if (count + 1 > max) {
        throw new QuotaExceeded(`Image member limit exceeded for image ${id}: The limit has been exceeded on the number of `
          + `allowed image members for this image. Attempted: ${count + 1}, Maximum: ${max}:`)
      }
    }
    const now = nowIso()
    const row: ImageMemberRow = { image_id: id, member: memberId, status: 'pending', created_at: now, updated_at: now }
    try {
      await db.insertInto('image_members').values(row).execute()
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Member ${memberId} is duplicated for image ${id}`)
      throw err
    }
    deps.log.info('added image member', { image_id: id, member: memberId })
    return { status: 200, body: renderMember(row) }
  }

  async function list(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await lookupImage(viewer, req.params.image_id)
    onlyShared(image, `Not allowed to list members for image ${image.row.id}: Only shared images have members.`)
    enforceMember(viewer, image, 'get_members')
    const members = (await visibleMembers(viewer, image)).map(renderMember)
    return { status: 200, body: { members, schema: '/v2/schemas/members' } }
  }

  async function show(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await lookupImage(viewer, req.params.image_id)
    if (image.row.visibility !== 'shared') throw new NotFound('Only shared images have members.')
    try {
      return { status: 200, body: renderMember(await lookupMember(viewer, image, req.params.member_id)) }
    } catch (err) {
      if (err instanceof Forbidden) throw new NotFound(err.message)
      throw err
    }
  }

  async function update(req: ImageRequest) {
    const body = req.body as Record<string, unknown> | undefined
    if (body === undefined) throw new BadRequest('Body expected in request.')
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Expected a status in the form: {"status": "status"}')
    if (!('status' in body)) throw new BadRequest('Status not specified')
    const viewer = viewerOf(deps, req)
    const image = await lookupImage(viewer, req.params.image_id)
    onlyShared(image, `Not allowed to update members for image ${image.row.id}.`)
    const member = await lookupMember(viewer, image, req.params.member_id)
    enforceMember(viewer, image, 'modify_member')
    if (!memberStatuses.includes(body.status as string)) {
      throw new BadRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".')
    }
    const updated = { ...member, status: body.status as string, updated_at: nowIso() }
    await db.updateTable('image_members').set({ status: updated.status, updated_at: updated.updated_at })
      .where('image_id', '=', member.image_id).where('member', '=', member.member).execute()
    deps.log.info('image member status changed', { image_id: member.image_id, member: member.member, status: updated.status })
    return { status: 200, body: renderMember(updated) }
  }

  async function remove(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await lookupImage(viewer, req.params.image_id)
    onlyShared(image, `Not allowed to delete members for image ${image.row.id}.`)
    const member = await lookupMember(viewer, image, req.params.member_id)
    enforceMember(viewer, image, 'delete_member')
    await db.deleteFrom('image_members').where('image_id', '=', member.image_id).where('member', '=', member.member).execute()
    deps.log.info('removed image member', { image_id: member.image_id, member: member.member })
    return { status: 204 }
  }

  return [
    route('POST', '/v2/images/:image_id/members', create),
    route('GET', '/v2/images/:image_id/members', list),
    route('GET', '/v2/images/:image_id/members/:member_id', show),
    route('PUT', '/v2/images/:image_id/members/:member_id', update),
    route('DELETE', '/v2/images/:image_id/members/:member_id', remove),
  ]
}
