/**
 * @module The suite every Transport passes: each implementation's test file is one call to
 * transportContract. Deliveries are awaited by polling, since a networked transport delivers later.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RemoteError, RpcTimeout, rpcClient, type Transport } from './transport.ts'

export type TransportFactory = {
  /** A fresh transport; every transport made in one suite shares one bus (same broker and prefix). */
  create(): Promise<Transport>
  /** Run once after the suite, after every transport it made is closed. */
  cleanup?(): Promise<void>
}

/** Resolves when `check` holds; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function transportContract(name: string, factory: TransportFactory, opts: { skip?: string } = {}): void {
  describe(`${name} transport contract`, { skip: opts.skip }, () => {
    const made: Transport[] = []
    const make = async () => {
      const t = await factory.create()
      made.push(t)
      return t
    }
    after(async () => {
      for (const t of made) await t.close()
      await factory.cleanup?.()
    })

    test('call reaches the server and returns a copy of its reply', async () => {
      const t = await make()
      const shared = { n: 1 }
      await t.serve('calc', { add: async ({ a, b }: { a: number; b: number }) => ({ sum: a + b, shared }) })
      const reply = await t.call<{ sum: number; shared: object }>('calc', 'add', { a: 2, b: 3 })
      assert.equal(reply.sum, 5)
      assert.deepEqual(reply.shared, shared)
      assert.notEqual(reply.shared, shared)
    })

    test('the server gets a copy of the arguments; a reply of nothing is undefined', async () => {
      const t = await make()
      const args = { list: [1, 2] }
      let got: unknown
      await t.serve('copy', { keep: async (a: unknown) => void (got = a) })
      assert.equal(await t.call('copy', 'keep', args), undefined)
      assert.deepEqual(got, args)
      assert.notEqual(got, args)
    })

    test('remote errors keep their name, status and message', async () => {
      const t = await make()
      await t.serve('x', {
        fail: async () => {
          throw Object.assign(new Error('gone'), { status: 404, name: 'NotFound' })
        },
      })
      const client = rpcClient<{ fail(a: object): Promise<void> }>(t, 'x')
      await assert.rejects(client.fail({}), (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.message === 'gone' && e.remoteName === 'NotFound')
      await assert.rejects(t.call('x', 'nothing', {}), (e: unknown) => e instanceof RemoteError && e.remoteName === 'NoSuchMethod')
    })

    test('a call with no server fails, a slow one times out', async () => {
      const t = await make()
      await assert.rejects(t.call('nobody', 'm', {}), /no server/)
      await assert.rejects(t.cast('nobody', 'm', {}), /no server/)
      await t.serve('slow', { wait: () => new Promise((r) => setTimeout(r, 300)) })
      await assert.rejects(t.call('slow', 'wait', {}, { timeoutMs: 50 }), (e: unknown) => e instanceof RpcTimeout && /no reply/.test(e.message))
    })

    test('servers of a topic share its calls and casts; a cast reaches one server', async () => {
      const client = await make()
      const seen: string[] = []
      for (const who of ['a', 'b']) {
        const t = await make()
        await t.serve('pool', { who: async () => who, note: async ({ n }: { n: number }) => void seen.push(`${who}${n}`) })
      }
      const replies = new Set<string>()
      for (let i = 0; i < 8; i++) replies.add(await client.call<string>('pool', 'who', {}))
      assert.deepEqual([...replies].sort(), ['a', 'b'])
      for (let n = 0; n < 4; n++) await client.cast('pool', 'note', { n })
      await eventually(() => seen.length === 4)
      await new Promise((r) => setTimeout(r, 50))
      assert.deepEqual(seen.map((s) => s.slice(1)).sort(), ['0', '1', '2', '3'])
    })

    test('fanout reaches every server; stop removes one', async () => {
      const t = await make()
      const other = await make()
      const seen: string[] = []
      await t.serve('f', { ping: async ({ n }: { n: number }) => void seen.push(`a${n}`) })
      const b = await other.serve('f', { ping: async ({ n }: { n: number }) => void seen.push(`b${n}`) })
      await t.fanout('f', 'ping', { n: 1 })
      await eventually(() => seen.length === 2)
      assert.deepEqual(seen.sort(), ['a1', 'b1'])
      await b.stop()
      await t.fanout('f', 'ping', { n: 2 })
      await eventually(() => seen.includes('a2'))
      await new Promise((r) => setTimeout(r, 50))
      assert.deepEqual(seen.sort(), ['a1', 'a2', 'b1'])
      await t.fanout('nobody', 'ping', {})
    })

    test('a stopped server gets no more calls; another server of the topic takes them', async () => {
      const t = await make()
      const first = await t.serve('handover', { who: async () => 'first' })
      await t.serve('handover', { who: async () => 'second' })
      await first.stop()
      for (let i = 0; i < 4; i++) assert.equal(await t.call('handover', 'who', {}), 'second')
    })
  })
}
