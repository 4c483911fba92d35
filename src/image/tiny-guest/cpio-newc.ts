/**
 * @module Writes cpio archives in the "newc" format the Linux kernel unpacks as an initramfs.
 * Written here rather than piped through cpio(1) so the archive needs no staging tree, can hold
 * device nodes without root, and is byte-for-byte reproducible (fixed owner and mtime, sorted).
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'char-device'; path: string; major: number; minor: number; mode?: number }

const typeBits = { dir: 0o040000, file: 0o100000, symlink: 0o120000, 'char-device': 0o020000 } as const
const defaultPerm = { dir: 0o755, file: 0o644, symlink: 0o777, 'char-device': 0o600 } as const

/** Path inside the archive: relative, no leading `./` or `/`, no trailing `/`. */
export function archivePath(path: string): string {
  return path.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
}

/**
 * The archive for `entries`, sorted by path, with every missing parent directory added, owned by
 * root and stamped with `mtime` (seconds). Later entries with the same path replace earlier ones.
 */
export function cpioNewc(entries: CpioEntry[], mtime = 0): Buffer {
  const byPath = new Map<string, CpioEntry>()
  for (const entry of entries) {
    const path = archivePath(entry.path)
    if (!path) throw new Error(`cpio entry has an empty path: ${JSON.stringify(entry.path)}`)
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i)
      if (!byPath.has(parent)) byPath.set(parent, { kind: 'dir', path: parent })
    }
    byPath.set(path, { ...entry, path })
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const chunks: Buffer[] = []
  let ino = 1
  for (const entry of sorted) chunks.push(...encodeEntry(entry, ino++, mtime))
  chunks.push(...record({ name: 'TRAILER!!!', ino: 0, mode: 0, nlink: 1, mtime: 0, data: Buffer.alloc(0) }))
  return Buffer.concat(chunks)
}

function encodeEntry(entry: CpioEntry, ino: number, mtime: number): Buffer[] {
  const perm = entry.kind === 'symlink' ? defaultPerm.symlink : (entry.mode ?? defaultPerm[entry.kind])
  const mode = typeBits[entry.kind] | (perm & 0o7777)
  const data = entry.kind === 'file' ? entry.data : entry.kind === 'symlink' ? Buffer.from(entry.target) : Buffer.alloc(0)
  const rdev = entry.kind === 'char-device' ? { rdevMajor: entry.major, rdevMinor: entry.minor } : {}
  return record({ name: entry.path, ino, mode, nlink: entry.kind === 'dir' ? 2 : 1, mtime, data, ...rdev })
}

function record(r: { name: string; ino: number; mode: number; nlink: number; mtime: number; data: Buffer; rdevMajor?: number; rdevMinor?: number }): Buffer[] {
  const name = Buffer.from(`${r.name}\0`)
  const fields = [r.ino, r.mode, 0, 0, r.nlink, r.mtime, r.data.length, 0, 0, r.rdevMajor ?? 0, r.rdevMinor ?? 0, name.length, 0]
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii')
  return [header, name, padding(header.length + name.length), r.data, padding(r.data.length)]
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field out of range: ${n}`)
  return n.toString(16).padStart(8, '0')
}

/** newc pads the header+name and the data each to a multiple of 4 bytes. */
function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4)
}
