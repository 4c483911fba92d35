import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { HostPackageDeps } from '../../common/host/host-packages.ts'
import { silentLogger } from '../../common/log/logger.ts'
import { ensureBuildPackages, installedKernels, kernelPackage, MissingHostPackages, tinyGuestBuildPackages } from './build-packages.ts'

async function bootDirWith(t: { after(fn: () => Promise<void>): void }, names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nubis-boot-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  for (const name of names) await writeFile(join(dir, name), '')
  return dir
}

/** A Debian host where `installed` are the installed packages; apt-get calls are recorded. */
function debianHost(o: { installed: string[]; isRoot: boolean }) {
  const aptCalls: string[][] = []
  const deps: Partial<HostPackageDeps> = {
    installedPackages: async (names) => new Set(names.filter((n) => o.installed.includes(n))),
    isRoot: () => o.isRoot,
    readOsRelease: async () => 'ID=debian\nVERSION_ID="12"\n',
    hasAptGet: async () => true,
    aptGet: async (args) => {
      aptCalls.push(args)
      return { ok: false, reason: 'exit code 100: E: Unable to locate package' }
    },
  }
  return { deps, aptCalls }
}

test('kernels: newest first, the cloud flavour before the others', async (t) => {
  const boot = await bootDirWith(t, [
    'vmlinuz-6.1.0-9-amd64', 'vmlinuz-6.1.0-9-cloud-amd64', 'vmlinuz-6.1.0-56-cloud-amd64', 'config-6.1.0-56-cloud-amd64', 'initrd.img-6.1.0-9-amd64',
  ])
  assert.deepEqual(await installedKernels(boot), ['6.1.0-56-cloud-amd64', '6.1.0-9-cloud-amd64', '6.1.0-9-amd64'])
  assert.deepEqual(await installedKernels(join(boot, 'missing')), [])
})

test('nothing missing: no apt-get', async (t) => {
  const host = debianHost({ installed: tinyGuestBuildPackages, isRoot: true })
  await ensureBuildPackages({ log: silentLogger, install: true, deps: host.deps, bootDir: await bootDirWith(t, ['vmlinuz-6.1.0-56-cloud-amd64']) })
  assert.deepEqual(host.aptCalls, [])
})

test('not root: the error names the missing packages and the sudo apt-get command', async (t) => {
  const host = debianHost({ installed: ['kmod', 'qemu-utils'], isRoot: false })
  const bootDir = await bootDirWith(t, [])
  await assert.rejects(ensureBuildPackages({ log: silentLogger, install: true, deps: host.deps, bootDir }), (err: unknown) => {
    assert.ok(err instanceof MissingHostPackages)
    assert.deepEqual(err.packages, ['busybox-static', 'dosfstools', 'mtools', 'syslinux', 'syslinux-common', kernelPackage])
    assert.equal(err.command, `sudo apt-get install -y --no-install-recommends busybox-static dosfstools mtools syslinux syslinux-common ${kernelPackage}`)
    assert.match(err.message, /missing: busybox-static .*not running as root.*install them with: sudo apt-get install/)
    return true
  })
  assert.deepEqual(host.aptCalls, [])
})

test('root, but installing was not requested: the error says so and apt-get is not run', async (t) => {
  const host = debianHost({ installed: tinyGuestBuildPackages.filter((p) => p !== 'mtools'), isRoot: true })
  const bootDir = await bootDirWith(t, ['vmlinuz-6.1.0-56-cloud-amd64'])
  await assert.rejects(
    ensureBuildPackages({ log: silentLogger, install: false, deps: host.deps, bootDir }),
    /missing: mtools \(installing packages was not requested\); install them with: apt-get install -y --no-install-recommends mtools/,
  )
  assert.deepEqual(host.aptCalls, [])
})

test('root and asked to install: apt-get runs, and a failed install is an error with its reason', async (t) => {
  const host = debianHost({ installed: tinyGuestBuildPackages.filter((p) => p !== 'mtools'), isRoot: true })
  const steps: string[] = []
  const bootDir = await bootDirWith(t, ['vmlinuz-6.1.0-56-cloud-amd64'])
  await assert.rejects(
    ensureBuildPackages({ log: silentLogger, install: true, deps: host.deps, bootDir, onProgress: (s) => steps.push(s) }),
    /missing: mtools \(apt-get install failed: exit code 100: E: Unable to locate package\)/,
  )
  assert.deepEqual(steps, ['installing Debian packages: mtools'])
  assert.deepEqual(host.aptCalls[0], ['update'])
  assert.deepEqual(host.aptCalls[1]?.slice(0, 3), ['install', '-y', '--no-install-recommends'])
  assert.equal(host.aptCalls[1]?.at(-1), 'mtools')
})
