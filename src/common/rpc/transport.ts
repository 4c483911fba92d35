/**
 * @module The message bus between services (oslo.messaging's job): `call` waits for a reply,
 * `cast` does not, `fanout` reaches every server of a topic. In-process for `nubis up`;
 * a networked transport implements the same interface for many hosts.
 */
export type RpcMethods = Record<string, (args: any) => Promise<unknown>>

export interface Stoppable {
  stop(): Promise<void>
}

export interface Transport {
  /** Serves `impl`'s methods on `topic` until stopped. Several servers on a topic share calls. */
  serve(topic: string, impl: RpcMethods): Promise<Stoppable>
  /** Calls `method` on one server of `topic`; rejects with the remote error or a timeout. */
  call<R = unknown>(topic: string, method: string, args: unknown, opts?: { timeoutMs?: number }): Promise<R>
  /** Sends without waiting for a reply. */
  cast(topic: string, method: string, args: unknown): Promise<void>
  /** Sends to every server of `topic`. */
  fanout(topic: string, method: string, args: unknown): Promise<void>
  close(): Promise<void>
}

/** Error as it crosses the bus: enough to rebuild a CloudError of the same status. */
export type WireError = { name: string; status?: number; message: string }

export class RpcTimeout extends Error {
  constructor(topic: string, method: string, ms: number) {
    super(`no reply from ${topic}.${method} within ${ms} ms`)
  }
}

export class RemoteError extends Error {
  readonly status: number | undefined
  readonly remoteName: string
  constructor(wire: WireError) {
    super(wire.message)
    this.remoteName = wire.name
    this.status = wire.status
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, status: (err as { status?: number }).status, message: err.message }
  return { name: 'Error', message: String(err) }
}

/** A typed proxy: `client<AgentRpc>(t, topic).buildInstance(args)` becomes `t.call(topic, 'buildInstance', args)`. */
export function rpcClient<T extends RpcMethods>(transport: Transport, topic: string, opts?: { timeoutMs?: number }): T {
  return new Proxy({} as T, {
    get: (_t, method) => (args: unknown) => transport.call(topic, String(method), args, opts),
  })
}
