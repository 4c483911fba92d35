import assert from 'node:assert/strict'
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { runCommand } from '../../common/host/run-command.ts'
import { silentLogger } from '../../common/log/logger.ts'
import { MissingHostPackages } from './build-packages.ts'
import { buildTinyGuest, shortVersion, tinyGuestCmdline, type TinyGuest } from './build-tiny-guest.ts'

test('busybox and kernel versions read the way operators say them', () => {
  assert.equal(shortVersion('1:1.35.0-4+deb12u1+b1'), '1.35')
  assert.equal(shortVersion('1.36.1-9'), '1.36')
  assert.equal(shortVersion('unknown'), 'unknown')
})

test('builds the tiny guest, and a second build with the same inputs does nothing', { timeout: 20 * 60_000 }, async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'nubis-tiny-guest-'))
  t.after(() => rm(outDir, { recursive: true, force: true }))
  const steps: string[] = []
  let guest: TinyGuest
  const started = Date.now()
  try {
    guest = await buildTinyGuest({ outDir, log: silentLogger, installPackages: process.getuid?.() === 0, onProgress: (s) => steps.push(s) })
  } catch (err) {
    if (err instanceof MissingHostPackages) return t.skip(err.message)
    throw err
  }
  t.diagnostic(`first build: ${(Date.now() - started) / 1000} s; steps: ${steps.join('; ')}`)
  assert.match(steps.join('\n'), /^kernel \S+$/m)
  assert.match(steps.join('\n'), /^initramfs \(busybox \d+\.\d+, \d+ kernel modules\)$/m)
  assert.equal(guest.cmdline, tinyGuestCmdline)
  assert.match(guest.version, /^nubis-tiny-[0-9a-f]{12}$/)

  // Files: kernel, initramfs and disk exist and are not empty.
  const sizes = { kernel: (await stat(guest.kernel)).size, initramfs: (await stat(guest.initramfs)).size, disk: (await stat(guest.disk)).size }
  assert.ok(sizes.kernel > 1 << 20, `kernel is only ${sizes.kernel} bytes`)
  assert.ok(sizes.initramfs > 500_000, `initramfs is only ${sizes.initramfs} bytes`)
  t.diagnostic(`sizes (bytes): ${JSON.stringify(sizes)}`)

  // The disk: qcow2, big enough for kernel + initramfs, not absurdly big.
  const info = await runCommand('qemu-img', ['info', '--output=json', guest.disk])
  assert.equal(info.code, 0, info.stderr)
  const disk = JSON.parse(info.stdout) as { format: string; 'virtual-size': number }
  assert.equal(disk.format, 'qcow2')
  assert.ok(disk['virtual-size'] >= sizes.kernel + sizes.initramfs + (1 << 20), `virtual size ${disk['virtual-size']} too small`)
  assert.ok(disk['virtual-size'] <= 128 << 20, `virtual size ${disk['virtual-size']} is more than 128 MiB`)
  assert.equal(disk['virtual-size'] % (1 << 20), 0)

  // Its first sector: SYSLINUX's MBR and one active partition at 1 MiB holding the FAT with the boot files.
  const raw = join(outDir, 'check.raw')
  assert.equal((await runCommand('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', guest.disk, raw])).code, 0)
  const mbr = Buffer.alloc(512)
  const file = await open(raw)
  await file.read(mbr, 0, 512, 0).finally(() => file.close())
  assert.deepEqual([mbr[510], mbr[511], mbr[446], mbr.readUInt32LE(454)], [0x55, 0xaa, 0x80, 2048])
  const dir = await runCommand('mdir', ['-a', '-b', '-i', `${raw}@@1M`, '::/'], { env: { MTOOLS_SKIP_CHECK: '1' } })
  assert.equal(dir.code, 0, dir.stderr)
  assert.deepEqual(dir.stdout.trim().split('\n').map((l) => l.trim().toLowerCase()).sort(), [
    '::/initrd.gz', '::/ldlinux.c32', '::/ldlinux.sys', '::/syslinux.cfg', '::/vmlinuz',
  ])
  await rm(raw)

  // The initramfs: gzip'd newc cpio with an executable /init, busybox, the boot script and the module list.
  const initramfs = await readFile(guest.initramfs)
  assert.deepEqual([...initramfs.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic')
  assert.equal(gunzipSync(initramfs).subarray(0, 6).toString(), '070701', 'newc cpio magic')
  const listing = await runCommand('sh', ['-c', `gzip -dc '${guest.initramfs}' | cpio -itv --quiet`])
  assert.equal(listing.code, 0, listing.stderr)
  const entry = (path: string) => listing.stdout.split('\n').find((l) => l.replace(/ -> .*$/, '').endsWith(` ${path}`))
  assert.match(entry('init') ?? 'no /init', /^-rwxr-xr-x /)
  assert.match(entry('bin/busybox') ?? 'no busybox', /^-rwxr-xr-x /)
  assert.match(entry('etc/init.d/rcS') ?? 'no rcS', /^-rwxr-xr-x /)
  assert.match(entry('usr/sbin/httpd') ?? 'no httpd link', /-> \/bin\/busybox$/)
  assert.match(entry('dev/console') ?? 'no console', /^crw/)
  assert.ok(entry('etc/modules.list'), 'no module list')
  assert.match(listing.stdout, /\/virtio_net\.ko$/m)

  // Same inputs: nothing is rebuilt, nothing is touched, and it is quick.
  const mtimes = async () => Promise.all([guest.kernel, guest.initramfs, guest.disk].map(async (p) => (await stat(p)).mtimeMs))
  const before = await mtimes()
  const secondSteps: string[] = []
  const secondStarted = Date.now()
  const again = await buildTinyGuest({ outDir, log: silentLogger, onProgress: (s) => secondSteps.push(s) })
  t.diagnostic(`second build: ${(Date.now() - secondStarted) / 1000} s`)
  assert.deepEqual(again, guest)
  assert.deepEqual(secondSteps, [])
  assert.deepEqual(await mtimes(), before)

  // force rebuilds, and the build is reproducible: the same bytes come out.
  const initramfsBefore = initramfs
  const diskBefore = await readFile(guest.disk)
  await buildTinyGuest({ outDir, log: silentLogger, force: true })
  assert.ok((await mtimes()).some((m, i) => m !== before[i]), 'force did not rebuild')
  assert.ok(initramfsBefore.equals(await readFile(guest.initramfs)), 'initramfs differs between builds')
  assert.ok(diskBefore.equals(await readFile(guest.disk)), 'disk image differs between builds')
})
