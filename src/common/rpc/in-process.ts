import {
  RemoteError, RpcTimeout, toWireError, type RpcMethods, type Stoppable, type Transport,
} from './transport.ts'

/** The transport for one process: messages are cloned so no caller shares objects with a server. */
export function createInProcessTransport(): Transport {
  const topics = new Map<string, RpcMethods[]>()
  const next = new Map<string, number>()

  const pick = (topic: string): RpcMethods => {
    const servers = topics.get(topic)
    if (!servers?.length) throw new RemoteError({ name: 'NoServer', message: `no server for topic ${topic}` })
    const i = (next.get(topic) ?? 0) % servers.length
    next.set(topic, i + 1)
    return servers[i]
  }

  const invoke = async (impl: RpcMethods, method: string, args: unknown): Promise<unknown> => {
    const fn = impl[method]
    if (typeof fn !== 'function') throw new RemoteError({ name: 'NoSuchMethod', message: `no method ${method}` })
    try {
      return structuredClone(await fn.call(impl, structuredClone(args)))
    } catch (err) {
      throw new RemoteError(toWireError(err))
    }
  }

  return {
    async serve(topic, impl): Promise<Stoppable> {
      const list = topics.get(topic) ?? []
      list.push(impl)
      topics.set(topic, list)
      return { stop: async () => void topics.set(topic, (topics.get(topic) ?? []).filter((s) => s !== impl)) }
    },
    async call<R>(topic: string, method: string, args: unknown, opts?: { timeoutMs?: number }): Promise<R> {
      const ms = opts?.timeoutMs ?? 60_000
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RpcTimeout(topic, method, ms)), ms)
      })
      try {
        return (await Promise.race([invoke(pick(topic), method, args), timeout])) as R
      } finally {
        clearTimeout(timer)
      }
    },
    async cast(topic, method, args) {
      const impl = pick(topic)
      queueMicrotask(() => void invoke(impl, method, args).catch(() => {}))
    },
    async fanout(topic, method, args) {
      for (const impl of topics.get(topic) ?? []) queueMicrotask(() => void invoke(impl, method, args).catch(() => {}))
    },
    async close() {
      topics.clear()
    },
  }
}
