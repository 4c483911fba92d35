/**
 * /v2/images/{id}/file (glance/api/v2/image_data.py). Uploads stream straight into the store (never
 * held in memory), checksummed on the way and inspected before they become visible; the image is
 * `saving` meanwhile and goes back to `queued` on any failure. Downloads stream back, honouring Range.
 */
import { randomBytes } from 'node:crypto'
import type { Transaction } from 'kysely'
import { BadRequest, CloudError, Conflict, Forbidden, PayloadTooLarge } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { addLocation, transitionImage } from '../../db/image-repo.ts'
import type { ImageDb } from '../../db/schema.ts'
import { Gone, MediaTypeRejected, RangeNotSatisfiable } from '../../errors.ts'
import { checkTransition, InvalidStatusTransition, missingFormats, type Image } from '../../model/image.ts'
import { StoreDataMissing, StoreSizeExceeded, type ByteRange, type StoredData } from '../../stores/store.ts'
import { enforceOnImage, loadImage, viewerOf, type ImageDeps, type ImageRequest } from '../context.ts'
import { enforceQuota, MiB, remainingStorageBytes } from '../quotas.ts'

/** An upload whose client went away before sending everything. */
class UploadInterrupted extends BadRequest {}

/** Glance's Request.get_content_type(('application/octet-stream',)): 415 for anything else, or none. */
export function requireOctetStream(req: ImageRequest): void {
  const header = req.headers['content-type']
  const type = header?.split(';')[0].trim().toLowerCase()
  if (type !== 'application/octet-stream') {
    throw new MediaTypeRejected(type ?? '', `Invalid content type ${type ?? 'None'}`)
  }
}

/** x-openstack-image-size, else Content-Length, else unknown (chunked). */
export function declaredSize(req: ImageRequest): number | undefined {
  const raw = req.headers['x-openstack-image-size'] ?? req.headers['content-length']
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\s*\d+\s*$/.test(String(raw)) || !Number.isSafeInteger(n)) {
    throw new BadRequest('Invalid or missing image size in request headers.')
  }
  return n || undefined
}

export function checkStoreHeader(deps: ImageDeps, req: ImageRequest): void {
  const wanted = req.headers['x-image-meta-store']
  if (typeof wanted === 'string' && wanted !== deps.store.id) throw new BadRequest(`Unknown scheme '${wanted}' found in URI`)
}

/** Each upload gets its own store key, so data orphaned by a crash can never block the next attempt. */
const storeKey = (imageId: string) => `${imageId}.${randomBytes(4).toString('hex')}`

/**
 * Streams `data` into the store, inspecting it (bare containers, as Glance) before it becomes visible.
 * `limitError` explains a stream that passed `maxBytes`. Nothing is stored when this throws.
 */
export async function storeImageData(
  deps: ImageDeps, image: Image, data: AsyncIterable<Uint8Array>, maxBytes: number, limitError: () => CloudError,
): Promise<{ stored: StoredData; virtualSize: number | null }> {
  let virtualSize: number | null = null
  try {
    const stored = await deps.store.add(storeKey(image.row.id), data, {
      maxBytes: Number.isFinite(maxBytes) ? maxBytes : undefined,
      beforeCommit: async (pending) => {
        if (image.row.container_format !== 'bare') return
        try {
          virtualSize = (await deps.inspect(pending, image.row.disk_format!)).virtualSize
        } catch (err) {
          // The inspector's refusals (wrong format, unsafe) become Glance's 415 with its message as detail.
          if (err instanceof CloudError && (err.status === 400 || err.status === 415)) {
            throw new MediaTypeRejected('application/octet-stream', err.message)
          }
          throw err
        }
      },
    })
    return { stored, virtualSize }
  } catch (err) {
    if (err instanceof StoreSizeExceeded) throw limitError()
    throw err
  }
}

