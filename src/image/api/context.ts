/**
 * @module What every image handler gets (database, stores, policy, config) and the per-request
 * helpers: who is calling, which images they may see (glance/db/utils.py is_image_visible), and
 * Glance's policy enforcement, where a denial on an image the caller cannot see becomes a 404.
 */
import type { Kysely } from 'kysely'
import { Forbidden, NotFound } from '../../common/errors.ts'
import type { ApiRequest } from '../../common/http/types.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PolicyCredentials, PolicyEnforcer } from '../../common/policy/policy-enforcer.ts'
import { callerOf, policyCredentials, type AuthCtx } from '../../identity/auth-middleware.ts'
import type { ImageConfig } from '../config.ts'
import { findImageRow, findMembership, loadImages } from '../db/image-repo.ts'
import type { ImageDb, ImageRow } from '../db/schema.ts'
import type { Image } from '../model/image.ts'
import type { ImageStore, PendingData } from '../stores/store.ts'

/** Checks finished upload data against the image's disk_format; throws a 4xx CloudError to refuse it. */
export type UploadInspector = (data: PendingData, diskFormat: string) => Promise<{ virtualSize: number | null }>

/** Work that outlives its request (imports); stop() waits for it. */
export type BackgroundWork = { run(name: string, work: () => Promise<void>): void }

export type ImageDeps = {
  db: Kysely<ImageDb>
  config: ImageConfig
  log: Logger
  policy: PolicyEnforcer
  /** Where image data lives (Glance store id `file`). */
  store: ImageStore
  /** The interoperable-import staging area. */
  staging: ImageStore
  inspect: UploadInspector
  background: BackgroundWork
}

export type ImageRequest = ApiRequest<AuthCtx>

export type Viewer = {
  userId: string
  projectId: string | undefined
  isAdmin: boolean
  creds: PolicyCredentials
}

export function viewerOf(deps: ImageDeps, req: ImageRequest): Viewer {
  const caller = callerOf(req)
  const creds = policyCredentials(caller)
  return {
    userId: caller.userId,
    projectId: caller.projectId,
    isAdmin: deps.policy.authorize('context_is_admin', {}, creds),
    creds,
  }
}

/** The policy target Glance builds from an image (ImageTarget): its attributes, extra properties, aliases. */
export function imageTarget(image: Image): Record<string, unknown> {
  const r = image.row
  return {
    ...image.properties,
    id: r.id, image_id: r.id, name: r.name, status: r.status, visibility: r.visibility,
    protected: r.protected === 1, os_hidden: r.os_hidden === 1, owner: r.owner, project_id: r.owner,
    member: image.member, member_id: image.member, disk_format: r.disk_format, container_format: r.container_format,
    size: r.size, virtual_size: r.virtual_size, checksum: r.checksum, min_disk: r.min_disk, min_ram: r.min_ram,
    tags: image.tags,
  }
}

export const policyDenied = (action: string) => new Forbidden(`You are not authorized to complete ${action} action.`)

export function authorize(deps: ImageDeps, viewer: Viewer, action: string, target: Record<string, unknown>): boolean {
  return deps.policy.authorize(action, target, viewer.creds)
}

/** Glance's ImageAPIPolicy._enforce: 403, or 404 when get_image fails on the same image too. */
export function enforceOnImage(deps: ImageDeps, viewer: Viewer, action: string, image: Image): void {
  const target = imageTarget(image)
  if (authorize(deps, viewer, action, target)) return
  if (action === 'get_image' || !authorize(deps, viewer, 'get_image', target)) {
    throw new NotFound('The resource could not be found.')
  }
  throw policyDenied(action)
}

/** Glance's is_image_visible: admins, ownerless, public and community images, the owner, and members of shared ones. */
export async function canSee(deps: ImageDeps, viewer: Viewer, row: ImageRow): Promise<boolean> {
  if (viewer.isAdmin || row.owner === null) return true
  if (row.visibility === 'public' || row.visibility === 'community') return true
  if (!viewer.projectId) return false
  if (row.owner === viewer.projectId) return true
  return row.visibility === 'shared' && (await findMembership(deps.db, row.id, viewer.projectId)) !== undefined
}

/** Glance's `image.member`: set when the caller's project is a member (any status) of someone else's shared image. */
export async function memberAttribute(deps: ImageDeps, viewer: Viewer, row: ImageRow): Promise<string | null> {
  if (row.visibility !== 'shared' || !viewer.projectId || row.owner === viewer.projectId) return null
  return (await findMembership(deps.db, row.id, viewer.projectId)) ? viewer.projectId : null
}

/** The image if it exists and the caller may see it; otherwise `notFound(id)` (Glance's message differs per API). */
export async function loadImage(
  deps: ImageDeps, viewer: Viewer, id: string, notFound: (id: string) => Error = (i) => new NotFound(`No image found with ID ${i}`),
): Promise<Image> {
  const row = await findImageRow(deps.db, id)
  if (!row || !(await canSee(deps, viewer, row))) throw notFound(id)
  const member = await memberAttribute(deps, viewer, row)
  const [image] = await loadImages(deps.db, [row], () => member)
  return image
}
