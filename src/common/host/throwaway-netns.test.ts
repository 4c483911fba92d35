import assert from 'node:assert/strict'
import { test } from 'node:test'
import { commandExists } from './run-command.ts'
import { ip, withThrowawayNetns } from './throwaway-netns.ts'

const canRun = process.getuid?.() === 0 && (await commandExists('ip'))

test('the namespace exists during the probe and is gone after it, even when the probe fails', { skip: !canRun && 'needs root and ip' }, async () => {
  let name = ''
  await assert.rejects(withThrowawayNetns(async (ns) => {
    name = ns
    assert.match(await ip(['netns', 'list']), new RegExp(`^${ns}\\b`, 'm'))
    await ip(['-n', ns, 'link', 'add', 'br-test', 'type', 'bridge'])
    throw new Error('probe failed')
  }), /probe failed/)
  assert.match(name, /^nubis-doctor-\d+-[0-9a-f]{6}$/)
  assert.doesNotMatch(await ip(['netns', 'list']), new RegExp(name))
})

test('ip reports its own error message', { skip: !canRun && 'needs root and ip' }, async () => {
  await assert.rejects(ip(['link', 'show', 'dev', 'nubis-no-such-link']), /does not exist/)
})
