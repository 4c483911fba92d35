/** JSON bodies of routes that read their own body (PATCH checks its media type first, as Glance does). */
import { BadRequest, PayloadTooLarge } from '../../../common/errors.ts'
import type { ImageRequest } from '../context.ts'

/** The parsed body, or undefined when there is none. */
export async function readRawJson(req: ImageRequest, maxBytes: number): Promise<unknown> {
  const length = Number(req.headers['content-length'] ?? 0)
  if (length > maxBytes) throw new PayloadTooLarge('Request is too large.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new PayloadTooLarge('Request is too large.')
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequest('Malformed JSON in request body.')
  }
}