/** Marks the image active with its data, unless it changed status meanwhile (deleted): then the data goes. */
export async function activate(
  deps: ImageDeps, image: Image, from: string, data: { stored: StoredData; virtualSize: number | null },
  /** More changes that must become visible together with `active` (an import's bookkeeping). */
  alongside?: (trx: Transaction<ImageDb>) => Promise<void>,
): Promise<boolean> {
  const { stored, virtualSize } = data
  const ok = await deps.db.transaction().execute(async (trx) => {
    const moved = await transitionImage(trx, image.row.id, from, {
      status: 'active', size: stored.size, virtual_size: virtualSize, checksum: stored.md5,
      os_hash_algo: 'sha512', os_hash_value: stored.sha512, staging_location: null,
    })
    if (moved) await addLocation(trx, image.row.id, stored.location, { store: deps.store.id })
    if (moved && alongside) await alongside(trx)
    return moved
  })
  if (!ok) await deps.store.delete(stored.location).catch(() => {})
  return ok
}

/** Removes an image's stored and staged data; failures are logged, not raised (the image is gone already). */
export async function removeImageData(deps: ImageDeps, image: Image): Promise<void> {
  const locations = [...image.locations.map((l) => ({ store: deps.store, url: l.url }))]
  if (image.row.staging_location) locations.push({ store: deps.staging, url: image.row.staging_location })
  for (const { store, url } of locations) {
    await store.delete(url).catch((err) => deps.log.warn('could not remove image data', { image_id: image.row.id, url, error: err }))
  }
}

/** webob's Range parsing plus Glance's checks: the byte range to send, or undefined for the whole image. */
export function requestedRange(req: ImageRequest, size: number): ByteRange | undefined {
  const range = req.headers.range
  if (typeof range === 'string') {
    if (range.includes(',')) {
      throw new BadRequest('Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.')
    }
    const m = /^bytes *= *(\d*) *- *(\d*)/i.exec(range)
    if (!m || (m[1] === '' && m[2] === '') || (m[1] !== '' && m[2] !== '' && Number(m[1]) > Number(m[2]))) {
      throw new RangeNotSatisfiable('Invalid Range header.')
    }
    const start = m[1] === '' ? -Number(m[2]) : Number(m[1])
    const endExclusive = m[1] !== '' && m[2] !== '' ? Number(m[2]) + 1 : undefined
    if (start >= size) {
      throw new RangeNotSatisfiable(`Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`)
    }
    const offset = start >= 0 ? start : Math.abs(start) < size ? size + start : 0
    const end = endExclusive !== undefined && endExclusive < size ? endExclusive - 1 : size - 1
    return { start: offset, end }
  }
  const contentRange = req.headers['content-range']
  if (typeof contentRange === 'string') {
    const m = /^bytes +(\d+)-(\d+)\/(\d+|\*)$/i.exec(contentRange.trim())
    if (!m || Number(m[1]) > Number(m[2])) throw new RangeNotSatisfiable('Invalid Content-Range header.')
    const [start, stop] = [Number(m[1]), Number(m[2]) + 1]
    if (m[3] === '*' && stop > size) {
      throw new RangeNotSatisfiable(`Invalid stop position in Content-Range header. The stop position MUST be in the inclusive range [0, ${size - 1}].`)
    }
    if (start >= size) {
      throw new RangeNotSatisfiable(`Invalid start position in Content-Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`)
    }
    return { start, end: stop - 1 }
  }
  return undefined
}

