/**
 * @module Network → compute notifications (Neutron's nova notifier): when a floating IP is
 * associated with or taken off a server's port, or a server's port is deleted, Nova hears it
 * through POST /os-server-external-events (network-changed, network-vif-deleted), so the server
 * shows the change. Events are gathered for `intervalMs` and sent in one request with the
 * service user's token to the compute endpoint of the catalog. Fire and forget: a failure is
 * logged, never thrown; Nova's own refreshes catch up.
 */
import type { Logger } from '../../common/log/logger.ts'

export type ServerEvent = { name: 'network-changed' | 'network-vif-deleted'; server_uuid: string; tag: string }

/** A port as far as the notifier cares: only ports of compute instances produce events. */
export type NotifiedPort = { id: string; device_id: string; device_owner: string }

export type NovaNotifier = {
  /** Addresses or floating IPs of these ports changed. */
  portsChanged(ports: NotifiedPort[]): void
  portDeleted(port: NotifiedPort): void
  /** Sends what is queued now and stops the timer. */
  stop(): Promise<void>
}

export type NovaNotifierOptions = {
  /** The compute endpoint (e.g. http://host:8774/v2.1), undefined when the cloud has none. */
  computeUrl: () => Promise<string | undefined>
  token: () => Promise<string>
  intervalMs: number
  log: Logger
}

const isInstancePort = (p: NotifiedPort) => Boolean(p.device_id) && p.device_owner.startsWith('compute:')

export function createNovaNotifier(opts: NovaNotifierOptions): NovaNotifier {
  let queue: ServerEvent[] = []
  let timer: NodeJS.Timeout | undefined
  let sending: Promise<void> = Promise.resolve()

  function add(events: ServerEvent[]): void {
    for (const e of events) {
      if (!queue.some((q) => q.name === e.name && q.server_uuid === e.server_uuid && q.tag === e.tag)) queue.push(e)
    }
    if (queue.length && !timer) {
      timer = setTimeout(() => {
        timer = undefined
        void flush()
      }, opts.intervalMs)
      timer.unref()
    }
  }

  function flush(): Promise<void> {
    const batch = queue
    queue = []
    if (!batch.length) return sending
    sending = sending.then(() => send(batch))
    return sending
  }

  async function send(events: ServerEvent[]): Promise<void> {
    try {
      const url = await opts.computeUrl()
      if (!url) return
      const res = await fetch(`${url.replace(/\/+$/, '')}/os-server-external-events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': await opts.token() },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(10_000),
      })
      const body = await res.json().catch(() => undefined) as { events?: Array<ServerEvent & { code: number }> } | undefined
      // 404 means none of the servers exists any more (being deleted): nothing to tell.
      if (res.status === 404) return
      if (res.status !== 200 && res.status !== 207) throw new Error(`compute answered ${res.status}`)
      const failed = (body?.events ?? []).filter((e) => e.code !== 200)
      opts.log.info(`told compute of ${events.length} port change(s)`, { events: events.map((e) => `${e.name}:${e.server_uuid}`).join(', ') })
      for (const e of failed) opts.log.debug(`compute did not take ${e.name} for server ${e.server_uuid} (code ${e.code})`)
    } catch (err) {
      opts.log.warn(`could not tell compute of ${events.length} port change(s): ${(err as Error).message}`)
    }
  }

  return {
    portsChanged: (ports) => add(ports.filter(isInstancePort).map((p) => ({ name: 'network-changed', server_uuid: p.device_id, tag: p.id }))),
    portDeleted: (port) => add(isInstancePort(port) ? [{ name: 'network-vif-deleted', server_uuid: port.device_id, tag: port.id }] : []),
    async stop() {
      if (timer) clearTimeout(timer)
      timer = undefined
      await flush()
    },
  }
}

/**
 * The compute endpoint: the catalog's (as Neutron's [nova] section finds it), looked up at most
 * once a minute, else `fallback` (where the configuration says compute listens).
 */
export function catalogComputeUrl(
  catalog: () => Promise<Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>>,
  fallback: () => string | undefined,
): () => Promise<string | undefined> {
  let cached: { url: string; at: number } | undefined
  return async () => {
    if (cached && Date.now() - cached.at < 60_000) return cached.url
    const entry = (await catalog()).find((s) => s.type === 'compute')
    const url = entry?.endpoints.find((e) => e.interface === 'public')?.url ?? entry?.endpoints[0]?.url
    if (url) cached = { url, at: Date.now() }
    return url ?? fallback()
  }
}
