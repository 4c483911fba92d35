/** /v2/images: create, list, show, delete, and the deactivate/reactivate actions (glance/api/v2/images.py, image_actions.py). */
import { randomUUID } from 'node:crypto'
import { nowIso } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { listImageRows } from '../../db/image-list.ts'
import { findImageRow, imageIdTaken, loadImages, transitionImage } from '../../db/image-repo.ts'
import type { ImageRow } from '../../db/schema.ts'
import type { Image } from '../../model/image.ts'
import {
  authorize, canSee, enforceOnImage, loadImage, memberAttribute, policyDenied, viewerOf,
  type ImageDeps, type ImageRequest, type Viewer,
} from '../context.ts'
import { parseListParams } from '../list-query.ts'
import { reservedNamespace, reservedProperties } from '../patch.ts'
import { enforceQuota, QuotaExceeded } from '../quotas.ts'
import { renderImage } from '../render.ts'
import type { ImageSchemas } from '../schemas.ts'
import { removeImageData } from './image-data.ts'

const disallowedOnCreate = ['direct_url', 'self', 'file', 'schema', 'stores']
const readonlyOnCreate = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size']
const baseOnCreate = new Set([
  'checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram', 'name', 'size', 'virtual_size',
  'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden',
])
const dbIntMax = 2 ** 31 - 1

/** Glance's domain setters for min_disk/min_ram plus the database's integer range. */
export function checkMinimum(param: 'min_disk' | 'min_ram', value: unknown): void {
  if (typeof value === 'number' && value < 0) {
    throw new BadRequest(`Invalid value '${value}' for parameter '${param}': Cannot be a negative value`)
  }
  if (typeof value === 'number' && value > dbIntMax) throw new BadRequest(`'${param}' value out of range, must not exceed ${dbIntMax}.`)
}

export function checkPropertyQuota(deps: ImageDeps, properties: Record<string, string>): void {
  const max = deps.config.imagePropertyQuota
  const count = Object.keys(properties).length
  if (max >= 0 && count > max) {
    throw new QuotaExceeded(`The limit has been exceeded on the number of allowed image properties. Attempted: ${count}, Maximum: ${max}`)
  }
}

export function checkTagQuota(deps: ImageDeps, tags: string[]): void {
  const max = deps.config.imageTagQuota
  if (max >= 0 && tags.length > max) {
    throw new QuotaExceeded(`The limit has been exceeded on the number of allowed image tags. Attempted: ${tags.length}, Maximum: ${max}`)
  }
}

/** Glance's visibility policies: making an image public or community needs its own rule. */
export function enforceVisibility(deps: ImageDeps, viewer: Viewer, visibility: unknown, target: Record<string, unknown>): void {
  const action = visibility === 'public' ? 'publicize_image' : visibility === 'community' ? 'communitize_image' : undefined
  if (action && !authorize(deps, viewer, action, target)) throw policyDenied(action)
}

