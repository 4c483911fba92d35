/**
 * @module PATCH /v2/images/{id} bodies: the two JSON-patch media types Glance accepts (v2.0 = draft 4,
 * `{"replace": "/name", "value": …}`; v2.1 = draft 10, `{"op": "replace", "path": "/name", …}`),
 * decoded into changes and checked with Glance's messages (glance/api/v2/images.py RequestDeserializer).
 */
import { BadRequest, Forbidden } from '../../common/errors.ts'
import { MediaTypeRejected } from '../errors.ts'
import type { ImageSchemas } from './schemas.ts'

export type PatchOp = 'add' | 'remove' | 'replace'
export type PatchChange = {
  op: PatchOp
  /** The decoded JSON pointer, e.g. ['locations', '-']. */
  path: string[]
  value?: unknown
  /** 4 for v2.0 (add fails on an existing property), 10 for v2.1 (add replaces). */
  draft: 4 | 10
}

export const patchMediaTypes: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
}
const operations: PatchOp[] = ['add', 'remove', 'replace']
const readonlyProperties = new Set([
  'created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id',
  'os_hash_algo', 'os_hash_value',
])
export const reservedProperties = new Set(['location', 'deleted', 'deleted_at'])
/** Glance's reserved namespace (GLANCE_RESERVED_NS): users may not set os_glance_* properties. */
export const reservedNamespace = 'os_glance'
/** Paths deeper than one segment are allowed only here (e.g. /locations/-). */
const pathDepth: Record<string, Partial<Record<PatchOp, number>>> = { locations: { add: 2, remove: 2, replace: 1 } }

/** The draft the Content-Type names, or Glance's 415 with Accept-Patch. */
export function patchDraft(contentType: string | undefined): 4 | 10 {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
  const draft = patchMediaTypes[type]
  if (draft) return draft
  const allowed = Object.keys(patchMediaTypes).sort().join(', ')
  throw new MediaTypeRejected(type, `Image PATCH expects Content-Type one of: ${allowed}`, { 'Accept-Patch': allowed })
}

export function parsePatch(draft: 4 | 10, body: unknown, schemas: ImageSchemas): PatchChange[] {
  if (body === undefined) throw new BadRequest('Body expected in request.')
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.')
  return body.map((raw) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequest('Operations must be JSON objects.')
    const change = raw as Record<string, unknown>
    const op = draft === 10 ? operationD10(change) : operationD4(change)
    const pointer = draft === 10 ? pathD10(change) : change[op]
    const path = decodePointer(pointer)
    checkDepth(op, path)
    const parsed: PatchChange = { op, path, draft }
    if (op !== 'remove') {
      if (!('value' in change)) throw new BadRequest(`Operation "${op}" requires a member named "value".`)
      parsed.value = change.value
    }
    checkChange(parsed, schemas)
    return parsed
  })
}

function operationD10(change: Record<string, unknown>): PatchOp {
  const op = change.op
  const available = operations.join(', ')
  if (op === undefined) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`)
  if (!operations.includes(op as PatchOp)) {
    throw new BadRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${available}.`)
  }
  return op as PatchOp
}

function operationD4(change: Record<string, unknown>): PatchOp {
  const present = operations.filter((o) => o in change)
  if (present.length > 1) throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".')
  if (present.length === 0) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".')
  return present[0]
}

function pathD10(change: Record<string, unknown>): unknown {
  if (!('path' in change)) throw new BadRequest("Unable to find 'path' in JSON Schema change")
  return change.path
}

/** Glance accepts a limited form of JSON pointer; `~1` is '/', `~0` is '~'. */
function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new BadRequest(`Pointer \`${String(pointer)}\` does not start with "/".`)
  if (!pointer.startsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`)
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequest(`Pointer \`${pointer}\` contains adjacent "/".`)
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`)
  if (pointer.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${pointer}\` does not contains valid token.`)
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) {
    throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`)
  }
  return pointer.replace(/^\/+/, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~').trim())
}

function checkDepth(op: PatchOp, path: string[]): void {
  const allowed = pathDepth[path[0]]?.[op] ?? 1
  if (path.length !== allowed) throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`)
}

/** Read-only and reserved attributes are 403; a value must fit the image schema (400). */
function checkChange(change: PatchChange, schemas: ImageSchemas): void {
  const root = change.path[0]
  if (readonlyProperties.has(root)) throw new Forbidden(`Attribute '${root}' is read-only.`)
  if (reservedProperties.has(root) || root.startsWith(reservedNamespace)) throw new Forbidden(`Attribute '${root}' is reserved.`)
  if (change.op === 'remove') return
  if (change.path.length === 1) schemas.validateImage({ [root]: change.value })
  else if (schemas.baseProperties[root]?.type === 'array') schemas.validateImage({ [root]: [change.value] })
}
