import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { findCommand, runCommand } from '../../common/host/run-command.ts'
import { listFiles, moduleContents, rootfsDir } from './initramfs.ts'

test('the guest files include /init, the boot and shutdown scripts and the udhcpc hook', async () => {
  const paths = (await listFiles(rootfsDir)).map(([path]) => path)
  for (const path of ['init', 'etc/inittab', 'etc/init.d/rcS', 'etc/init.d/rcK', 'etc/udhcpc.script', 'etc/acpi/PWRF/00000080', 'www/cgi-bin/status']) {
    assert.ok(paths.includes(path), `rootfs/${path} is missing`)
  }
})

test('every guest script is valid shell for busybox ash', async (t) => {
  const busybox = await findCommand('busybox')
  const shell = busybox ? [busybox, 'sh'] : ['sh']
  if (!busybox) t.diagnostic('busybox is not installed; checking with the host sh')
  for (const [path, file] of await listFiles(rootfsDir)) {
    if (!(await readFile(file, 'utf8')).startsWith('#!/bin/sh')) continue
    const r = await runCommand(shell[0], [...shell.slice(1), '-n', file])
    assert.equal(r.code, 0, `${path}: ${r.stderr}`)
  }
})

test('compressed kernel modules are unpacked, because busybox insmod reads only plain .ko files', async (t) => {
  if (!(await findCommand('xz'))) return t.skip('xz is not installed (apt-get install xz-utils)')
  const dir = await mkdtemp(join(tmpdir(), 'nubis-module-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const work = await mkdtemp(join(dir, 'work-'))
  const plain = join(dir, 'example.ko')
  await writeFile(plain, 'ELF pretend module')
  assert.equal((await runCommand('xz', ['-k', plain])).code, 0)
  assert.deepEqual(await moduleContents(`${plain}.xz`, work), { path: plain, data: Buffer.from('ELF pretend module') })
  assert.deepEqual(await moduleContents(plain, work), { path: plain, data: Buffer.from('ELF pretend module') })
})