export function imagesRoutes(deps: ImageDeps, schemas: ImageSchemas): Route[] {
  const { db, config } = deps
  const show = (image: Image) => renderImage(config, image)

  async function create(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const body = req.body
    if (body === undefined) throw new BadRequest('Body expected in request.')
    if (!body || typeof body !== 'object' || Array.isArray(body)) schemas.validateImage(body as never)
    const fields = { ...(body as Record<string, unknown>) }
    for (const key of disallowedOnCreate) if (key in fields) throw new Forbidden(`Attribute '${key}' is read-only.`)
    schemas.validateImage(fields)
    const tags = [...new Set((fields.tags as string[] | undefined) ?? [])]
    const base: Record<string, unknown> = {}
    const extra: Record<string, string> = {}
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'tags') continue
      if (baseOnCreate.has(k)) base[k] = v
      else extra[k] = v as string
    }
    for (const key of Object.keys(extra)) {
      if (key.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.')
      if (reservedProperties.has(key) || key.startsWith(reservedNamespace)) throw new Forbidden(`Attribute '${key}' is reserved.`)
    }
    const owner = 'owner' in base ? (base.owner as string | null) : (viewer.projectId ?? null)
    const target = { project_id: owner, owner, visibility: (base.visibility as string | undefined) ?? 'private' }
    if (!authorize(deps, viewer, 'add_image', target)) {
      if (owner !== viewer.projectId) throw new Forbidden(`You are not permitted to create images owned by '${owner}'`)
      throw policyDenied('add_image')
    }
    enforceVisibility(deps, viewer, target.visibility, target)
    await enforceQuota(deps, viewer.projectId, 'image_count_total', 1)
    for (const key of readonlyOnCreate) if (key in base) throw new Forbidden(`Attribute '${key}' is read-only.`)
    for (const key of ['locations', 'owner', 'deleted', 'deleted_at']) if (key in extra) throw new Forbidden(`Attribute '${key}' is reserved.`)
    checkMinimum('min_disk', base.min_disk)
    checkMinimum('min_ram', base.min_ram)
    checkPropertyQuota(deps, extra)
    checkTagQuota(deps, tags)
    const now = nowIso()
    const row: ImageRow = {
      id: (base.id as string | undefined) ?? randomUUID(), name: (base.name as string | null | undefined) ?? null, owner,
      status: 'queued', visibility: (base.visibility as string | undefined) ?? 'shared',
      protected: base.protected ? 1 : 0, os_hidden: base.os_hidden ? 1 : 0,
      disk_format: (base.disk_format as string | null | undefined) ?? null,
      container_format: (base.container_format as string | null | undefined) ?? null,
      size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null,
      min_disk: (base.min_disk as number | undefined) ?? 0, min_ram: (base.min_ram as number | undefined) ?? 0,
      created_at: now, updated_at: now, deleted: 0, deleted_at: null, staging_location: null,
    }
    const duplicate = () => new Conflict(`Image ID ${row.id} already exists!`)
    if (await imageIdTaken(db, row.id)) throw duplicate()
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('images').values(row).execute()
        const props = Object.entries(extra).map(([name, value]) => ({ image_id: row.id, name, value }))
        if (props.length) await trx.insertInto('image_properties').values(props).execute()
        if (tags.length) await trx.insertInto('image_tags').values(tags.map((value) => ({ image_id: row.id, value }))).execute()
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate()
      throw err
    }
    deps.log.info('created image', { image_id: row.id, owner, visibility: row.visibility })
    const image = await loadImage(deps, viewer, row.id)
    return {
      status: 201,
      headers: {
        location: `${req.baseUrl}/v2/images/${row.id}`,
        'openstack-image-import-methods': config.enabledImportMethods.join(','),
        'openstack-image-store-ids': deps.store.id,
      },
      body: show(image),
    }
  }

  async function list(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const params = parseListParams(req.query, { defaultLimit: config.limitParamDefault, maxLimit: config.apiLimitMax })
    if (!authorize(deps, viewer, 'get_images', { project_id: viewer.projectId })) throw policyDenied('get_images')
    let marker: ImageRow | undefined
    if (params.marker !== undefined) {
      marker = await findImageRow(db, params.marker)
      if (!marker) throw new BadRequest(`No image found with ID ${params.marker}`)
      if (!(await canSee(deps, viewer, marker))) throw new Forbidden(`Forbidding request, image ${marker.id} not visible`)
    }
    const rows = await listImageRows(db, { ...params, projectId: viewer.projectId, isAdmin: viewer.isAdmin, marker })
    const members = new Map<string, string | null>()
    for (const row of rows) members.set(row.id, await memberAttribute(deps, viewer, row))
    const images = (await loadImages(db, rows, (row) => members.get(row.id) ?? null))
      .filter((image) => {
        try {
          enforceOnImage(deps, viewer, 'get_image', image)
          return true
        } catch {
          return false
        }
      })
    const query = new URLSearchParams(req.query)
    query.delete('marker')
    const qs = query.toString()
    const out: Record<string, unknown> = {
      images: images.map(show), first: `/v2/images${qs ? `?${qs}` : ''}`, schema: '/v2/schemas/images',
    }
    if (images.length && rows.length === params.limit) {
      query.set('marker', images.at(-1)!.row.id)
      out.next = `/v2/images?${query.toString()}`
    }
    return { status: 200, body: out }
  }

  async function get(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id)
    enforceOnImage(deps, viewer, 'get_image', image)
    return { status: 200, body: show(image) }
  }

  async function remove(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const id = req.params.image_id
    const notFound = (i: string) => new NotFound(`Failed to find image ${i} to delete`)
    const image = await loadImage(deps, viewer, id, notFound)
    enforceOnImage(deps, viewer, 'delete_image', image)
    if (image.row.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`)
    const now = nowIso()
    const deleted = await db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('images')
        .set({ status: 'deleted', deleted: 1, deleted_at: now, updated_at: now, staging_location: null })
        .where('id', '=', id).where('deleted', '=', 0).executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      for (const table of ['image_properties', 'image_tags', 'image_members', 'image_locations'] as const) {
        await trx.deleteFrom(table).where('image_id', '=', id).execute()
      }
      return true
    })
    if (!deleted) throw notFound(id)
    await removeImageData(deps, image)
    deps.log.info('deleted image', { image_id: id })
    return { status: 204 }
  }

  /** deactivate/reactivate: a no-op when already there, 403 from any other status (Glance's domain rule). */
  function action(name: 'deactivate' | 'reactivate') {
    const [from, to] = name === 'deactivate' ? ['active', 'deactivated'] : ['deactivated', 'active']
    return async (req: ImageRequest) => {
      const viewer = viewerOf(deps, req)
      const image = await loadImage(deps, viewer, req.params.image_id)
      enforceOnImage(deps, viewer, name, image)
      const status = image.row.status
      if (status === to) return { status: 204 }
      if (status !== from) throw new Forbidden(`Not allowed to ${name} image in status '${status}'`)
      if (!(await transitionImage(db, image.row.id, from, { status: to }))) {
        throw new Conflict(`Image status transition from ${from} to ${to} is not allowed`)
      }
      deps.log.info(`${name}d image`, { image_id: image.row.id })
      return { status: 204 }
    }
  }

  return [
    route('POST', '/v2/images', create),
    route('GET', '/v2/images', list),
    route('GET', '/v2/images/:image_id', get),
    route('DELETE', '/v2/images/:image_id', remove),
    route('POST', '/v2/images/:image_id/actions/deactivate', action('deactivate')),
    route('POST', '/v2/images/:image_id/actions/reactivate', action('reactivate')),
  ]
}
