/** @module The fake world's hand-over files: a map and a set kept in a directory, so fake hosts in several processes share them. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A map kept as one JSON file per key in `dir` (only the calls the fake driver makes). */
export class FileMap<V> extends Map<string, V> {
  readonly #dir: string
  constructor(dir: string) {
    super()
    this.#dir = dir
    mkdirSync(dir, { recursive: true })
  }
  #path(key: string) {
    return join(this.#dir, `${encodeURIComponent(key)}.json`)
  }
  override get(key: string): V | undefined {
    return existsSync(this.#path(key)) ? (JSON.parse(readFileSync(this.#path(key), 'utf8')) as V) : undefined
  }
  override has(key: string): boolean {
    return existsSync(this.#path(key))
  }
  override set(key: string, value: V): this {
    writeFileSync(`${this.#path(key)}.tmp`, JSON.stringify(value))
    renameSync(`${this.#path(key)}.tmp`, this.#path(key))
    return this
  }
  override delete(key: string): boolean {
    const had = this.has(key)
    rmSync(this.#path(key), { force: true })
    return had
  }
}

/** A set kept as one empty file per member in `dir`. */
export class FileSet extends Set<string> {
  readonly #dir: string
  constructor(dir: string) {
    super()
    this.#dir = dir
    mkdirSync(dir, { recursive: true })
  }
  override has(key: string): boolean {
    return existsSync(join(this.#dir, encodeURIComponent(key)))
  }
  override add(key: string): this {
    writeFileSync(join(this.#dir, encodeURIComponent(key)), '')
    return this
  }
  override delete(key: string): boolean {
    const had = this.has(key)
    rmSync(join(this.#dir, encodeURIComponent(key)), { force: true })
    return had
  }
}
