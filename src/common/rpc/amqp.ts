/**
 * @module The message bus over AMQP 0-9-1 (RabbitMQ), laid out as oslo.messaging's rabbit driver
 * lays it out, so services on different hosts meet on one broker:
 * - call and cast go to the topic exchange `<prefix>`, routed by topic to the durable queue
 *   `<prefix>.<topic>` that every server of the topic consumes (competing consumers); a message
 *   for a topic whose servers are all down waits there until one comes back;
 * - fanout goes to the fanout exchange `<prefix>.<topic>_fanout`, which every server binds its
 *   own exclusive queue to;
 * - replies come back on this process's exclusive reply queue, matched by correlation id.
 * Bodies are JSON. A message is acknowledged when it is delivered (at most once, as oslo does).
 * When the connection drops, calls in flight fail, and the transport reconnects with backoff and
 * serves its topics again.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib'
import type { Logger } from '../log/logger.ts'
import {
  RemoteError, RpcTimeout, toWireError, type RpcMethods, type Stoppable, type Transport, type WireError,
} from './transport.ts'

export type AmqpTransportOptions = {
  /** amqp://user:password@host:port/vhost */
  url: string
  /** First part of every exchange and queue name (oslo's control_exchange). */
  prefix?: string
  log?: Logger
  /** Delay before the first reconnect attempt; it doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number
  maxReconnectDelayMs?: number
  /** How long the first connection may take before createAmqpTransport fails. */
  connectTimeoutMs?: number
}

/** The broker objects a transport with this prefix declares (for operators, and for tests that clean up). */
export function amqpNames(prefix = 'nubis') {
  return {
    exchange: prefix,
    queue: (topic: string) => `${prefix}.${topic}`,
    fanoutExchange: (topic: string) => `${prefix}.${topic}_fanout`,
  }
}

/** A call whose connection to the broker dropped before its reply came: it may or may not have run. */
export class RpcConnectionLost extends Error {
  constructor(topic: string, method: string) {
    super(`connection to the message bus was lost while waiting for ${topic}.${method}`)
  }
}

type Request = { method: string; args: unknown }
type Reply = { result?: unknown; error?: WireError }

type Session = {
  model: ChannelModel
  pub: ConfirmChannel
  sub: Channel
  replyQueue: string
  /** Message ids the broker returned as unroutable (no queue bound for the topic). */
  returned: Set<string>
  fanouts: Set<string>
  alive: boolean
}

type Server = { topic: string; impl: RpcMethods; session?: Session; consumerTags: string[] }

