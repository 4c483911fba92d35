/**
 * Boots nubis-tiny under QEMU TCG (no KVM, no root networking: slirp or no NIC) and checks what
 * the guest promises: one readiness line, hostname and id from the config drive, httpd and the
 * SSH banner, user_data, disk serials, and a clean shutdown on the ACPI power button.
 * Run: node --test tests/system/tiny-guest-boot.test.ts
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { findCommand, runCommand } from '../../src/common/host/run-command.ts'
import { silentLogger } from '../../src/common/log/logger.ts'
import { MissingHostPackages } from '../../src/image/tiny-guest/build-packages.ts'
import { buildTinyGuest, type TinyGuest } from '../../src/image/tiny-guest/build-tiny-guest.ts'
import { writeConfigDrive } from '../../src/image/tiny-guest/config-drive.ts'

const bootTimeoutMs = 240_000 // TCG on a busy 2-core host; an idle one needs 5-10 s
const readyLine = /^guest up: (\S+) (\S+) meta=(\S+) id=(\S+)\r?$/m

type Vm = { child: ChildProcess; serialLog: string; qmpSocket: string; startedAt: number; exited: Promise<number | null> }

/** Everything one test starts: a temp dir, the guest build in it, QEMU processes. Removed by t.after. */
async function setUp(t: TestContext): Promise<{ dir: string; guest: TinyGuest; qemu: string } | undefined> {
  const qemu = await findCommand('qemu-system-x86_64')
  if (!qemu) {
    t.skip('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)')
    return undefined
  }
  const dir = await mkdtemp(join(tmpdir(), 'nubis-tiny-boot-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  try {
    const guest = await buildTinyGuest({ outDir: join(dir, 'guest'), log: silentLogger, installPackages: process.getuid?.() === 0 })
    return { dir, guest, qemu }
  } catch (err) {
    if (!(err instanceof MissingHostPackages)) throw err
    t.skip(err.message)
    return undefined
  }
}

function startVm(t: TestContext, qemu: string, dir: string, args: string[]): Vm {
  const serialLog = join(dir, 'serial.log')
  const qmpSocket = join(dir, 'qmp.sock')
  const child = spawn(qemu, [
    '-accel', 'tcg', '-M', 'pc', '-m', '256', '-nodefaults', '-display', 'none', '-no-user-config',
    '-serial', `file:${serialLog}`, '-qmp', `unix:${qmpSocket},server=on,wait=off`, ...args,
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  void exited.then((code) => { if (code) t.diagnostic(`qemu exited with ${code}: ${stderr.trim()}`) })
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, serialLog, qmpSocket, startedAt: Date.now(), exited }
}

/** The serial log once it matches `pattern`; fails when QEMU exits first or time runs out. */
async function waitForSerial(vm: Vm, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const exited = vm.child.exitCode !== null // read before the log, so the last lines QEMU wrote are seen
    const log = await readFile(vm.serialLog, 'utf8').catch(() => '')
    if (pattern.test(log)) return log
    if (exited) assert.fail(`qemu exited (code ${vm.child.exitCode}) before ${pattern}; serial:\n${log}`)
    await sleep(100)
  }
  assert.fail(`no ${pattern} on the serial console within ${timeoutMs / 1000} s:\n${await readFile(vm.serialLog, 'utf8').catch(() => '')}`)
}

/** QEMU's exit code, or 'still running' after `ms` (the timer does not keep the test process alive). */
async function exitCodeWithin(vm: Vm, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([vm.exited, sleep(ms, 'still running' as const, { ref: false })])
}

/** Sends QMP commands in order (after qmp_capabilities) and returns their replies. */
async function qmp(socket: string, commands: string[]): Promise<unknown[]> {
  const conn = createConnection(socket)
  const replies: unknown[] = []
  let buffered = ''
  const lines: Array<Record<string, unknown>> = []
  let wake = () => {}
  conn.on('data', (d) => {
    buffered += d.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p))
    wake()
  })
  const next = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const i = lines.findIndex((l) => 'QMP' in l || 'return' in l || 'error' in l) // skip events
      if (i >= 0) return lines.splice(i, 1)[0]
      await new Promise<void>((resolve) => (wake = resolve))
    }
  }
  try {
    await next() // greeting
    for (const command of ['qmp_capabilities', ...commands]) {
      conn.write(`${JSON.stringify({ execute: command })}\n`)
      const reply = await next()
      if ('error' in reply) assert.fail(`QMP ${command}: ${JSON.stringify(reply.error)}`)
      if (command !== 'qmp_capabilities') replies.push(reply.return)
    }
  } finally {
    conn.destroy()
  }
  return replies
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(port, '127.0.0.1')
    let data = ''
    conn.setTimeout(10_000, () => conn.destroy(new Error('no banner within 10 s')))
    conn.on('data', (d) => {
      data += d.toString()
      if (data.includes('\n')) {
        conn.destroy()
        resolve(data.split('\n')[0].trim())
      }
    })
    conn.on('error', reject)
    conn.on('close', () => resolve(data.trim()))
  })
}

