/**
 * @module The Debian packages the tiny guest build needs: finds the missing ones, installs them
 * (root, Debian/Ubuntu, only when asked), and otherwise fails with the apt-get command to run.
 */
import { readdir } from 'node:fs/promises'
import {
  aptProgress, isDebianLike, missingPackages, planHostPackages, realHostPackageDeps, type HostPackageDeps,
} from '../../common/host/host-packages.ts'
import type { Logger } from '../../common/log/logger.ts'
import { TinyGuestError } from './host-step.ts'

/** Packages whose files the build uses; the kernel package is only wanted when /boot has no kernel. */
export const tinyGuestBuildPackages = [
  'busybox-static', // /bin/busybox, statically linked: the whole guest userland
  'kmod', // modprobe --show-depends, to pick kernel modules with their dependencies
  'dosfstools', // mkfs.vfat -C: the boot partition as a plain file
  'mtools', // mcopy: files into that partition without mounting it
  'syslinux', // syslinux --install: boot loader into the partition image
  'syslinux-common', // mbr.bin: boot code for the disk's first sector
  'qemu-utils', // qemu-img convert: raw disk to qcow2
]
export const kernelPackage = 'linux-image-cloud-amd64'

/** Thrown when packages are missing and may not be installed; `command` installs them. */
export class MissingHostPackages extends TinyGuestError {
  readonly packages: string[]
  readonly command: string
  constructor(packages: string[], command: string, reason: string) {
    super(`the tiny guest build needs Debian packages that are missing: ${packages.join(' ')} (${reason}); install them with: ${command}`)
    this.packages = packages
    this.command = command
  }
}

/** Kernel versions with a /boot/vmlinuz-<version>, newest first, cloud flavour before others. */
export async function installedKernels(bootDir = '/boot'): Promise<string[]> {
  const names = await readdir(bootDir).catch(() => [] as string[])
  const versions = names.filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length))
  const newestFirst = versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  return [...newestFirst.filter((v) => v.endsWith('-cloud-amd64')), ...newestFirst.filter((v) => !v.endsWith('-cloud-amd64'))]
}

/**
 * Makes sure every package in tinyGuestBuildPackages (and a kernel) is installed. With `install`
 * it runs apt-get as root on Debian/Ubuntu; otherwise, or if that fails, it throws MissingHostPackages.
 */
export async function ensureBuildPackages(o: {
  log: Logger
  install: boolean
  onProgress?: (step: string) => void
  deps?: Partial<HostPackageDeps>
  bootDir?: string
}): Promise<void> {
  const deps: HostPackageDeps = { ...realHostPackageDeps, ...o.deps }
  const findMissing = async () => {
    const wanted = [...tinyGuestBuildPackages, ...((await installedKernels(o.bootDir)).length ? [] : [kernelPackage])]
    return missingPackages(await deps.installedPackages(wanted), wanted)
  }
  const missing = await findMissing()
  if (missing.length === 0) return
  const plan = planHostPackages({
    missing, isRoot: deps.isRoot(), debianLike: isDebianLike(await deps.readOsRelease()), hasAptGet: await deps.hasAptGet(),
  })
  if (plan.action === 'advise') throw new MissingHostPackages(missing, plan.command, plan.reason)
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (!o.install) throw new MissingHostPackages(missing, command, 'installing packages was not requested')

  const step = `installing Debian packages: ${missing.join(' ')}`
  o.log.info(`building tiny guest: ${step}`)
  o.onProgress?.(step)
  const update = await deps.aptGet(['update'], () => {}, 5 * 60_000)
  if (!update.ok) o.log.warn('apt-get update failed; installing from the current package lists', { reason: update.reason })
  const progress = (line: string) => {
    const what = aptProgress(line)
    if (what) o.log.info(`apt-get: ${what}`)
  }
  // Another apt-get may hold the dpkg lock for a while (kernel postinst runs update-initramfs).
  const args = ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Options::=--force-confold', ...missing]
  const result = await deps.aptGet(args, progress, 15 * 60_000)
  const still = await findMissing()
  if (still.length > 0) {
    throw new MissingHostPackages(still, command, `apt-get install failed: ${result.reason || 'packages still missing afterwards'}`)
  }
}
