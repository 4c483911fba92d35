/** Images, members and tasks in Glance's JSON shapes, in one place so every route answers the same fields. */
import type { ImageConfig } from '../config.ts'
import type { ImageMemberRow, ImageTaskRow } from '../db/schema.ts'
import type { Image } from '../model/image.ts'

/** Extra properties Glance keeps on an image but never shows (which worker holds staged data). */
const hiddenProperties = new Set(['os_glance_stage_host', 'os_glance_hash_op_host'])

/** Glance's timeutils.isotime: seconds precision, Z. */
export function isoTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function renderImage(config: ImageConfig, image: Image): Record<string, unknown> {
  const r = image.row
  const view: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(image.properties)) if (!hiddenProperties.has(k)) view[k] = v
  Object.assign(view, {
    name: r.name, disk_format: r.disk_format, container_format: r.container_format, visibility: r.visibility,
    size: r.size, virtual_size: r.virtual_size, status: r.status, checksum: r.checksum, protected: r.protected === 1,
    min_ram: r.min_ram, min_disk: r.min_disk, owner: r.owner, os_hidden: r.os_hidden === 1,
    os_hash_algo: r.os_hash_algo, os_hash_value: r.os_hash_value, id: r.id,
    created_at: isoTime(r.created_at), updated_at: isoTime(r.updated_at),
  })
  if (config.showMultipleLocations) view.locations = image.locations.map((l) => ({ url: l.url, metadata: l.metadata }))
  if (config.showImageDirectUrl && image.locations.length) view.direct_url = image.locations[0].url
  view.tags = [...image.tags]
  view.self = `/v2/images/${r.id}`
  view.file = `/v2/images/${r.id}/file`
  view.schema = '/v2/schemas/image'
  const stores = image.locations.map((l) => l.metadata.store).filter((s): s is string => typeof s === 'string')
  if (stores.length) view.stores = stores.join(',')
  return view
}

export function renderMember(m: ImageMemberRow): Record<string, unknown> {
  return {
    member_id: m.member, image_id: m.image_id, status: m.status,
    created_at: isoTime(m.created_at), updated_at: isoTime(m.updated_at), schema: '/v2/schemas/member',
  }
}

/** A task as GET /v2/images/{id}/tasks lists it (Glance returns its tasks rows). */
export function renderTask(t: ImageTaskRow): Record<string, unknown> {
  return {
    id: t.id, type: t.type, status: t.status, owner: t.owner, image_id: t.image_id, request_id: t.request_id,
    user_id: t.user_id, input: JSON.parse(t.input), result: t.result ? JSON.parse(t.result) : null, message: t.message,
    expires_at: t.expires_at ? isoTime(t.expires_at) : null, created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at),
    deleted: false, deleted_at: null,
  }
}