test('whole-disk boot with a config drive: ready line, services, user data, serial, ACPI shutdown', { timeout: 15 * 60_000 }, async (t) => {
  const env = await setUp(t)
  if (!env) return
  const { dir, guest, qemu } = env
  const uuid = randomUUID()
  const hostname = `tiny-${uuid.slice(0, 8)}`
  const volumeId = randomUUID()
  const iso = join(dir, 'disk.config')
  await writeConfigDrive(iso, {
    hostname: `${hostname}.novalocal`, uuid, sshKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly nubis@test',
    userData: '#!/bin/sh\nprintf "\\nuser data ran on %s\\n" "$(hostname)" > /dev/console\n',
  })
  // A per-instance overlay on the built image, as Nova's image cache does; the base stays untouched.
  const overlay = join(dir, 'instance.qcow2')
  const created = await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', guest.disk, overlay, '1G'])
  assert.equal(created.code, 0, created.stderr)
  const [httpPort, sshPort] = [await freePort(), await freePort()]

  const vm = startVm(t, qemu, dir, [
    '-drive', `file=${overlay},format=qcow2,if=none,id=root`, '-device', `virtio-blk-pci,drive=root,serial=${volumeId}`,
    '-drive', `file=${iso},format=raw,media=cdrom,if=ide,readonly=on`,
    '-nic', `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${httpPort}-:80,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
  ])
  const serial = await waitForSerial(vm, readyLine, bootTimeoutMs)
  const bootSeconds = (Date.now() - vm.startedAt) / 1000
  t.diagnostic(`TCG whole-disk boot (SeaBIOS, SYSLINUX, IDE config drive, slirp DHCP) to "guest up": ${bootSeconds} s`)

  const [, name, ip, meta, id] = readyLine.exec(serial) ?? []
  assert.deepEqual({ name, ip, meta, id }, { name: hostname, ip: '10.0.2.15', meta: 'configdrive', id: uuid })

  const page = await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()
  assert.equal(page.trim(), `${hostname} 10.0.2.15`)
  const status = await (await fetch(`http://127.0.0.1:${httpPort}/cgi-bin/status`)).text()
  assert.match(status, /^meta: configdrive$/m)
  assert.match(status, /^ssh keys: 1$/m)
  assert.match(status, /^eth0 10\.0\.2\.15\/24$/m)
  // virtio-blk hands the guest the first 20 bytes of the serial, where Nova puts the volume id.
  assert.match(status, new RegExp(`^vda 1048576 ${volumeId.slice(0, 20)}$`, 'm'))
  assert.match(status, /^sr0 \d+ -$/m)
  assert.equal(await firstLine(sshPort), `SSH-2.0-OpenSSH_9.2 guest=${hostname}`)

  const afterUserData = await waitForSerial(vm, /^user-data: exit 0\r?$/m, 60_000)
  assert.match(afterUserData, new RegExp(`^user data ran on ${hostname}\\r?$`, 'm'))
  assert.equal(afterUserData.match(/^guest up:/gm)?.length, 1, 'exactly one readiness line')
  await waitForSerial(vm, new RegExp(`^${hostname}# `, 'm'), 30_000) // the root shell on the serial console

  const [status0] = await qmp(vm.qmpSocket, ['query-status'])
  assert.equal((status0 as { status: string }).status, 'running')
  const poweroffAt = Date.now()
  await qmp(vm.qmpSocket, ['system_powerdown'])
  await waitForSerial(vm, new RegExp(`^guest down: ${hostname}\\r?$`, 'm'), 60_000)
  assert.equal(await exitCodeWithin(vm, 60_000), 0, 'qemu exits by itself after the guest powers off')
  t.diagnostic(`system_powerdown to qemu exit: ${(Date.now() - poweroffAt) / 1000} s`)
})

test('direct kernel boot without NIC or config drive: the fallbacks', { timeout: 15 * 60_000 }, async (t) => {
  const env = await setUp(t)
  if (!env) return
  const { dir, guest, qemu } = env
  const vm = startVm(t, qemu, dir, ['-kernel', guest.kernel, '-initrd', guest.initramfs, '-append', guest.cmdline])
  const serial = await waitForSerial(vm, readyLine, bootTimeoutMs)
  t.diagnostic(`TCG direct kernel boot, no NIC, to "guest up": ${(Date.now() - vm.startedAt) / 1000} s`)
  const [, name, ip, meta, id] = readyLine.exec(serial) ?? []
  assert.deepEqual({ name, ip, meta, id }, { name: 'guest', ip: 'none', meta: 'none', id: 'none' })
  await qmp(vm.qmpSocket, ['system_powerdown'])
  await waitForSerial(vm, /^guest down: guest\r?$/m, 60_000)
  assert.equal(await exitCodeWithin(vm, 60_000), 0)
})
