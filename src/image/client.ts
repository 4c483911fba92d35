/**
 * @module The Image API as the rest of Nubis calls it (e.g. `nubis up` registering the tiny guest,
 * compute fetching images): create, upload a local file as a stream, get, list by name, delete.
 * Plain HTTP with a token, so it works the same in one process or across hosts.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { pipeline } from 'node:stream/promises'
import {
  BadRequest, CloudError, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, UnsupportedMediaType,
} from '../common/errors.ts'
import { plainGlanceMessage } from './errors.ts'

/** An image as Glance shows it; custom properties are top-level keys. */
export type ImageView = {
  id: string
  name: string | null
  status: string
  visibility: string
  owner: string | null
  disk_format: string | null
  container_format: string | null
  size: number | null
  virtual_size: number | null
  checksum: string | null
  os_hash_algo: string | null
  os_hash_value: string | null
  min_disk: number
  min_ram: number
  protected: boolean
  os_hidden: boolean
  tags: string[]
  created_at: string
  updated_at: string
  [property: string]: unknown
}

export type ImageCreate = {
  name?: string
  id?: string
  disk_format?: string
  container_format?: string
  visibility?: 'public' | 'private' | 'shared' | 'community'
  min_disk?: number
  min_ram?: number
  protected?: boolean
  os_hidden?: boolean
  tags?: string[]
  /** Custom properties (string values). */
  [property: string]: unknown
}

export type ImageClient = {
  create(fields: ImageCreate): Promise<ImageView>
  /** Streams the file to PUT /v2/images/{id}/file; resolves when the image is active. */
  uploadFile(id: string, path: string): Promise<void>
  /** The image, or undefined when it does not exist or the caller cannot see it. */
  get(id: string): Promise<ImageView | undefined>
  /** Every image with exactly this name the caller can see (all pages). */
  listByName(name: string): Promise<ImageView[]>
  /** Every image the caller can see that matches Glance's list filters (all pages, in Glance's order). */
  list(filters?: Record<string, string>): Promise<ImageView[]>
  /** Applies a JSON patch (openstack-images-v2.1-json-patch) and returns the image as it is now. */
  patch(id: string, ops: Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }>): Promise<ImageView>
  delete(id: string): Promise<void>
}

export type ImageClientOptions = {
  /** The image endpoint root, e.g. http://127.0.0.1:9292 (as in the catalog). */
  url: string
  /** A token, or a function returning a fresh one. */
  token: string | (() => Promise<string>)
}

const errorsByStatus: Record<number, new (message: string) => CloudError> = {
  400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: PayloadTooLarge,
  415: UnsupportedMediaType, 503: ServiceUnavailable,
}

function failure(status: number, body: unknown, what: string): CloudError {
  const message = `${what} failed with ${status}: ${plainGlanceMessage(body) || 'no message'}`
  const Err = errorsByStatus[status] ?? ServiceUnavailable
  return new Err(message)
}

export function createImageClient(opts: ImageClientOptions): ImageClient {
  const base = opts.url.replace(/\/+$/, '')
  const token = async () => (typeof opts.token === 'string' ? opts.token : opts.token())

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: { 'x-auth-token': await token(), ...(body === undefined ? {} : { 'content-type': contentType }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      })
    } catch (err) {
      throw new ServiceUnavailable(`The Image service at ${base} cannot be reached: ${(err as Error).message}`)
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, body: parsed }
  }

  async function list(filters: Record<string, string> = {}): Promise<ImageView[]> {
    const found: ImageView[] = []
    let next: string | undefined = `/v2/images?${new URLSearchParams({ limit: '1000', ...filters })}`
    while (next) {
      const res = await call('GET', next)
      if (res.status !== 200) throw failure(res.status, res.body, 'image list')
      found.push(...(res.body.images as ImageView[]))
      next = res.body.next
    }
    return found
  }

  return {
    async create(fields) {
      const res = await call('POST', '/v2/images', fields)
      if (res.status !== 201) throw failure(res.status, res.body, 'image create')
      return res.body as ImageView
    },

    async uploadFile(id, path) {
      const { size } = await stat(path)
      const url = new URL(`${base}/v2/images/${encodeURIComponent(id)}/file`)
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest
      const headers = {
        'x-auth-token': await token(), 'content-type': 'application/octet-stream', 'content-length': String(size),
      }
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(url, { method: 'PUT', headers }, (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        })
        req.on('error', (err) => reject(new ServiceUnavailable(`Uploading ${path} to image ${id} failed: ${err.message}`)))
        pipeline(createReadStream(path), req).catch(reject)
      })
      if (answer.status !== 204) {
        let body: unknown = answer.body
        try {
          body = JSON.parse(answer.body)
        } catch {
          // not JSON
        }
        throw failure(answer.status, body, `upload of ${path}`)
      }
    },

    async get(id) {
      const res = await call('GET', `/v2/images/${encodeURIComponent(id)}`)
      if (res.status === 404) return undefined
      if (res.status !== 200) throw failure(res.status, res.body, 'image show')
      return res.body as ImageView
    },

    async listByName(name) {
      return list({ name: `eq:${name}` })
    },

    list,

    async patch(id, ops) {
      const res = await call('PATCH', `/v2/images/${encodeURIComponent(id)}`, ops, 'application/openstack-images-v2.1-json-patch')
      if (res.status !== 200) throw failure(res.status, res.body, 'image update')
      return res.body as ImageView
    },

    async delete(id) {
      const res = await call('DELETE', `/v2/images/${encodeURIComponent(id)}`)
      if (res.status !== 204 && res.status !== 404) throw failure(res.status, res.body, 'image delete')
    },
  }
}
