/**
 * /images and /images/{id}/metadata: Nova's proxy to the image service, with the caller's token,
 * below microversion 2.36 (images) and 2.39 (image metadata). Glance's images are shown in
 * Nova's old view: status in capitals with a progress, minRam/minDisk, custom properties as
 * `metadata`, the server a snapshot came from.
 */
import { CloudError } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import type { ImageClient, ImageView } from '../../../image/client.ts'
import { badRequest, forbidden, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { intQuery, limitAndMarker, nextLinks, resourceLinks, timeQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'

/** Glance's own fields; every other key of an image is a custom property (Nova's `metadata`). */
const CORE_FIELDS = new Set([
  'id', 'name', 'status', 'visibility', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'protected', 'os_hidden', 'tags', 'created_at', 'updated_at',
  'file', 'schema', 'self', 'direct_url', 'locations',
  // Where the data is kept: Glance reports it, a Nova on a single-store Glance never shows it as metadata.
  'stores',
])
/** Properties Glance keeps for itself: shown, but never removed by a metadata replace. */
const reserved = (key: string) => key.startsWith('os_glance_')

const STATUS: Record<string, string> = {
  active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', uploading: 'SAVING', importing: 'SAVING',
  deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR', deactivated: 'UNKNOWN',
}
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, uploading: 50, importing: 50, active: 100 }

/** Nova's status filter back to Glance's (the API lower-cases it, as Nova does). */
const GLANCE_STATUS: Record<string, string[]> = { ACTIVE: ['active'], SAVING: ['queued', 'saving', 'uploading', 'importing'], ERROR: ['killed'] }

const isoSeconds = (t: string | undefined) => (t ? `${t.slice(0, 19)}Z` : null)

function propertiesOf(image: ImageView): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(image)) if (!CORE_FIELDS.has(k) && v !== null && v !== undefined) out[k] = String(v)
  return out
}

function links(req: ComputeRequest, id: string) {
  const glance = callerOf(req).catalog.find((s) => s.type === 'image')?.endpoints.find((e) => e.interface === 'public')?.url
  return [
    ...resourceLinks(req, 'images', id),
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${(glance ?? '').replace(/\/+$/, '')}/images/${id}` },
  ]
}

function detailView(req: ComputeRequest, image: ImageView) {
  const metadata = propertiesOf(image)
  const view: Record<string, unknown> = {
    id: image.id, name: image.name, minRam: image.min_ram ?? 0, minDisk: image.min_disk ?? 0, metadata,
    created: isoSeconds(image.created_at), updated: isoSeconds(image.updated_at),
    status: STATUS[image.status] ?? 'UNKNOWN', progress: PROGRESS[image.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': image.size ?? null, links: links(req, image.id),
  }
  if (metadata.instance_uuid) view.server = { id: metadata.instance_uuid, links: resourceLinks(req, 'servers', metadata.instance_uuid) }
  if (metadata.auto_disk_config !== undefined) view['OS-DCF:diskConfig'] = /^(1|t|true|on|y|yes)$/i.test(metadata.auto_disk_config) ? 'AUTO' : 'MANUAL'
  return view
}

/** Nova's list filters, applied to what Glance lists (server and type are properties; minRam/minDisk are lower bounds). */
function listFilter(req: ComputeRequest): (image: ImageView) => boolean {
  const q = req.query
  const name = q.get('name')
  const status = q.get('status')?.toUpperCase()
  const since = timeQuery(req, 'changes-since')
  const server = q.get('server')?.split('/').at(-1)
  const type = q.get('type')
  const ram = intQuery(req, 'minRam')
  const disk = intQuery(req, 'minDisk')
  const properties = [...q.keys()].filter((k) => k.startsWith('property-')).map((k) => [k.slice(9), q.get(k)!] as const)
  return (image) => {
    const props = propertiesOf(image)
    if (name !== null && image.name !== name) return false
    if (status && !(GLANCE_STATUS[status] ?? [status.toLowerCase()]).includes(image.status)) return false
    if (since && Date.parse(image.updated_at) < Date.parse(since)) return false
    if (server && props.instance_uuid !== server) return false
    if (type && props.image_type !== type) return false
    if (ram !== undefined && (image.min_ram ?? 0) < ram) return false
    if (disk !== undefined && (image.min_disk ?? 0) < disk) return false
    return properties.every(([k, v]) => props[k] === v)
  }
}

/** Glance's refusals in Nova's words. */
function translated(err: unknown): never {
  if (err instanceof CloudError && err.status === 404) throw notFound('Image not found.')
  if (err instanceof CloudError && err.status === 403) throw forbidden('You are not allowed to delete the image.')
  throw err
}

const KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/

function checkMetadata(value: unknown, field: string): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not of type 'object'`)
  }
  for (const [k, v] of Object.entries(value)) {
    if (!KEY.test(k)) throw badRequest(`Invalid input for field/attribute ${field}. Additional properties are not allowed ('${k}' was unexpected)`)
    if (typeof v !== 'string' || v.length > 255) {
      throw badRequest(`Invalid input for field/attribute ${k}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not a string of at most 255 characters`)
    }
  }
  return value as Record<string, string>
}