export function imageDataRoutes(deps: ImageDeps): Route[] {
  const { db, config } = deps

  async function upload(req: ImageRequest) {
    requireOctetStream(req)
    const size = declaredSize(req)
    const viewer = viewerOf(deps, req)
    await enforceQuota(deps, viewer.projectId, 'image_size_total', Math.floor((size ?? 0) / MiB))
    checkStoreHeader(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id)
    enforceOnImage(deps, viewer, 'upload_image', image)
    const id = image.row.id
    try {
      checkTransition(image.row, 'saving')
    } catch (err) {
      if (err instanceof InvalidStatusTransition) throw new Conflict(err.message)
      throw err
    }
    const missing = missingFormats(image.row)
    if (missing) throw new BadRequest(missing)
    if (!(await transitionImage(db, id, 'queued', { status: 'saving' }))) {
      throw new Conflict('Image status transition from saving to saving is not allowed')
    }
    try {
      await enforceQuota(deps, image.row.owner, 'image_count_uploading')
      const quotaBytes = await remainingStorageBytes(deps, image.row.owner, id)
      const maxBytes = Math.min(config.imageSizeCapBytes, quotaBytes)
      const limitError = () => quotaBytes < config.imageSizeCapBytes
        ? new PayloadTooLarge(`Image exceeds the storage quota: The size of the data ${size ?? `more than ${quotaBytes}`} `
          + `will exceed the limit. ${quotaBytes} bytes remaining.`)
        : new PayloadTooLarge('The incoming image is too large: The provided image is too large.')
      const data = await storeImageData(deps, image, sourceOf(req), maxBytes, limitError)
      if (!(await activate(deps, image, 'saving', data))) {
        throw new Gone(`Image ${id} could not be found after upload. The image may have been deleted during the upload, `
          + 'cleaning up the chunks uploaded.')
      }
      deps.log.info('uploaded image data', { image_id: id, size: data.stored.size })
      return { status: 204 }
    } catch (err) {
      if (!(err instanceof Gone)) {
        await transitionImage(db, id, 'saving', { status: 'queued', size: null, virtual_size: null })
      }
      throw err
    }
  }

  async function download(req: ImageRequest) {
    const viewer = viewerOf(deps, req)
    const image = await loadImage(deps, viewer, req.params.image_id)
    if (image.row.status === 'deactivated' && !viewer.isAdmin) {
      throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.')
    }
    enforceOnImage(deps, viewer, 'download_image', image)
    const prefer = req.query.get('prefer')
    if (prefer) {
      for (const s of prefer.split(',').map((x) => x.trim()).filter(Boolean)) {
        if (s !== deps.store.id) throw new BadRequest(`Store '${s}' is not configured.`)
      }
    }
    const location = image.locations[0]
    if (!location) return { status: 204 }
    const size = image.row.size ?? 0
    const range = requestedRange(req, size)
    let opened
    try {
      opened = await deps.store.open(location.url, range)
    } catch (err) {
      if (err instanceof StoreDataMissing) return { status: 204 }
      throw err
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream', 'content-length': opened.size,
    }
    if (image.row.checksum) headers['content-md5'] = image.row.checksum
    if (range) headers['content-range'] = `bytes ${range.start}-${range.start + opened.size - 1}/${opened.totalSize}`
    return { status: range ? 206 : 200, headers, body: opened.stream }
  }

  return [
    route('PUT', '/v2/images/:image_id/file', refusalsDrain(upload), { rawBody: true }),
    route('GET', '/v2/images/:image_id/file', download),
  ]
}

/**
 * The request body as chunks; a client that disconnects mid-way surfaces as UploadInterrupted.
 * Stopping early (a refused upload) does not destroy the request, so the client still gets the answer.
 */
export async function* sourceOf(req: ImageRequest): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of req.raw.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array
  } catch (err) {
    throw new UploadInterrupted(`The upload was interrupted: ${(err as Error).message}`)
  }
  if (!req.raw.complete) throw new UploadInterrupted('The upload was interrupted before all data arrived.')
}

/** Wraps an upload handler so that any refusal first arranges for the unread body to be dropped. */
export function refusalsDrain<T>(handler: (req: ImageRequest) => Promise<T>): (req: ImageRequest) => Promise<T> {
  return async (req) => {
    try {
      return await handler(req)
    } catch (err) {
      discardRest(req)
      throw err
    }
  }
}

/** After refusing an upload: read and drop what the client still sends (so it sees the error), up to a bound. */
export function discardRest(req: ImageRequest, maxBytes = 64 * MiB): void {
  const raw = req.raw
  if (raw.complete || raw.destroyed) return
  let dropped = 0
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > maxBytes) raw.destroy()
  })
  raw.resume()
}
