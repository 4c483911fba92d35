/**
 * Keystone's Fernet key repository (keystone-manage fernet_setup / fernet_rotate):
 * files named 0,1,2,... each holding one urlsafe-base64 key. `0` is the staged key
 * (next primary), the highest index is the primary (encrypts), every key decrypts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { decodeFernetKey, generateFernetKey } from './fernet.ts'

/** Keys loaded from a repository; `all` is ordered by index descending, so `all[0] === primary`. */
export type LoadedKeys = { primary: Buffer; all: Buffer[] }

const KEY_NAME = /^\d+$/
// Changes this close to a load may share its mtime on coarse-clock filesystems, so look again.
const RACY_WINDOW_NS = 2_000_000_000n

/** Creates `dir` (mode 0700) with a staged key 0 and a primary key 1. No-op if key 0 already exists (as Keystone). */
export function setupKeys(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (fs.existsSync(path.join(dir, '0'))) return
  writeKeyFile(dir, '0', generateFernetKey())
  rotateKeys(dir)
}

/**
 * Promotes staged key 0 to (highest index + 1), writes a new staged key 0, then deletes the
 * lowest-numbered secondary keys until at most `maxActiveKeys` remain. Key 0 and the primary
 * are never deleted, so at least two keys survive even when `maxActiveKeys` < 2.
 */
export function rotateKeys(dir: string, maxActiveKeys = 3): void {
  if (!Number.isInteger(maxActiveKeys) || maxActiveKeys < 1) throw new RangeError('maxActiveKeys must be an integer >= 1')
  const indexes = listKeyIndexes(dir)
  if (!indexes.includes(0)) throw new Error(`no staged key 0 in ${dir}; set the repository up first`)
  const newPrimary = Math.max(...indexes) + 1

  // Stage the replacement first so a crash never leaves the repository without a key 0 for long.
  const tmp = writeTmpKey(dir, generateFernetKey())
  fs.renameSync(path.join(dir, '0'), path.join(dir, String(newPrimary)))
  fs.renameSync(tmp, path.join(dir, '0'))

  // Keystone's purge: secondaries plus the new primary, oldest removed first, leaving room for key 0.
  const active = [...indexes.filter((i) => i !== 0), newPrimary].sort((a, b) => b - a)
  while (active.length > Math.max(maxActiveKeys - 1, 1)) {
    fs.rmSync(path.join(dir, String(active.pop())), { force: true })
  }
  fsyncDir(dir)
}

/** Reads every key file; throws if a file holds an invalid key or the repository has no keys. */
export function loadKeys(dir: string): LoadedKeys {
  const entries: Array<{ index: number; key: Buffer }> = []
  for (const name of fs.readdirSync(dir)) {
    if (!KEY_NAME.test(name)) continue
    let text: string
    try {
      text = fs.readFileSync(path.join(dir, name), 'utf8')
    } catch (err) {
      // A concurrent rotation may purge a file between readdir and read.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    // Keystone skips empty key files rather than failing.
    if (text.trim() === '') continue
    try {
      entries.push({ index: Number(name), key: decodeFernetKey(text) })
    } catch {
      throw new Error(`invalid Fernet key in ${path.join(dir, name)}`)
    }
  }
  if (entries.length === 0) throw new Error(`no Fernet keys found in ${dir}`)
  const all = entries.sort((a, b) => b.index - a.index).map((e) => e.key)
  return { primary: all[0], all }
}

/** A key repository with an in-memory cache that notices other processes' rotations cheaply. */
export class KeyRepository {
  readonly dir: string
  #keys: LoadedKeys | undefined
  #mtimeNs = -1n
  #racy = true

  constructor(dir: string) {
    this.dir = dir
  }

  /** The cached keys, loading them on first use. */
  get keys(): LoadedKeys {
    return this.#keys ?? this.load()
  }

  /** Reads the directory now and caches the result. */
  load(): LoadedKeys {
    // Stat before reading so a change during the read shows up as a newer mtime next time.
    const before = fs.statSync(this.dir, { bigint: true })
    this.#keys = loadKeys(this.dir)
    this.#mtimeNs = before.mtimeNs
    this.#racy = isRecent(before.mtimeNs)
    return this.#keys
  }

  /** Runs `setupKeys` on the directory and reloads. */
  setup(): LoadedKeys {
    setupKeys(this.dir)
    return this.load()
  }

  /** Runs `rotateKeys` on the directory and reloads. */
  rotate(maxActiveKeys = 3): LoadedKeys {
    rotateKeys(this.dir, maxActiveKeys)
    return this.load()
  }

  /**
   * Re-reads the keys only if the directory's mtime changed since the last load (otherwise it is
   * one stat call), plus once more after a load that raced a change within the mtime granularity.
   * Returns true if it reloaded.
   */
  reloadIfChanged(): boolean {
    if (this.#keys) {
      const { mtimeNs } = fs.statSync(this.dir, { bigint: true })
      const recheckDue = this.#racy && !isRecent(mtimeNs)
      if (mtimeNs === this.#mtimeNs && !recheckDue) return false
    }
    this.load()
    return true
  }
}

/** True if `mtimeNs` is too close to now for a same-mtime check to prove nothing changed since. */
function isRecent(mtimeNs: bigint): boolean {
  const age = BigInt(Date.now()) * 1_000_000n - mtimeNs
  return age < RACY_WINDOW_NS && age > -RACY_WINDOW_NS
}

function listKeyIndexes(dir: string): number[] {
  return fs.readdirSync(dir).filter((name) => KEY_NAME.test(name)).map(Number)
}

function writeKeyFile(dir: string, name: string, key: string): void {
  fs.renameSync(writeTmpKey(dir, key), path.join(dir, name))
  fsyncDir(dir)
}

/** Writes `key` to a fresh non-numeric (so never loaded) temp file, fsynced, mode 0600. */
function writeTmpKey(dir: string, key: string): string {
  const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)
  const fd = fs.openSync(tmp, 'wx', 0o600)
  try {
    fs.writeFileSync(fd, key)
    fs.fsyncSync(fd)
  } catch (err) {
    fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    throw err
  }
  fs.closeSync(fd)
  return tmp
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