export function imagesRoutes(deps: ComputeApiDeps): Route[] {
  const proxy = (req: ComputeRequest, until: string): ImageClient => {
    if (atLeast(versionOf(req), until)) throw notFound('The resource could not be found.')
    return deps.images(callerOf(req).token)
  }
  const imageOf = async (images: ImageClient, id: string): Promise<ImageView> => {
    const image = await images.get(id).catch(translated)
    if (!image) throw notFound('Image not found.')
    return image
  }
  const checkQuota = (properties: Record<string, string>) => {
    const max = deps.config.quotas.metadataItems
    if (max >= 0 && Object.keys(properties).length > max) throw forbidden('Image metadata limit exceeded')
  }
  /** Sets the image's custom properties to `wanted` (Glance-reserved ones are left as they are). */
  const writeProperties = async (images: ImageClient, image: ImageView, wanted: Record<string, string>) => {
    const current = propertiesOf(image)
    const ops: Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }> = []
    for (const k of Object.keys(current)) if (!(k in wanted) && !reserved(k)) ops.push({ op: 'remove', path: `/${k}` })
    for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) ops.push({ op: k in current ? 'replace' : 'add', path: `/${k}`, value: v })
    if (!ops.length) return image
    return images.patch(image.id, ops).catch((err: unknown) => {
      if (err instanceof CloudError && err.status === 403) throw forbidden(err.message)
      return translated(err)
    })
  }
  const list = async (req: ComputeRequest, detail: boolean) => {
    authorize(deps, req, 'images:index')
    const images = proxy(req, '2.36')
    const { limit, marker } = limitAndMarker(req, deps.config.maxLimit)
    const all = (await images.list().catch(translated)).filter(listFilter(req))
    let start = 0
    if (marker !== undefined) {
      start = all.findIndex((i) => i.id === marker) + 1
      if (!start) throw badRequest(`marker [${marker}] not found`)
    }
    const page = all.slice(start, start + limit)
    const images_links = nextLinks(req, detail ? 'images/detail' : 'images', page.length, limit, page.at(-1)?.id)
    const views = page.map((i) => (detail ? detailView(req, i) : { id: i.id, name: i.name, links: links(req, i.id) }))
    return { status: 200, body: { images: views, ...(images_links ? { images_links } : {}) } }
  }

  return [
    route('GET', '/images', (req: ComputeRequest) => list(req, false)),
    route('GET', '/images/detail', (req: ComputeRequest) => list(req, true)),
    route('GET', '/images/:image_id', async (req: ComputeRequest) => {
      authorize(deps, req, 'images:show')
      const image = await imageOf(proxy(req, '2.36'), req.params.image_id)
      return { status: 200, body: { image: detailView(req, image) } }
    }),
    route('DELETE', '/images/:image_id', async (req: ComputeRequest) => {
      authorize(deps, req, 'images:delete')
      const images = proxy(req, '2.36')
      const image = await imageOf(images, req.params.image_id)
      await images.delete(image.id).catch(translated)
      return { status: 204 }
    }),

    route('GET', '/images/:image_id/metadata', async (req: ComputeRequest) => {
      const image = await imageOf(proxy(req, '2.39'), req.params.image_id)
      return { status: 200, body: { metadata: propertiesOf(image) } }
    }),
    route('POST', '/images/:image_id/metadata', async (req: ComputeRequest) => {
      const images = proxy(req, '2.39')
      const metadata = checkMetadata((req.body as { metadata?: unknown } | undefined)?.metadata, 'metadata')
      const image = await imageOf(images, req.params.image_id)
      const wanted = { ...propertiesOf(image), ...metadata }
      checkQuota(wanted)
      return { status: 200, body: { metadata: propertiesOf(await writeProperties(images, image, wanted)) } }
    }),
    route('PUT', '/images/:image_id/metadata', async (req: ComputeRequest) => {
      const images = proxy(req, '2.39')
      const metadata = checkMetadata((req.body as { metadata?: unknown } | undefined)?.metadata, 'metadata')
      checkQuota(metadata)
      const image = await imageOf(images, req.params.image_id)
      await writeProperties(images, image, metadata)
      return { status: 200, body: { metadata } }
    }),
    route('GET', '/images/:image_id/metadata/:key', async (req: ComputeRequest) => {
      const image = await imageOf(proxy(req, '2.39'), req.params.image_id)
      const properties = propertiesOf(image)
      if (!(req.params.key in properties)) throw notFound('Image metadata item not found.')
      return { status: 200, body: { meta: { [req.params.key]: properties[req.params.key] } } }
    }),
    route('PUT', '/images/:image_id/metadata/:key', async (req: ComputeRequest) => {
      const images = proxy(req, '2.39')
      const meta = checkMetadata((req.body as { meta?: unknown } | undefined)?.meta, 'meta')
      if (Object.keys(meta).length !== 1) throw badRequest('Invalid input for field/attribute meta. The body must hold exactly one item.')
      const key = req.params.key
      if (!(key in meta)) throw badRequest('Request body and URI mismatch')
      const image = await imageOf(images, req.params.image_id)
      const wanted = { ...propertiesOf(image), [key]: meta[key] }
      checkQuota(wanted)
      await writeProperties(images, image, wanted)
      return { status: 200, body: { meta } }
    }),
    route('DELETE', '/images/:image_id/metadata/:key', async (req: ComputeRequest) => {
      const images = proxy(req, '2.39')
      const image = await imageOf(images, req.params.image_id)
      const properties = propertiesOf(image)
      if (!(req.params.key in properties)) throw notFound('Invalid metadata key')
      delete properties[req.params.key]
      await writeProperties(images, image, properties)
      return { status: 204 }
    }),
  ]
}
