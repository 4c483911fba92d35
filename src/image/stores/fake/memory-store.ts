/**
 * @module In-memory image store for unit and functional tests: same contract as the file store,
 * no disk. Data lives as long as the store object.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  checkStoreKey,
  clampRange,
  closeSource,
  StoreDataMissing,
  StoreDuplicate,
  StoreLocationInvalid,
  StoreSizeExceeded,
  type AddOptions,
  type ByteRange,
  type ImageStore,
  type OpenedData,
  type StoredData,
} from '../store.ts'

const scheme = 'fake://'

export class MemoryStore implements ImageStore {
  readonly id = 'fake'
  readonly #blobs = new Map<string, Buffer>()
  readonly #pending = new Set<string>()

  async add(key: string, data: AsyncIterable<Uint8Array>, opts: AddOptions = {}): Promise<StoredData> {
    try {
      checkStoreKey(key)
      if (this.#blobs.has(key) || this.#pending.has(key)) throw new StoreDuplicate(key)
    } catch (err) {
      await closeSource(data)
      throw err
    }
    this.#pending.add(key)
    try {
      const md5 = createHash('md5')
      const sha512 = createHash('sha512')
      const chunks: Uint8Array[] = []
      let size = 0
      for await (const chunk of data) {
        size += chunk.byteLength
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new StoreSizeExceeded(opts.maxBytes)
        md5.update(chunk)
        sha512.update(chunk)
        chunks.push(Uint8Array.from(chunk)) // the source may reuse its buffers
        opts.onProgress?.(size)
      }
      const blob = Buffer.concat(chunks, size)
      const stored = { size, md5: md5.digest('hex'), sha512: sha512.digest('hex') }
      await opts.beforeCommit?.({
        ...stored,
        read: async (offset, length) => Uint8Array.from(blob.subarray(offset, offset + length)),
      })
      this.#blobs.set(key, blob)
      return { location: scheme + key, ...stored }
    } catch (err) {
      await closeSource(data)
      throw err
    } finally {
      this.#pending.delete(key)
    }
  }

  async open(location: string, range?: ByteRange): Promise<OpenedData> {
    const blob = this.#blobs.get(this.#key(location))
    if (!blob) throw new StoreDataMissing(location)
    const end = range ? clampRange(range, blob.length) : blob.length - 1
    const start = range?.start ?? 0
    const view = blob.subarray(start, end + 1)
    return { stream: Readable.from(view.length ? [view] : [], { objectMode: false }), size: view.length, totalSize: blob.length }
  }

  async delete(location: string): Promise<void> {
    this.#blobs.delete(this.#key(location))
  }

  localPath(_location: string): undefined {
    return undefined
  }

  #key(location: string): string {
    if (!location.startsWith(scheme)) throw new StoreLocationInvalid(`${location} is not a fake store location.`)
    const key = location.slice(scheme.length)
    checkStoreKey(key)
    return key
  }
}
