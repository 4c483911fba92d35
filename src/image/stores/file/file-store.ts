/**
 * @module Filesystem image store (glance_store's `file` backend), also used for the interoperable
 * import staging area. Data goes to `<root>/.partial/` first and appears at `<root>/<key>` only
 * when complete, synced and accepted, so a crash never leaves a half-written image visible.
 */
import { createHash, randomUUID } from 'node:crypto'
import { close, createReadStream, fstat as fstatCallback, open as openCallback } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
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
import { ParallelHasher } from './parallel-hash.ts'

const blockBytes = 1 << 20 // writes and hash updates happen in whole MiB blocks
const blockCount = 4 // blocks in flight per upload: memory stays at 4 MiB whatever the image size
const scheme = 'file://'
const partialDirName = '.partial'

const openFd = promisify(openCallback)
const fstat = promisify(fstatCallback)
const closeFd = promisify(close)

/** Temp files this process is writing now, so cleanupPartials() spares them. */
const writing = new Set<string>()

/** Creates `root` (and its partial dir) when missing and removes partials left by dead writers. */
export async function createFileStore(root: string): Promise<FileStore> {
  const store = new FileStore(root)
  await mkdir(store.partialDir, { recursive: true, mode: 0o750 })
  await store.cleanupPartials()
  return store
}

export class FileStore implements ImageStore {
  readonly id = 'file'
  readonly root: string
  readonly partialDir: string

  /** Prefer createFileStore(), which also prepares the directory. */
  constructor(root: string) {
    this.root = resolve(root)
    this.partialDir = join(this.root, partialDirName)
  }

  async add(key: string, data: AsyncIterable<Uint8Array>, opts: AddOptions = {}): Promise<StoredData> {
    const finalPath = join(this.root, key)
    const tempPath = join(this.partialDir, `${key}.${process.pid}.${randomUUID()}`)
    writing.add(tempPath)
    let handle: FileHandle | undefined
    try {
      checkStoreKey(key)
      if (await exists(finalPath)) throw new StoreDuplicate(key)
      handle = await open(tempPath, 'wx+', 0o640)
      const stored = await writeAll(handle, data, opts)
      await handle.sync()
      const file = handle
      await opts.beforeCommit?.({ ...stored, path: tempPath, read: (offset, length) => readAt(file, offset, length) })
      await handle.close()
      handle = undefined
      await publish(tempPath, finalPath, key)
      await syncDir(this.root)
      return { location: scheme + finalPath, ...stored }
    } catch (err) {
      await handle?.close().catch(() => {})
      await rm(tempPath, { force: true })
      await closeSource(data)
      throw err
    } finally {
      writing.delete(tempPath)
    }
  }

  async open(location: string, range?: ByteRange): Promise<OpenedData> {
    const path = this.#path(location)
    // A plain fd, not a FileHandle: fs.ReadStream on an fd reads with far less overhead per chunk.
    const fd = await openFd(path, 'r').catch((err) => {
      throw err.code === 'ENOENT' ? new StoreDataMissing(location) : err
    })
    try {
      const { size: totalSize } = await fstat(fd)
      const start = range?.start ?? 0
      const end = range ? clampRange(range, totalSize) : totalSize - 1
      if (end < start) {
        await closeFd(fd)
        return { stream: Readable.from([]), size: 0, totalSize }
      }
      const stream = createReadStream(path, { fd, start, end, highWaterMark: blockBytes }) // closes fd at end or destroy
      return { stream, size: end - start + 1, totalSize }
    } catch (err) {
      await closeFd(fd)
      throw err
    }
  }

