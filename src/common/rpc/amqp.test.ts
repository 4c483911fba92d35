import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net'
import { createAmqpTransport, RpcConnectionLost } from './amqp.ts'
import { scratchBus } from './amqp-test-kit.ts'
import { eventually, transportContract } from './transport.contract.ts'
import type { Transport } from './transport.ts'

const bus = await scratchBus()
const skip = 'skip' in bus ? bus.skip : undefined
const topics = new Set<string>()

/** A transport that notes every topic it touches, so the sweep afterwards knows them. */
const tracked = (t: Transport): Transport => ({
  serve: (topic, impl) => (topics.add(topic), t.serve(topic, impl)),
  call: (topic, method, args, opts) => (topics.add(topic), t.call(topic, method, args, opts)),
  cast: (topic, method, args) => (topics.add(topic), t.cast(topic, method, args)),
  fanout: (topic, method, args) => (topics.add(topic), t.fanout(topic, method, args)),
  close: () => t.close(),
})

const create = async (url = 'skip' in bus ? '' : bus.url) =>
  tracked(await createAmqpTransport({ url, prefix: 'skip' in bus ? '' : bus.prefix, reconnectDelayMs: 50, maxReconnectDelayMs: 200 }))

transportContract('amqp', { create: () => create() }, { skip })

/** A TCP relay to the broker whose connections the test can cut, as a broker restart or a network fault would. */
async function relay(target: URL): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 5672), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = new URL(target)
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const cut = () => {
    for (const s of sockets) s.destroy()
  }
  return { url: url.toString(), cut, close: () => (cut(), new Promise((r) => server.close(() => r()))) }
}

describe('amqp transport on a broker', { skip }, () => {
  const made: Transport[] = []
  const make = async (url?: string) => {
    const t = await create(url)
    made.push(t)
    return t
  }
  after(async () => {
    for (const t of made) await t.close()
    if (!('skip' in bus)) await bus.drop(topics)
  })

  test('a cast to a topic whose servers are all down waits in its queue for the next one', async () => {
    const sender = await make()
    const first = await make()
    const seen: number[] = []
    const server = await first.serve('restarting', { note: async ({ n }: { n: number }) => void seen.push(n) })
    await server.stop()
    await first.close()
    await sender.cast('restarting', 'note', { n: 1 })
    await sender.cast('restarting', 'note', { n: 2 })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(seen.length, 0)
    const again = await make()
    await again.serve('restarting', { note: async ({ n }: { n: number }) => void seen.push(n) })
    await eventually(() => seen.length === 2)
    assert.deepEqual(seen, [1, 2])
  })

  test('when the connection drops, calls in flight fail and serving resumes after reconnecting', async () => {
    if ('skip' in bus) return
    const link = await relay(new URL(bus.url))
    try {
      const server = await make(link.url)
      const client = await make()
      let release: () => void = () => {}
      await server.serve('flaky', {
        echo: async ({ v }: { v: string }) => v,
        hang: () => new Promise<void>((r) => (release = r)),
      })
      assert.equal(await client.call('flaky', 'echo', { v: 'before' }), 'before')
      const viaRelay = await make(link.url)
      const inFlight = viaRelay.call('flaky', 'hang', {}, { timeoutMs: 5000 })
      await new Promise((r) => setTimeout(r, 100))
      link.cut()
      await assert.rejects(inFlight, (e: unknown) => e instanceof RpcConnectionLost)
      release()
      // Until the server is back on its queue a call waits there and times out; then one is answered.
      let answer: unknown
      for (const until = Date.now() + 5000; answer !== 'after' && Date.now() < until;) {
        answer = await client.call('flaky', 'echo', { v: 'after' }, { timeoutMs: 200 }).catch(() => undefined)
      }
      assert.equal(answer, 'after')
      assert.equal(await viaRelay.call('flaky', 'echo', { v: 'again' }, { timeoutMs: 3000 }), 'again')
    } finally {
      await link.close()
    }
  })

  test('close() leaves no consumer behind: a later call has no server to answer it', async () => {
    const t = await make()
    await t.serve('closing', { who: async () => 'me' })
    const client = await make()
    assert.equal(await client.call('closing', 'who', {}), 'me')
    await t.close()
    await assert.rejects(client.call('closing', 'who', {}, { timeoutMs: 200 }), /no reply/)
    await assert.rejects(t.call('closing', 'who', {}), /closed/)
  })
})
