/**
 * @module nubis-tiny: the project's own small bootable test guest (like CirrOS), built on this
 * host from Debian packages only: the Debian cloud kernel plus a busybox initramfs. Tests and the
 * compute service boot it; see rootfs/etc/init.d/rcS for what the guest does at boot.
 */
import { createHash } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from '../../common/host/run-command.ts'
import type { Logger } from '../../common/log/logger.ts'
import { buildBootDisk } from './boot-disk.ts'
import { ensureBuildPackages, installedKernels, kernelPackage, MissingHostPackages } from './build-packages.ts'
import { TinyGuestError } from './host-step.ts'
import { buildInitramfs, guestKernelModules, listFiles, resolveModules, rootfsDir } from './initramfs.ts'

export type TinyGuest = {
  /** The guest kernel (a copy of /boot/vmlinuz-<version>), for direct kernel boot. */
  kernel: string
  /** gzip'd newc cpio with busybox, the guest scripts and kernel modules. */
  initramfs: string
  /** Kernel command line for direct kernel boot (serial console on ttyS0). */
  cmdline: string
  /** qcow2 whole-disk image: MBR + FAT + SYSLINUX + kernel + initramfs; SeaBIOS boots it. */
  disk: string
  /** Identifies the build inputs; it changes whenever the guest files, the kernel or busybox change. */
  version: string
}

export type BuildTinyGuestOptions = {
  outDir: string
  log: Logger
  /** Install missing Debian packages with apt-get (only as root on Debian/Ubuntu). Default false. */
  installPackages?: boolean
  /** Rebuild although the outputs are up to date. */
  force?: boolean
  /** Called with each build step as it starts (the same words as the log lines). */
  onProgress?: (step: string) => void
}

export const tinyGuestCmdline = 'console=ttyS0 quiet panic=-1'
/** SYSLINUX also writes to the VGA console; the last console= is the one /init and the shell get. */
const diskCmdline = 'console=tty0 console=ttyS0,115200 quiet panic=-1'
const busyboxPath = '/bin/busybox'
/** Timestamp for every file in the initramfs and the FAT (2023-11-14), so builds are reproducible. */
const buildEpoch = 1_700_000_000
const outputs = { kernel: 'vmlinuz', initramfs: 'initramfs.gz', cmdline: 'cmdline', disk: 'disk.qcow2' } as const
const stampFile = '.tiny-guest-stamp'

/**
 * Builds the tiny guest into `outDir` and returns its files. Does nothing (and returns at once)
 * when the last build there used the same guest files, build code, kernel and busybox, unless
 * `force`. Needs no root, loop devices or mounts; missing packages make it throw
 * MissingHostPackages (or install them, see `installPackages`). Outputs appear only when complete.
 */
