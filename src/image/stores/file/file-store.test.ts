import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, test } from 'node:test'
import { chunked, storeContract } from '../store.contract.ts'
import { StoreDuplicate, StoreLocationInvalid, StoreSizeExceeded } from '../store.ts'
import { createFileStore, FileStore } from './file-store.ts'

const roots: string[] = []
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))))

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'nubis-file-store-'))
  roots.push(root)
  return join(root, 'images')
}

storeContract('file', async () => createFileStore(await tempRoot()))

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe()
    if (value !== undefined) return value
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const onlyPartial = async (store: FileStore) => (await readdir(store.partialDir))[0]

test('data lands at <root>/<key> with a file:// location', async () => {
  const store = await createFileStore(await tempRoot())
  const bytes = randomBytes(5000)
  const stored = await store.add('abc', chunked(bytes, 999))
  assert.equal(stored.location, `file://${store.root}/abc`)
  assert.equal(store.localPath(stored.location), join(store.root, 'abc'))
  assert.deepEqual(await readFile(join(store.root, 'abc')), bytes)
  assert.deepEqual(await readdir(store.partialDir), [])
})

test('failed adds leave neither a final file nor a partial', async () => {
  const store = await createFileStore(await tempRoot())
  async function* dies() {
    yield randomBytes(3 << 20)
    await sleep(10)
    throw new Error('connection reset')
  }
  await assert.rejects(store.add('a', dies()), /connection reset/)
  await assert.rejects(store.add('b', chunked(randomBytes(3 << 20), 1 << 16), { maxBytes: 1 << 20 }), StoreSizeExceeded)
  await assert.rejects(store.add('c', chunked(randomBytes(10), 5), { beforeCommit: async () => Promise.reject(new Error('bad format')) }), /bad format/)
  assert.deepEqual(await readdir(store.root), ['.partial'])
  assert.deepEqual(await readdir(store.partialDir), [])
})

test('two concurrent adds of one key: one wins, the other is a duplicate, nothing is torn', async () => {
  const store = await createFileStore(await tempRoot())
  const a = randomBytes(2 << 20)
  const b = randomBytes(2 << 20)
  const results = await Promise.allSettled([store.add('same', chunked(a, 1 << 16)), store.add('same', chunked(b, 1 << 16))])
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  const lost = results.find((r) => r.status === 'rejected')
  assert.ok(lost?.reason instanceof StoreDuplicate)
  const onDisk = await readFile(join(store.root, 'same'))
  assert.ok(onDisk.equals(a) || onDisk.equals(b))
  assert.deepEqual(await readdir(store.partialDir), [])
})

test('a writer killed mid-upload leaves only a partial, which reopening the store removes', async () => {
  const root = await tempRoot()
  const storeUrl = new URL('./file-store.ts', import.meta.url).href
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { createFileStore } from ${JSON.stringify(storeUrl)}
    const store = await createFileStore(${JSON.stringify(root)})
    async function* forever() { for (;;) { yield Buffer.alloc(1 << 20, 7); await new Promise((r) => setTimeout(r, 5)) } }
    await store.add('victim', forever())
  `], { stdio: 'inherit' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const store = new FileStore(root)
  const partial = await waitFor(async () => {
    const name = await onlyPartial(store).catch(() => undefined)
    return name && (await stat(join(store.partialDir, name))).size > 4 << 20 ? name : undefined
  }, 'the child to write 4 MiB')
  child.kill('SIGKILL')
  await exited
  assert.match(partial, new RegExp(`^victim\\.${child.pid}\\.`))
  await assert.rejects(stat(join(root, 'victim')), { code: 'ENOENT' })
  await createFileStore(root)
  assert.deepEqual(await readdir(store.partialDir), [])
})

test('cleanupPartials spares uploads in progress here and partials of live processes', async () => {
  const store = await createFileStore(await tempRoot())
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  async function* slow() {
    yield randomBytes(1000)
    await gate
    yield randomBytes(1000)
  }
  const adding = store.add('in-progress', slow())
  const inFlight = await waitFor(() => onlyPartial(store), 'the upload to start')
  const dead = await deadPid()
  await writeFile(join(store.partialDir, `orphan.${dead}.x`), 'left by a dead writer')
  await writeFile(join(store.partialDir, `other.${process.ppid}.x`), 'a live writer elsewhere')
  assert.equal(await store.cleanupPartials(), 1)
  assert.deepEqual((await readdir(store.partialDir)).sort(), [inFlight, `other.${process.ppid}.x`].sort())
  release()
  assert.equal((await adding).size, 2000)
})

test('locations outside the store root are refused, never opened', async () => {
  const store = await createFileStore(await tempRoot())
  const outside = ['file:///etc/passwd', `file://${store.root}/../images/x`, `file://${store.root}/.partial`, `file://${store.root}/sub/x`, `file://${store.root}`]
  for (const location of outside) {
    await assert.rejects(store.open(location), StoreLocationInvalid, location)
    await assert.rejects(store.delete(location), StoreLocationInvalid, location)
    assert.equal(store.localPath(location), undefined, location)
  }
})

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true')
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}
