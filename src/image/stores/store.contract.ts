/**
 * @module Shared suite every ImageStore passes; each implementation's test file is one call to
 * storeContract(). Checksums are compared with node:crypto over the same bytes.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { describe, test } from 'node:test'
import {
  StoreDataMissing,
  StoreDuplicate,
  StoreLocationInvalid,
  StoreRangeNotSatisfiable,
  StoreSizeExceeded,
  type ImageStore,
} from './store.ts'

export function storeContract(name: string, makeStore: () => Promise<ImageStore>): void {
  describe(`${name} store contract`, () => {
    test('add then open returns the same bytes with node:crypto checksums', async () => {
      const store = await makeStore()
      const bytes = randomBytes(3 * (1 << 20) + 12345) // several store blocks plus a tail
      const stored = await store.add('img-1', chunked(bytes, 65536))
      assert.equal(stored.size, bytes.length)
      assert.equal(stored.md5, hex('md5', bytes))
      assert.equal(stored.sha512, hex('sha512', bytes))
      const opened = await store.open(stored.location)
      assert.equal(opened.size, bytes.length)
      assert.equal(opened.totalSize, bytes.length)
      assert.deepEqual(await collect(opened.stream), bytes)
    })

    test('small and empty data', async () => {
      const store = await makeStore()
      for (const bytes of [Buffer.from('hello'), Buffer.alloc(0)]) {
        const stored = await store.add(`small-${bytes.length}`, chunked(bytes, 2))
        const expected = { size: bytes.length, md5: hex('md5', bytes), sha512: hex('sha512', bytes) }
        assert.deepEqual(stored, { location: stored.location, ...expected })
        const opened = await store.open(stored.location)
        assert.equal(opened.size, bytes.length)
        assert.deepEqual(await collect(opened.stream), bytes)
      }
    })

    test('a range yields just those bytes; end is clamped; a start past the end is refused', async () => {
      const store = await makeStore()
      const bytes = randomBytes(5000)
      const { location } = await store.add('ranged', chunked(bytes, 1000))
      const part = await store.open(location, { start: 1500, end: 2499 })
      assert.equal(part.size, 1000)
      assert.equal(part.totalSize, 5000)
      assert.deepEqual(await collect(part.stream), bytes.subarray(1500, 2500))
      const tail = await store.open(location, { start: 4990, end: 10_000 })
      assert.equal(tail.size, 10)
      assert.deepEqual(await collect(tail.stream), bytes.subarray(4990))
      await assert.rejects(store.open(location, { start: 5000, end: 5001 }), StoreRangeNotSatisfiable)
      await assert.rejects(store.open(location, { start: 20, end: 10 }), StoreRangeNotSatisfiable)
    })

    test('delete removes the data and is idempotent; opening it then says the data is missing', async () => {
      const store = await makeStore()
      const { location } = await store.add('doomed', chunked(Buffer.from('bye'), 3))
      await store.delete(location)
      await store.delete(location)
      await assert.rejects(store.open(location), StoreDataMissing)
      await store.add('doomed', chunked(Buffer.from('again'), 3)) // the key is free again
    })

    test('maxBytes: stops reading, closes the source, leaves nothing behind', async () => {
      const store = await makeStore()
      const source = countingSource(10, 1000)
      await assert.rejects(store.add('too-big', source.iterable, { maxBytes: 2500 }), StoreSizeExceeded)
      assert.equal(source.yielded(), 3)
      assert.equal(source.closed(), true)
      const stored = await store.add('too-big', chunked(Buffer.alloc(2500, 1), 1000), { maxBytes: 2500 })
      assert.equal(stored.size, 2500) // exactly the limit is fine, and the key was still free
    })

    test('beforeCommit sees the complete data; its rejection aborts the add and leaves nothing', async () => {
      const store = await makeStore()
      const bytes = randomBytes(2 * (1 << 20) + 7)
      const refusal = new Error('format rejected')
      let seen: { size: number; md5: string; head: Buffer; tail: Buffer } | undefined
      await assert.rejects(
        store.add('checked', chunked(bytes, 100_000), {
          beforeCommit: async (pending) => {
            seen = {
              size: pending.size,
              md5: pending.md5,
              head: Buffer.from(await pending.read(0, 16)),
              tail: Buffer.from(await pending.read(bytes.length - 5, 100)),
            }
            throw refusal
          },
        }),
        (err) => err === refusal,
      )
      assert.deepEqual(seen, {
        size: bytes.length,
        md5: hex('md5', bytes),
        head: bytes.subarray(0, 16),
        tail: bytes.subarray(bytes.length - 5),
      })
      let committed = false
      const stored = await store.add('checked', chunked(bytes, 100_000), { beforeCommit: async () => void (committed = true) })
      assert.equal(committed, true)
      assert.deepEqual(await collect((await store.open(stored.location)).stream), bytes)
    })

    test('a source that fails midway rejects with its error and leaves nothing', async () => {
      const store = await makeStore()
      const broken = new Error('client went away')
      async function* source() {
        yield randomBytes(1 << 20)
        yield randomBytes(1 << 20)
        throw broken
      }
      await assert.rejects(store.add('broken', source()), (err) => err === broken)
      await store.add('broken', chunked(Buffer.from('ok'), 1))
    })

    test('onProgress reports growing byte counts up to the size', async () => {
      const store = await makeStore()
      const seen: number[] = []
      await store.add('progress', chunked(Buffer.alloc(10_000), 3000), { onProgress: (n) => seen.push(n) })
      assert.deepEqual(seen, [3000, 6000, 9000, 10_000])
    })

    test('a key already holding data is refused; bad keys and foreign locations are refused', async () => {
      const store = await makeStore()
      const { location } = await store.add('taken', chunked(Buffer.from('first'), 5))
      const second = countingSource(3, 10)
      await assert.rejects(store.add('taken', second.iterable), StoreDuplicate)
      assert.equal((await second.iterable.next()).done, true) // the store closed it
      assert.deepEqual(await collect((await store.open(location)).stream), Buffer.from('first'))
      for (const key of ['', '../escape', 'a/b', '.partial', '.hidden']) {
        await assert.rejects(store.add(key, chunked(Buffer.from('x'), 1)), StoreLocationInvalid, key)
      }
      await assert.rejects(store.open('nowhere://taken'), StoreLocationInvalid)
      await assert.rejects(store.delete('nowhere://taken'), StoreLocationInvalid)
    })

    test('concurrent adds of different keys both land intact', async () => {
      const store = await makeStore()
      const a = randomBytes((1 << 20) * 2 + 1)
      const b = randomBytes((1 << 20) + 3)
      const [sa, sb] = await Promise.all([store.add('con-a', chunked(a, 50_000)), store.add('con-b', chunked(b, 70_000))])
      assert.equal(sa.sha512, hex('sha512', a))
      assert.equal(sb.sha512, hex('sha512', b))
      assert.deepEqual(await collect((await store.open(sa.location)).stream), a)
      assert.deepEqual(await collect((await store.open(sb.location)).stream), b)
    })

    test('localPath, when the store has one, is a file holding the data', async () => {
      const store = await makeStore()
      const bytes = randomBytes(777)
      const { location } = await store.add('local', chunked(bytes, 100))
      const path = store.localPath(location)
      if (path !== undefined) assert.deepEqual(await readFile(path), bytes)
      assert.equal(store.localPath('nowhere://local'), undefined)
    })
  })
}

export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size)
}

export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const part of stream) parts.push(part)
  return Buffer.concat(parts)
}

function hex(algorithm: string, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex')
}

/** An endless-enough source that records how far it was read and whether it was closed. */
function countingSource(chunks: number, chunkBytes: number) {
  let yielded = 0
  let closed = false
  async function* generate() {
    try {
      for (let i = 0; i < chunks; i++) {
        yielded++
        yield Buffer.alloc(chunkBytes, i)
      }
    } finally {
      closed = true
    }
  }
  return { iterable: generate(), yielded: () => yielded, closed: () => closed }
}