  async delete(location: string): Promise<void> {
    await rm(this.#path(location), { force: true })
  }

  localPath(location: string): string | undefined {
    try {
      return this.#path(location)
    } catch {
      return undefined
    }
  }

  /**
   * Removes temp files of writers that are gone: other processes that died, and this process's
   * own earlier incarnation (same pid after a container restart). Returns how many it removed.
   */
  async cleanupPartials(): Promise<number> {
    let removed = 0
    for (const name of await readdir(this.partialDir).catch(() => [] as string[])) {
      const path = join(this.partialDir, name)
      const pid = Number(name.split('.').at(-2))
      const isOurs = pid === process.pid
      if ((isOurs && writing.has(path)) || (!isOurs && isProcessAlive(pid))) continue
      await rm(path, { force: true, recursive: true })
      removed++
    }
    return removed
  }

  #path(location: string): string {
    if (!location.startsWith(scheme)) throw new StoreLocationInvalid(`${location} is not a file store location.`)
    const path = location.slice(scheme.length)
    const key = path.slice(path.lastIndexOf('/') + 1)
    if (resolve(path) !== path || dirname(path) !== this.root || key === partialDirName) {
      throw new StoreLocationInvalid(`${location} is not in the file store at ${this.root}.`)
    }
    checkStoreKey(key)
    return path
  }
}

/** Copies the source into MiB blocks; each full block is written and hashed while the next fills. */
async function writeAll(
  handle: FileHandle,
  data: AsyncIterable<Uint8Array>,
  opts: AddOptions,
): Promise<Omit<StoredData, 'location'>> {
  const free = Array.from({ length: blockCount }, () => new SharedArrayBuffer(blockBytes))
  const busy = new Map<SharedArrayBuffer, Promise<void>>()
  let hasher: ParallelHasher<'md5' | 'sha512'> | undefined
  let block = free.pop()!
  let view = new Uint8Array(block)
  let fill = 0
  let position = 0
  let size = 0

  const flush = async () => {
    hasher ??= new ParallelHasher(['md5', 'sha512'])
    const full = block
    const length = fill
    const done = Promise.all([writeFully(handle, new Uint8Array(full, 0, length), position), hasher.update(full, length)])
    position += length
    const released = done.then(() => {
      busy.delete(full)
      free.push(full)
    })
    released.catch(() => {}) // awaited below or in the error path; a failure must not go unhandled meanwhile
    busy.set(full, released)
    if (free.length === 0) await Promise.race(busy.values())
    block = free.pop()!
    view = new Uint8Array(block)
    fill = 0
  }

  try {
    for await (const chunk of data) {
      size += chunk.byteLength
      if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new StoreSizeExceeded(opts.maxBytes)
      for (let offset = 0; offset < chunk.byteLength; ) {
        const n = Math.min(blockBytes - fill, chunk.byteLength - offset)
        view.set(chunk.subarray(offset, offset + n), fill)
        fill += n
        offset += n
        if (fill === blockBytes) await flush()
      }
      opts.onProgress?.(size)
    }
    if (!hasher) {
      // Smaller than one block: no threads, hash here.
      const bytes = new Uint8Array(block, 0, fill)
      await writeFully(handle, bytes, 0)
      return { size, md5: digest('md5', bytes), sha512: digest('sha512', bytes) }
    }
    if (fill > 0) await flush()
    await Promise.all(busy.values())
    const { md5, sha512 } = await hasher.digest()
    return { size, md5, sha512 }
  } finally {
    await Promise.allSettled(busy.values()) // no write may land after the caller closes the file
    await hasher?.close()
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset)
    offset += bytesWritten
  }
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length)
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}

/** Makes the temp file visible under its final name without ever replacing an existing one. */
async function publish(tempPath: string, finalPath: string, key: string): Promise<void> {
  try {
    await link(tempPath, finalPath) // atomic, and fails on an existing name (rename would overwrite)
  } catch (err: any) {
    if (err.code === 'EEXIST') throw new StoreDuplicate(key)
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(err.code)) throw err
    // Filesystems without hard links: check, then rename (a racing writer could still win).
    if (await exists(finalPath)) throw new StoreDuplicate(key)
    await rename(tempPath, finalPath)
    return
  }
  await unlink(tempPath)
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err) => {
      if (err.code === 'ENOENT') return false
      throw err
    },
  )
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err.code === 'EPERM' // exists, owned by someone else
  }
}

function digest(algorithm: string, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex')
}
