/**
 * @module The tiny guest's initramfs: busybox-static and its applet links, the guest files from
 * ./rootfs, and the kernel modules the guest loads at boot, as one reproducible gzip'd cpio.
 */
import { copyFile, readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { CpioEntry } from './cpio-newc.ts'
import { cpioNewc } from './cpio-newc.ts'
import { runStep, TinyGuestError } from './host-step.ts'

/** Guest files (init, rc scripts, udhcpc hook, httpd pages) laid out as in the guest. */
export const rootfsDir = join(import.meta.dirname, 'rootfs')

/**
 * Modules the guest loads, in this order (each after its dependencies): virtio devices, IDE/SCSI
 * CD-ROM for config drives on `-M pc`, the file systems of config drives and the boot disk, the
 * ACPI power button (QMP system_powerdown), and 802.1Q for VLAN trunk tests.
 */
export const guestKernelModules = [
  'virtio_pci', 'virtio_mmio', 'virtio_net', 'virtio_blk', 'virtio_scsi', 'sd_mod', 'virtio_console', 'virtio_rng',
  'virtio_balloon', 'ata_piix', 'sr_mod', 'isofs', 'vfat', 'nls_cp437', 'nls_iso8859_1', 'button', 'evdev', '8021q',
]

/** Empty directories the guest mounts on or writes to. */
const guestDirs = ['proc', 'sys', 'dev', 'run', 'mnt/config', 'root', 'var/log', 'etc/init.d']

/**
 * The module files (host paths, dependencies first, each once) that load `names` into kernel
 * `kernelVersion`. Modules built into the kernel need no file; names modprobe cannot find are in `missing`.
 */
export async function resolveModules(kernelVersion: string, names: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = []
  const missing: string[] = []
  for (const name of names) {
    let out: string
    try {
      out = await runStep(`kernel module ${name}`, 'modprobe', ['--show-depends', '--set-version', kernelVersion, name], { timeoutMs: 15_000 })
    } catch {
      missing.push(name)
      continue
    }
    for (const line of out.split('\n')) {
      const [verb, file] = line.trim().split(/\s+/)
      if (verb === 'insmod' && file && !files.includes(file)) files.push(file)
    }
  }
  return { files, missing }
}

/** The busybox applets as paths relative to / (e.g. `usr/sbin/httpd`), from the binary itself. */
export async function busyboxApplets(busybox: string): Promise<string[]> {
  const out = await runStep('listing busybox applets', busybox, ['--list-full'], { timeoutMs: 15_000 })
  return out.split('\n').map((l) => l.trim()).filter((l) => l && l !== 'bin/busybox')
}

/** Kernel module contents, uncompressed (busybox insmod cannot read .ko.xz or .ko.zst). */
export async function moduleContents(file: string, workDir: string): Promise<{ path: string; data: Buffer }> {
  const tools = { '.xz': ['xz', '-d', '-f'], '.zst': ['zstd', '-d', '-q', '-f', '--rm'] } as const
  const ext = file.endsWith('.ko.xz') ? '.xz' : file.endsWith('.ko.zst') ? '.zst' : undefined
  if (!ext) return { path: file, data: await readFile(file) }
  const copy = join(workDir, basename(file))
  await copyFile(file, copy)
  const [cmd, ...args] = tools[ext]
  await runStep(`decompressing ${basename(file)}`, cmd, [...args, copy])
  return { path: file.slice(0, -ext.length), data: await readFile(copy.slice(0, -ext.length)) }
}

/** Every file under `dir`, as [path relative to dir, absolute path], in a stable order. */
export async function listFiles(dir: string): Promise<Array<[string, string]>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e): [string, string] => [relative(dir, join(e.parentPath, e.name)), join(e.parentPath, e.name)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * The initramfs, gzip'd: identical inputs give identical bytes (`mtime` stamps every entry).
 * `/init` is ./rootfs/init; scripts (files starting with `#!`) are made executable.
 */
export async function buildInitramfs(o: {
  busybox: string
  moduleFiles: string[]
  workDir: string
  mtime: number
}): Promise<Buffer> {
  const busyboxStat = await stat(o.busybox)
  if (!busyboxStat.isFile()) throw new TinyGuestError(`busybox is not a file: ${o.busybox}`)
  const entries: CpioEntry[] = [
    ...guestDirs.map((path): CpioEntry => ({ kind: 'dir', path })),
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'char-device', path: 'dev/console', major: 5, minor: 1 }, // the kernel opens it before /init runs
    { kind: 'file', path: 'bin/busybox', data: await readFile(o.busybox), mode: 0o755 },
    ...(await busyboxApplets(o.busybox)).map((path): CpioEntry => ({ kind: 'symlink', path, target: '/bin/busybox' })),
  ]
  for (const [path, file] of await listFiles(rootfsDir)) {
    const data = await readFile(file)
    entries.push({ kind: 'file', path, data, mode: data.subarray(0, 2).toString() === '#!' ? 0o755 : 0o644 })
  }
  const loaded: string[] = []
  for (const file of o.moduleFiles) {
    const module = await moduleContents(file, o.workDir)
    entries.push({ kind: 'file', path: module.path, data: module.data })
    loaded.push(module.path)
  }
  entries.push({ kind: 'file', path: 'etc/modules.list', data: Buffer.from(loaded.map((p) => `${p}\n`).join('')) })
  return gzipSync(cpioNewc(entries, o.mtime), { level: 9 })
}
