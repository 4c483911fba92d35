/** Reads a request body as JSON with a size cap: undefined when empty, 400 when malformed, 413 when too big. */
import { BadRequest, PayloadTooLarge } from '../errors.ts'
import type { ApiRequest } from './types.ts'

export async function readJsonBody(req: Pick<ApiRequest, 'headers' | 'raw'>, maxBytes: number): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new PayloadTooLarge('Request is too large.')
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
