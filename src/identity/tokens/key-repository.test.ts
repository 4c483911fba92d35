import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decodeFernetKey } from './fernet.ts'
import { KeyRepository, loadKeys, rotateKeys, setupKeys } from './key-repository.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nubis-keyrepo-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = () => path.join(root, `repo-${n++}`, 'fernet-keys')

const names = (dir: string) => fs.readdirSync(dir).sort((a, b) => Number(a) - Number(b))
const keyText = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf8')

test('setup creates 0700 dir with keys 0 and 1 (0600), and is idempotent', () => {
  const dir = freshDir()
  setupKeys(dir)
  assert.deepEqual(names(dir), ['0', '1'])
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700 & ~process.umask())
  for (const name of ['0', '1']) {
    assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600)
    assert.equal(decodeFernetKey(keyText(dir, name)).length, 32)
  }
  const before = [keyText(dir, '0'), keyText(dir, '1')]
  setupKeys(dir)
  assert.deepEqual(names(dir), ['0', '1'])
  assert.deepEqual([keyText(dir, '0'), keyText(dir, '1')], before)
})

test('load: primary is the highest index and comes first; stray files ignored', () => {
  const dir = freshDir()
  setupKeys(dir)
  fs.writeFileSync(path.join(dir, 'README'), 'not a key')
  fs.writeFileSync(path.join(dir, '7'), '')
  const { primary, all } = loadKeys(dir)
  assert.deepEqual(primary, decodeFernetKey(keyText(dir, '1')))
  assert.deepEqual(all, [decodeFernetKey(keyText(dir, '1')), decodeFernetKey(keyText(dir, '0'))])
})

test('load fails clearly on an empty repository or a corrupt key', () => {
  const dir = freshDir()
  fs.mkdirSync(dir, { recursive: true })
  assert.throws(() => loadKeys(dir), /no Fernet keys/)
  fs.writeFileSync(path.join(dir, '1'), 'garbage')
  assert.throws(() => loadKeys(dir), /invalid Fernet key/)
})

test('rotate promotes the staged key, stages a new one and purges the oldest', () => {
  const dir = freshDir()
  setupKeys(dir)
  const staged = keyText(dir, '0')
  rotateKeys(dir)
  assert.deepEqual(names(dir), ['0', '1', '2'])
  assert.equal(keyText(dir, '2'), staged)
  assert.notEqual(keyText(dir, '0'), staged)
  assert.equal(fs.statSync(path.join(dir, '0')).mode & 0o777, 0o600)

  rotateKeys(dir)
  assert.deepEqual(names(dir), ['0', '2', '3'])
  rotateKeys(dir, 5)
  rotateKeys(dir, 5)
  assert.deepEqual(names(dir), ['0', '2', '3', '4', '5'])
  rotateKeys(dir, 3)
  assert.deepEqual(names(dir), ['0', '5', '6'])
})

test('rotate never removes key 0 or the primary, even with max < 2', () => {
  const dir = freshDir()
  setupKeys(dir)
  rotateKeys(dir, 1)
  assert.deepEqual(names(dir), ['0', '2'])
  assert.throws(() => rotateKeys(dir, 0), RangeError)
})

test('rotate refuses a repository without a staged key', () => {
  const dir = freshDir()
  setupKeys(dir)
  fs.rmSync(path.join(dir, '0'))
  assert.throws(() => rotateKeys(dir), /no staged key 0/)
})

test('KeyRepository caches and reloads only when the directory changes', () => {
  const dir = freshDir()
  const repo = new KeyRepository(dir)
  const first = repo.setup()
  assert.equal(first.all.length, 2)
  assert.equal(repo.keys, first)

  // Another process rotates behind our back: the mtime changes, so we pick it up.
  rotateKeys(dir)
  assert.equal(repo.reloadIfChanged(), true)
  assert.deepEqual(repo.keys.primary, decodeFernetKey(keyText(dir, '2')))
  assert.equal(repo.keys.all.length, 3)

  const rotated = repo.rotate(3)
  assert.deepEqual(names(dir), ['0', '2', '3'])
  assert.equal(rotated, repo.keys)
})

test('reloadIfChanged skips reading when nothing changed', () => {
  const dir = freshDir()
  setupKeys(dir)
  // Age the directory so the load is not in the racy window.
  const old = new Date(Date.now() - 60_000)
  fs.utimesSync(dir, old, old)
  const repo = new KeyRepository(dir)
  const loaded = repo.load()
  assert.equal(repo.reloadIfChanged(), false)
  assert.equal(repo.keys, loaded)
})

test('a load racing a change re-reads once the mtime has settled', () => {
  const dir = freshDir()
  setupKeys(dir)
  // Simulate a coarse-mtime filesystem: content changes but the mtime stays where the load saw it.
  const mtime = new Date()
  fs.utimesSync(dir, mtime, mtime)
  const repo = new KeyRepository(dir)
  repo.load()
  fs.writeFileSync(path.join(dir, '5'), keyText(dir, '0'))
  fs.utimesSync(dir, mtime, mtime)
  assert.equal(repo.reloadIfChanged(), false)
  const settled = new Date(Date.now() + 5_000)
  const realNow = Date.now
  try {
    Date.now = () => settled.getTime() + 1
    assert.equal(repo.reloadIfChanged(), true)
    assert.equal(repo.keys.all.length, 3)
    assert.equal(repo.reloadIfChanged(), false)
  } finally {
    Date.now = realNow
  }
})
