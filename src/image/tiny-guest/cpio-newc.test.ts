import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { findCommand, runCommand } from '../../common/host/run-command.ts'
import { archivePath, cpioNewc, type CpioEntry } from './cpio-newc.ts'

const entries: CpioEntry[] = [
  { kind: 'file', path: '/usr/bin/hello', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { kind: 'symlink', path: 'bin/sh', target: '/bin/busybox' },
  { kind: 'char-device', path: 'dev/console', major: 5, minor: 1 },
  { kind: 'dir', path: 'tmp/', mode: 0o1777 },
  { kind: 'file', path: './init', data: Buffer.from('odd length') },
]

test('archive paths are relative, without ./ or trailing slashes', () => {
  assert.equal(archivePath('/etc/init.d/rcS'), 'etc/init.d/rcS')
  assert.equal(archivePath('./init'), 'init')
  assert.equal(archivePath('mnt/config/'), 'mnt/config')
})

test('the same entries give the same bytes, in any order', () => {
  assert.deepEqual(cpioNewc(entries, 1_700_000_000), cpioNewc(entries.toReversed(), 1_700_000_000))
  assert.notDeepEqual(cpioNewc(entries, 1), cpioNewc(entries, 2))
})

test('the archive starts with a newc header and ends with the trailer, 4-byte aligned', () => {
  const archive = cpioNewc(entries)
  assert.equal(archive.subarray(0, 6).toString(), '070701')
  assert.equal(archive.length % 4, 0)
  assert.match(archive.subarray(-130).toString('latin1'), /TRAILER!!!\0/)
})

test('an empty path is refused', () => {
  assert.throws(() => cpioNewc([{ kind: 'dir', path: '/' }]), /empty path/)
})

test('cpio(1) lists the entries, adds missing parents, and extracts file contents', async (t) => {
  const cpio = await findCommand('cpio')
  if (!cpio) return t.skip('cpio is not installed (apt-get install cpio)')
  const dir = await mkdtemp(join(tmpdir(), 'nubis-cpio-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const archive = join(dir, 'test.cpio')
  await writeFile(archive, cpioNewc(entries, 1_700_000_000))

  const listing = await runCommand('sh', ['-c', `${cpio} -itv --quiet < ${archive}`])
  assert.equal(listing.code, 0, listing.stderr)
  const lines = listing.stdout.trim().split('\n')
  const names = lines.map((l) => l.replace(/ -> .*$/, '').split(/\s+/).at(-1))
  assert.deepEqual(names, ['bin', 'bin/sh', 'dev', 'dev/console', 'init', 'tmp', 'usr', 'usr/bin', 'usr/bin/hello'])
  const line = (name: string) => lines.find((l) => l.replace(/ -> .*$/, '').endsWith(` ${name}`)) ?? ''
  assert.match(line('usr/bin/hello'), /^-rwxr-xr-x +1 root +root +18 /)
  assert.match(line('bin/sh'), /^lrwxrwxrwx .* bin\/sh -> \/bin\/busybox$/)
  assert.match(line('dev/console'), /^crw------- .* 5, +1 /)
  assert.match(line('tmp'), /^drwxrwxrwt /)
  assert.match(line('usr'), /^drwxr-xr-x /)

  const extracted = await runCommand('sh', ['-c', `cd ${dir} && ${cpio} -id --quiet init usr/bin/hello < ${archive}`])
  assert.equal(extracted.code, 0, extracted.stderr)
  assert.equal(await readFile(join(dir, 'init'), 'utf8'), 'odd length')
  assert.equal(await readFile(join(dir, 'usr/bin/hello'), 'utf8'), '#!/bin/sh\necho hi\n')
})