type Pending = {
  topic: string
  method: string
  session?: Session
  resolve(value: unknown): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

const json = (body: unknown) => Buffer.from(JSON.stringify(body))
const noServer = (topic: string) => new RemoteError({ name: 'NoServer', message: `no server for topic ${topic}` })

/** Connects to the broker (failing if the first connection fails), then keeps the connection up until close(). */
export async function createAmqpTransport(opts: AmqpTransportOptions): Promise<Transport> {
  const names = amqpNames(opts.prefix)
  const log = opts.log
  const firstDelay = opts.reconnectDelayMs ?? 200
  const maxDelay = opts.maxReconnectDelayMs ?? 5000
  const servers = new Set<Server>()
  const pending = new Map<string, Pending>()
  let closed = false
  let current: Promise<Session> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let wakeRetry: (() => void) | undefined

  const settle = (id: string, outcome: { value?: unknown; error?: Error }) => {
    const p = pending.get(id)
    if (!p) return
    pending.delete(id)
    clearTimeout(p.timer)
    if (outcome.error) p.reject(outcome.error)
    else p.resolve(outcome.value)
  }

  const publish = (s: Session, exchange: string, key: string, body: unknown, options: Options.Publish) =>
    new Promise<void>((resolve, reject) => {
      s.pub.publish(exchange, key, json(body), { contentType: 'application/json', ...options }, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())
    })

  const onReply = (msg: ConsumeMessage | null) => {
    if (!msg) return
    const id = msg.properties.correlationId as string | undefined
    if (!id || !pending.has(id)) return
    try {
      const reply = JSON.parse(msg.content.toString()) as Reply
      settle(id, reply.error ? { error: new RemoteError(reply.error) } : { value: reply.result })
    } catch (err) {
      settle(id, { error: new Error(`unreadable reply: ${(err as Error).message}`) })
    }
  }

  const handle = async (server: Server, msg: ConsumeMessage) => {
    let request: Request
    try {
      request = JSON.parse(msg.content.toString()) as Request
    } catch (err) {
      log?.warn('dropping an unreadable message', { topic: server.topic, error: err })
      return
    }
    let reply: Reply
    try {
      const fn = server.impl[request.method]
      if (typeof fn !== 'function') throw Object.assign(new Error(`no method ${request.method}`), { name: 'NoSuchMethod' })
      reply = { result: await fn.call(server.impl, request.args) }
    } catch (err) {
      reply = { error: toWireError(err) }
      if (!msg.properties.replyTo) log?.warn('cast failed', { topic: server.topic, method: request.method, error: err })
    }
    const { replyTo, correlationId } = msg.properties
    if (!replyTo) return
    try {
      const s = await session()
      // The caller's reply queue lived on its connection; if that is gone the reply is dropped, as the call has failed.
      s.pub.publish('', replyTo, json(reply), { contentType: 'application/json', correlationId })
    } catch (err) {
      log?.warn('could not send a reply', { topic: server.topic, method: request.method, error: err })
    }
  }

  const attach = async (s: Session, server: Server) => {
    if (server.session === s) return
    server.session = s
    server.consumerTags = []
    const queue = names.queue(server.topic)
    await s.sub.assertQueue(queue, { durable: true })
    await s.sub.bindQueue(queue, names.exchange, server.topic)
    const fanout = names.fanoutExchange(server.topic)
    await s.sub.assertExchange(fanout, 'fanout', { durable: true })
    const own = await s.sub.assertQueue('', { exclusive: true, autoDelete: true })
    await s.sub.bindQueue(own.queue, fanout, '')
    const consume = (q: string) => s.sub.consume(q, (m) => void (m && handle(server, m)), { noAck: true })
    for (const q of [queue, own.queue]) {
      if (!servers.has(server)) return
      server.consumerTags.push((await consume(q)).consumerTag)
    }
  }

  const lost = (s: Session, err: unknown) => {
    if (!s.alive) return
    s.alive = false
    for (const [id, p] of pending) if (p.session === s) settle(id, { error: new RpcConnectionLost(p.topic, p.method) })
    if (closed) return
    log?.warn('lost the connection to the message bus; reconnecting', { error: err })
    current = reconnect()
    current.catch(() => {})
  }

  const open = async (): Promise<Session> => {
    const model = await connect(opts.url, {
      timeout: opts.connectTimeoutMs ?? 5000,
      clientProperties: { connection_name: `nubis ${hostname()} pid ${process.pid}` },
    })
    let s: Session | undefined
    model.on('error', (err) => log?.debug('message bus connection error', { error: err }))
    model.on('close', (err) => s && lost(s, err))
    try {
      const pub = await model.createConfirmChannel()
      const sub = await model.createChannel()
      await pub.assertExchange(names.exchange, 'topic', { durable: true })
      const reply = await sub.assertQueue('', { exclusive: true, autoDelete: true })
      s = { model, pub, sub, replyQueue: reply.queue, returned: new Set(), fanouts: new Set(), alive: true }
      const session = s
      pub.on('return', (m: { properties: { messageId?: string } }) => {
        if (m.properties.messageId) session.returned.add(m.properties.messageId)
      })
      // A channel closed by the broker (a refused declaration, say) takes the session down with it.
      for (const ch of [pub, sub] as Channel[]) {
        ch.on('error', (err) => log?.warn('message bus channel error', { error: err }))
        ch.on('close', () => {
          if (session.alive && !closed) model.close().catch(() => lost(session, new Error('channel closed')))
        })
      }
      await sub.consume(reply.queue, onReply, { noAck: true })
      for (const server of servers) await attach(s, server)
      return s
    } catch (err) {
      if (s) s.alive = false
      await model.close().catch(() => {})
      throw err
    }
  }

  const reconnect = async (): Promise<Session> => {
    for (let delay = firstDelay; ; delay = Math.min(delay * 2, maxDelay)) {
      await new Promise<void>((resolve) => {
        wakeRetry = resolve
        retryTimer = setTimeout(resolve, delay)
      })
      if (closed) throw new Error('transport closed')
      try {
        const s = await open()
        if (closed) {
          s.alive = false
          await s.model.close().catch(() => {})
          throw new Error('transport closed')
        }
        log?.info('reconnected to the message bus', { topics: [...servers].map((x) => x.topic) })
        return s
      } catch (err) {
        if (closed) throw err
        log?.warn('message bus unreachable; retrying', { delayMs: Math.min(delay * 2, maxDelay), error: err })
      }
    }
  }

  const session = (): Promise<Session> => (closed ? Promise.reject(new Error('transport closed')) : current!)

  current = open()
  await current

  return {
    async serve(topic, impl): Promise<Stoppable> {
      const server: Server = { topic, impl, consumerTags: [] }
      servers.add(server)
      try {
        await attach(await session(), server)
      } catch (err) {
        servers.delete(server)
        throw err
      }
      return {
        async stop() {
          if (!servers.delete(server)) return
          const s = server.session
          if (!s?.alive) return
          for (const tag of server.consumerTags) await s.sub.cancel(tag).catch(() => {})
        },
      }
    },

    call<R>(topic: string, method: string, args: unknown, callOpts?: { timeoutMs?: number }): Promise<R> {
      const ms = callOpts?.timeoutMs ?? 60_000
      const id = randomUUID()
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => settle(id, { error: new RpcTimeout(topic, method, ms) }), ms)
        pending.set(id, { topic, method, resolve: resolve as (v: unknown) => void, reject, timer })
        void (async () => {
          const s = await session()
          const p = pending.get(id)
          if (!p) return
          p.session = s
          await publish(s, names.exchange, topic, { method, args }, {
            correlationId: id, messageId: id, replyTo: s.replyQueue, mandatory: true, expiration: String(ms),
          })
          if (s.returned.delete(id)) settle(id, { error: noServer(topic) })
        })().catch((err) => settle(id, { error: err instanceof Error ? err : new Error(String(err)) }))
      })
    },

    async cast(topic, method, args) {
      const s = await session()
      const id = randomUUID()
      await publish(s, names.exchange, topic, { method, args }, { messageId: id, mandatory: true, persistent: true })
      if (s.returned.delete(id)) throw noServer(topic)
    },

    async fanout(topic, method, args) {
      const s = await session()
      const exchange = names.fanoutExchange(topic)
      if (!s.fanouts.has(exchange)) {
        await s.pub.assertExchange(exchange, 'fanout', { durable: true })
        s.fanouts.add(exchange)
      }
      await publish(s, exchange, '', { method, args }, {})
    },

    async close() {
      if (closed) return
      closed = true
      clearTimeout(retryTimer)
      wakeRetry?.()
      for (const [id] of pending) settle(id, { error: new Error('transport closed') })
      const s = await current?.catch(() => undefined)
      servers.clear()
      if (s?.alive) {
        s.alive = false
        await s.model.close().catch(() => {})
      }
    },
  }
}
