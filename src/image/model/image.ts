/**
 * @module The image as the API layer works on it: a row plus its properties, tags, locations and
 * the caller's membership, and Glance's status machine (glance/domain Image.valid_state_targets).
 */
import type { ImageRow } from '../db/schema.ts'

export type ImageStatus =
  | 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'uploading' | 'importing' | 'pending_delete' | 'deactivated'

export const imageStatuses: ImageStatus[] = [
  'queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated',
]

/** Glance v2 lets 'saving' go back to 'queued' so a failed upload can be retried instead of killing the image. */
const validTargets: Record<ImageStatus, ImageStatus[]> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
}

export const visibilities = ['public', 'private', 'shared', 'community'] as const
export type Visibility = (typeof visibilities)[number]

export type ImageLocation = { url: string; metadata: Record<string, unknown> }

export type Image = {
  row: ImageRow
  properties: Record<string, string>
  tags: string[]
  locations: ImageLocation[]
  /** Glance's `image.member`: the caller's project when it sees this shared image as a member, else null. */
  member: string | null
}

/** A status change Glance's domain refuses; each caller decides the HTTP status (409 or 400). */
export class InvalidStatusTransition extends Error {
  constructor(from: string, to: string) {
    super(`Image status transition from ${from} to ${to} is not allowed`)
  }
}

/** Throws unless `from` → `to` is allowed; data-bearing states also need both formats set (a 400 in Glance). */
export function checkTransition(row: Pick<ImageRow, 'status' | 'disk_format' | 'container_format'>, to: ImageStatus): void {
  const from = row.status as ImageStatus
  if (!validTargets[from]?.includes(to)) throw new InvalidStatusTransition(from, to)
}

/** Glance's "Property(ies) X must be set prior to saving data." check, or undefined when fine. */
export function missingFormats(row: Pick<ImageRow, 'disk_format' | 'container_format'>): string | undefined {
  const missing = (['disk_format', 'container_format'] as const).filter((k) => !row[k])
  if (missing.length === 0) return undefined
  return `${missing.length === 1 ? 'Property' : 'Properties'} ${missing.join(', ')} must be set prior to saving data.`
}

/** Attributes that are columns of the image (Glance's `hasattr(image, key)`); everything else is a property. */
export const imageAttributes = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format',
  'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'created_at',
  'updated_at', 'tags', 'locations',
])
