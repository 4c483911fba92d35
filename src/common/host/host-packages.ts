/**
 * @module Installs the Debian packages the real drivers need, when `nubis up` may (root on
 * Debian/Ubuntu), and otherwise says which ones to install. Never stops the cloud from starting.
 */
import { readFile } from 'node:fs/promises'
import type { Logger } from '../log/logger.ts'
import { findCommand, runCommand } from './run-command.ts'

/** Packages of the real drivers (qemu, linuxbridge, dhcp, l3, haproxy, file volumes, config drives). */
export const defaultHostPackages = [
  'qemu-system-x86', 'qemu-utils', 'dnsmasq-base', 'iptables', 'ipset', 'ebtables', 'haproxy', 'iproute2', 'conntrack', 'genisoimage',
]

export type HostPackageDeps = {
  /** The subset of `names` that dpkg reports as installed. */
  installedPackages(names: string[]): Promise<Set<string>>
  isRoot(): boolean
  /** Contents of /etc/os-release, if readable. */
  readOsRelease(): Promise<string | undefined>
  hasAptGet(): Promise<boolean>
  /** Runs apt-get with `args`, passing each output line to `onLine`. */
  aptGet(args: string[], onLine: (line: string) => void, timeoutMs: number): Promise<{ ok: boolean; reason: string }>
}

export type InstallPlan =
  | { action: 'none' }
  | { action: 'install'; packages: string[] }
  | { action: 'advise'; packages: string[]; reason: string; command: string }

/** Wanted packages that are not installed, deduplicated, in the order wanted. */
export function missingPackages(installed: Set<string>, wanted: string[]): string[] {
  const names = wanted.map((p) => p.trim()).filter(Boolean)
  return [...new Set(names)].filter((p) => !installed.has(p))
}

/** True when /etc/os-release says Debian, Ubuntu or a derivative of either. */
export function isDebianLike(osRelease: string | undefined): boolean {
  if (!osRelease) return false
  const field = (key: string) => new RegExp(`^${key}=["']?([^"'\\n]*)`, 'm').exec(osRelease)?.[1] ?? ''
  const ids = `${field('ID')} ${field('ID_LIKE')}`.toLowerCase().split(/\s+/)
  return ids.includes('debian') || ids.includes('ubuntu')
}

/** Pure: install when we are allowed to (root, Debian-like, apt-get present); otherwise advise. */
export function planHostPackages(o: { missing: string[]; isRoot: boolean; debianLike: boolean; hasAptGet: boolean }): InstallPlan {
  if (o.missing.length === 0) return { action: 'none' }
  if (o.isRoot && o.debianLike && o.hasAptGet) return { action: 'install', packages: o.missing }
  const reason = !o.debianLike ? 'this host is not Debian or Ubuntu' : !o.hasAptGet ? 'apt-get is not available' : 'not running as root'
  const command = `${o.debianLike && !o.isRoot ? 'sudo ' : ''}apt-get install -y --no-install-recommends ${o.missing.join(' ')}`
  return { action: 'advise', packages: o.missing, reason, command }
}

/** The apt output lines worth an info log line: one per package unpacked or set up. */
export function aptProgress(line: string): string | undefined {
  const m = /^(Unpacking|Setting up) (\S+)/.exec(line.trim())
  return m ? `${m[1].toLowerCase()} ${m[2]}` : undefined
}

export const realHostPackageDeps: HostPackageDeps = {
  async installedPackages(names) {
    const dpkgQuery = await findCommand('dpkg-query')
    if (!dpkgQuery || names.length === 0) return new Set()
    const r = await runCommand(dpkgQuery, ['-W', '-f=${Package}\\t${Status}\\n', ...names], { timeoutMs: 15_000 })
    const installed = r.stdout.split('\n').map((l) => l.split('\t')).filter(([, status]) => status?.endsWith(' installed'))
    return new Set(installed.map(([name]) => name.replace(/:.*$/, '')))
  },
  isRoot: () => process.getuid?.() === 0,
  readOsRelease: () => readFile('/etc/os-release', 'utf8').catch(() => undefined),
  hasAptGet: async () => (await findCommand('apt-get')) !== undefined,
  async aptGet(args, onLine, timeoutMs) {
    const r = await runCommand((await findCommand('apt-get')) ?? 'apt-get', args, {
      timeoutMs, onLine, env: { DEBIAN_FRONTEND: 'noninteractive', PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
    })
    if (r.timedOut) return { ok: false, reason: `timed out after ${timeoutMs / 60_000} min` }
    const last = r.stderr.trim().split('\n').filter((l) => /^E:/.test(l)).at(-1) ?? r.stderr.trim().split('\n').at(-1)
    return { ok: r.code === 0, reason: r.code === 0 ? '' : `exit code ${r.code}: ${last ?? ''}`.trim() }
  },
}

/**
 * Makes sure the packages of the enabled real drivers (`baseline`, by default
 * defaultHostPackages, plus `packages`) are installed. Installs them as root on Debian/Ubuntu,
 * otherwise logs the command to run. Never throws for a failed install: the doctor reports what is still missing.
 */
export async function ensureHostPackages(o: {
  log: Logger
  packages: string[]
  baseline?: string[]
  deps?: Partial<HostPackageDeps>
}): Promise<void> {
  const deps: HostPackageDeps = { ...realHostPackageDeps, ...o.deps }
  const wanted = [...(o.baseline ?? defaultHostPackages), ...o.packages]
  const missing = missingPackages(await deps.installedPackages(wanted), wanted)
  const plan = planHostPackages({
    missing, isRoot: deps.isRoot(), debianLike: isDebianLike(await deps.readOsRelease()), hasAptGet: await deps.hasAptGet(),
  })
  if (plan.action === 'none') {
    o.log.debug('host packages for the enabled drivers are installed', { packages: wanted.length })
    return
  }
  if (plan.action === 'advise') {
    o.log.warn(`host packages for the enabled drivers are missing; install them with: ${plan.command}`, { reason: plan.reason })
    return
  }
  o.log.info(`installing missing host packages for the enabled drivers: ${plan.packages.join(' ')}`)
  const progress = (line: string) => {
    const step = aptProgress(line)
    if (step) o.log.info(`apt-get: ${step}`)
  }
  const update = await deps.aptGet(['update'], () => {}, 5 * 60_000)
  if (!update.ok) o.log.warn('apt-get update failed; installing from the current package lists', { reason: update.reason })
  const install = await deps.aptGet(
    ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confold', ...plan.packages], progress, 15 * 60_000,
  )
  if (!install.ok) {
    o.log.error('could not install host packages; the cloud still starts, and `nubis doctor` shows what is missing', {
      packages: plan.packages.join(' '), reason: install.reason,
    })
    return
  }
  o.log.info('installed host packages for the enabled drivers', { packages: plan.packages.join(' ') })
}
