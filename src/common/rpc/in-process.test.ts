import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createInProcessTransport } from './in-process.ts'
import { RemoteError, rpcClient } from './transport.ts'

test('call reaches the server and returns a copy of its reply', async () => {
  const t = createInProcessTransport()
  const shared = { n: 1 }
  await t.serve('calc', { add: async ({ a, b }: { a: number; b: number }) => ({ sum: a + b, shared }) })
  const reply = await t.call<{ sum: number; shared: object }>('calc', 'add', { a: 2, b: 3 })
  assert.equal(reply.sum, 5)
  assert.notEqual(reply.shared, shared)
})

test('remote errors keep their status and message', async () => {
  const t = createInProcessTransport()
  await t.serve('x', { fail: async () => { throw Object.assign(new Error('gone'), { status: 404 }) } })
  const client = rpcClient<{ fail(a: object): Promise<void> }>(t, 'x')
  await assert.rejects(client.fail({}), (e: unknown) => e instanceof RemoteError && e.status === 404 && e.message === 'gone')
})

test('a call with no server fails, a slow one times out', async () => {
  const t = createInProcessTransport()
  await assert.rejects(t.call('nobody', 'm', {}), /no server/)
  await t.serve('slow', { wait: () => new Promise((r) => setTimeout(r, 200)) })
  await assert.rejects(t.call('slow', 'wait', {}, { timeoutMs: 20 }), /no reply/)
})

test('fanout reaches every server; stop removes one', async () => {
  const t = createInProcessTransport()
  const seen: string[] = []
  await t.serve('f', { ping: async () => void seen.push('a') })
  const b = await t.serve('f', { ping: async () => void seen.push('b') })
  await t.fanout('f', 'ping', {})
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(seen.sort(), ['a', 'b'])
  await b.stop()
  await t.fanout('f', 'ping', {})
  await new Promise((r) => setImmediate(r))
  assert.equal(seen.length, 3)
})