export async function buildTinyGuest(opts: BuildTinyGuestOptions): Promise<TinyGuest> {
  const log = opts.log
  const progress = (step: string) => {
    log.info(`building tiny guest: ${step}`)
    opts.onProgress?.(step)
  }
  await ensureBuildPackages({ log, install: opts.installPackages ?? false, onProgress: opts.onProgress })
  const kernelVersion = (await installedKernels())[0]
  if (!kernelVersion) throw new MissingHostPackages([kernelPackage], `apt-get install -y --no-install-recommends ${kernelPackage}`, 'no kernel in /boot')
  const busyboxVersion = await debianVersion('busybox-static')
  const hash = await inputsHash({ kernelVersion, busyboxVersion })
  const outDir = opts.outDir
  const guest: TinyGuest = {
    kernel: join(outDir, outputs.kernel),
    initramfs: join(outDir, outputs.initramfs),
    cmdline: tinyGuestCmdline,
    disk: join(outDir, outputs.disk),
    version: `nubis-tiny-${hash.slice(0, 12)}`,
  }
  if (!opts.force && (await isUpToDate(outDir, hash))) {
    log.info('tiny guest is up to date', { dir: outDir, version: guest.version, kernel: kernelVersion })
    return guest
  }

  const started = Date.now()
  await mkdir(outDir, { recursive: true })
  const work = await mkdtemp(join(outDir, '.build-'))
  try {
    progress(`kernel ${kernelVersion}`)
    await copyFile(`/boot/vmlinuz-${kernelVersion}`, join(work, outputs.kernel)).catch((err: Error) => {
      throw new TinyGuestError(`cannot read the kernel /boot/vmlinuz-${kernelVersion} (${err.message})`, { cause: err })
    })
    const modules = await resolveModules(kernelVersion, guestKernelModules)
    if (modules.missing.length) log.warn('kernel modules not found; the guest boots without them', { modules: modules.missing.join(' ') })
    progress(`initramfs (busybox ${shortVersion(busyboxVersion)}, ${modules.files.length} kernel modules)`)
    const initramfs = await buildInitramfs({ busybox: busyboxPath, moduleFiles: modules.files, workDir: work, mtime: buildEpoch })
    await writeFile(join(work, outputs.initramfs), initramfs)
    await writeFile(join(work, outputs.cmdline), `${tinyGuestCmdline}\n`)
    progress('boot disk (MBR, FAT16, SYSLINUX; qcow2)')
    await buildBootDisk({
      kernel: join(work, outputs.kernel), initramfs: join(work, outputs.initramfs), cmdline: diskCmdline,
      workDir: work, out: join(work, outputs.disk), mtime: buildEpoch,
    })
    // The stamp goes first and comes back last, so an interrupted update never looks up to date.
    await rm(join(outDir, stampFile), { force: true })
    for (const name of Object.values(outputs)) await rename(join(work, name), join(outDir, name))
    await writeFile(join(outDir, stampFile), `${hash}\n`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  const mibOf = async (path: string) => Math.round(((await stat(path)).size / (1 << 20)) * 10) / 10
  log.info('tiny guest built', {
    dir: outDir, version: guest.version, seconds: (Date.now() - started) / 1000,
    kernelMib: await mibOf(guest.kernel), initramfsMib: await mibOf(guest.initramfs), diskMib: await mibOf(guest.disk),
  })
  return guest
}

/** sha256 over everything that decides the outputs: guest files, this folder's code, kernel, busybox. */
async function inputsHash(o: { kernelVersion: string; busyboxVersion: string }): Promise<string> {
  const hash = createHash('sha256')
  hash.update(`kernel ${o.kernelVersion}\nbusybox ${o.busyboxVersion}\n`)
  const code = (await listFiles(import.meta.dirname)).filter(([path]) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
  const guestFiles = (await listFiles(rootfsDir)).map(([path, file]): [string, string] => [`rootfs/${path}`, file])
  for (const [path, file] of [...code, ...guestFiles]) {
    hash.update(`${path}\0`)
    hash.update(await readFile(file))
    hash.update('\0')
  }
  return hash.digest('hex')
}

async function isUpToDate(outDir: string, hash: string): Promise<boolean> {
  const stamp = await readFile(join(outDir, stampFile), 'utf8').catch(() => '')
  if (stamp.trim() !== hash) return false
  const present = await Promise.all(Object.values(outputs).map((name) => stat(join(outDir, name)).then(() => true, () => false)))
  return present.every(Boolean)
}

async function debianVersion(pkg: string): Promise<string> {
  const r = await runCommand('dpkg-query', ['-W', '-f=${Version}', pkg], { timeoutMs: 15_000 }).catch(() => undefined)
  return r?.code === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown'
}

/** `1:1.35.0-4+deb12u1` -> `1.35`: what an operator calls the version. */
export function shortVersion(debian: string): string {
  const upstream = debian.replace(/^\d+:/, '').replace(/-[^-]*$/, '')
  return /^\d+\.\d+/.exec(upstream)?.[0] ?? upstream
}
