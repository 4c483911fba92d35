import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { commandExists, findCommand, runCommand } from './run-command.ts'

test('captures stdout, stderr and the exit code', async () => {
  const r = await runCommand(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'])
  assert.deepEqual(r, { code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false })
})

test('does not interpret shell syntax', async () => {
  const r = await runCommand('echo', ['$HOME', '; rm -rf /', '`id`'])
  assert.equal(r.stdout, '$HOME ; rm -rf / `id`\n')
})

test('feeds input to stdin', async () => {
  const r = await runCommand('cat', [], { input: 'hello\nworld' })
  assert.equal(r.stdout, 'hello\nworld')
  assert.equal(r.code, 0)
})

test('adds to and removes from the environment', async () => {
  process.env.NUBIS_RUN_TEST_DROP = 'x'
  try {
    const r = await runCommand(process.execPath, ['-e', 'console.log(process.env.NUBIS_A, process.env.NUBIS_RUN_TEST_DROP)'], {
      env: { NUBIS_A: 'a', NUBIS_RUN_TEST_DROP: undefined },
    })
    assert.equal(r.stdout, 'a undefined\n')
  } finally {
    delete process.env.NUBIS_RUN_TEST_DROP
  }
})

test('a timeout kills the whole process group, grandchildren included', async () => {
  const marker = `/tmp/nubis-run-command-${process.pid}-${Date.now()}`
  const started = Date.now()
  // sh starts a grandchild that would create the marker file after 1.5 s unless it is killed.
  const r = await runCommand('sh', ['-c', `(sleep 1.5; touch ${marker}) & sleep 30`], { timeoutMs: 300 })
  assert.equal(r.timedOut, true)
  assert.equal(r.code, null)
  assert.ok(Date.now() - started < 5000)
  await new Promise((resolve) => setTimeout(resolve, 1800))
  assert.equal(existsSync(marker), false, 'the grandchild survived the timeout')
})

test('streams complete lines to onLine, including a last line without newline', async () => {
  const lines: string[] = []
  await runCommand('sh', ['-c', 'printf "a\\nb\\r\\n"; printf "c\\n" >&2; printf "d"'], {
    onLine: (line, stream) => lines.push(`${stream}:${line}`),
  })
  assert.deepEqual(lines.sort(), ['stderr:c', 'stdout:a', 'stdout:b', 'stdout:d'])
})

test('rejects when the command does not exist', async () => {
  await assert.rejects(runCommand('/nonexistent/nubis-no-such-command', []), /ENOENT/)
})

test('findCommand searches PATH and the sbin directories', async () => {
  assert.equal(await commandExists('sh'), true)
  assert.equal(await commandExists('nubis-no-such-command'), false)
  assert.equal(await findCommand('/bin/sh'), '/bin/sh')
  assert.equal(await findCommand('/tmp'), undefined, 'a directory is not a command')
  const saved = process.env.PATH
  process.env.PATH = '/nonexistent'
  try {
    // `ip` lives in /usr/sbin or /sbin on Debian; it is found even when PATH lacks them.
    if (existsSync('/usr/sbin/ip') || existsSync('/sbin/ip')) assert.match((await findCommand('ip')) ?? '', /sbin\/ip$/)
  } finally {
    process.env.PATH = saved
  }
})
