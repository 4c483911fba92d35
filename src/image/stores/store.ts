/**
 * @module Image store contract (glance_store's job): where image bytes live. The image API
 * streams uploads in with add(), serves downloads with open(), and keeps only `location` in the db.
 * Implementations: file/ (the real one, also used for the import staging area) and fake/ (memory).
 */
import type { Readable } from 'node:stream'
import { BadRequest, CloudError, Conflict, NotFound, PayloadTooLarge } from '../../common/errors.ts'

/** What add() stored: `location` goes into the image's locations, the rest into size/checksum/os_hash. */
export type StoredData = { location: string; size: number; md5: string; sha512: string }

/** The finished but not yet visible data, handed to `beforeCommit` (e.g. for format inspection). */
export type PendingData = Omit<StoredData, 'location'> & {
  /** Reads `length` bytes at `offset`; returns fewer only at the end of the data. */
  read(offset: number, length: number): Promise<Uint8Array>
  /** The temp file holding the data, when the store writes one (qemu-img can be pointed at it). */
  path?: string
}

export type AddOptions = {
  /** Once more than this many bytes arrived, stop reading, leave nothing behind and throw StoreSizeExceeded. */
  maxBytes?: number
  /** Runs on the complete data before it becomes visible; throwing aborts the add and removes the data. */
  beforeCommit?: (pending: PendingData) => Promise<void>
  /** Called as data is written, with the byte count so far. */
  onProgress?: (bytesSoFar: number) => void
}

/** Range of bytes, `end` inclusive as in HTTP Range and fs.createReadStream; `end` past the data is clamped. */
export type ByteRange = { start: number; end: number }

export type OpenedData = {
  stream: Readable
  /** Bytes `stream` yields (the range length when a range was asked for). */
  size: number
  /** Size of the whole stored data. */
  totalSize: number
}

export interface ImageStore {
  /** Glance store id shown in an image's `stores`, e.g. 'file'. */
  readonly id: string
  /**
   * Streams `data` in under `key` (the image id) and returns where it went. All or nothing: on any
   * failure (source error, maxBytes, beforeCommit, disk) nothing is stored, the source iterator is
   * closed, and the error is rethrown. Throws StoreDuplicate when `key` already holds data.
   */
  add(key: string, data: AsyncIterable<Uint8Array>, opts?: AddOptions): Promise<StoredData>
  /** Throws StoreDataMissing when nothing is stored there, StoreRangeNotSatisfiable for a range past the end. */
  open(location: string, range?: ByteRange): Promise<OpenedData>
  /** Removes the data; succeeds when it is already gone. */
  delete(location: string): Promise<void>
  /** The local file behind a location when the store has one (inspection, qemu-img), else undefined. */
  localPath(location: string): string | undefined
}

export class StoreSizeExceeded extends PayloadTooLarge {
  constructor(maxBytes: number) {
    super(`Image data exceeds the limit of ${maxBytes} bytes.`)
  }
}

/** The location is well-formed for this store but holds no data (Glance answers a download with 204). */
export class StoreDataMissing extends NotFound {
  constructor(location: string) {
    super(`Image data not found at ${location}.`)
  }
}

export class StoreDuplicate extends Conflict {
  constructor(key: string) {
    super(`Image data for ${key} already exists.`)
  }
}

/** A location that does not belong to this store, or a key that cannot name stored data. */
export class StoreLocationInvalid extends BadRequest {}

export class StoreRangeNotSatisfiable extends CloudError {
  override readonly status = 416
  override readonly title = 'Requested Range Not Satisfiable'
  constructor(range: ByteRange, totalSize: number) {
    super(`Range ${range.start}-${range.end} is outside the ${totalSize} bytes of image data.`)
  }
}

/** Keys become file names: ids, no separators, no leading dot (`.partial` lives beside them). */
export function checkStoreKey(key: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(key)) {
    throw new StoreLocationInvalid(`Invalid image store key ${JSON.stringify(key)}.`)
  }
}

/** Closes a source add() gave up on, reading from it or not (a stream is destroyed, a generator finished). */
export async function closeSource(data: AsyncIterable<Uint8Array>): Promise<void> {
  await data[Symbol.asyncIterator]().return?.()
}

/** Validates a range against the stored size; returns the inclusive end clamped to the data. */
export function clampRange(range: ByteRange, totalSize: number): number {
  const { start, end } = range
  const isValid = Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end >= start
  if (!isValid || start >= totalSize) throw new StoreRangeNotSatisfiable(range, totalSize)
  return Math.min(end, totalSize - 1)
}
