/**
 * @module Hashes one stream with several algorithms at once, one worker thread each, so md5 and
 * sha512 (each slower than the disk) run side by side instead of one after the other on the
 * event loop. Blocks are SharedArrayBuffer-backed so every worker reads the same bytes, uncopied.
 */
import { Worker } from 'node:worker_threads'

// Run with eval: no file to resolve. getBuiltinModule works whether the eval is taken for
// CommonJS or (under an inherited --input-type=module) for an ES module.
const workerSource = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads')
const { createHash } = process.getBuiltinModule('node:crypto')
const hash = createHash(workerData.algorithm)
parentPort.on('message', (msg) => {
  if (msg === 'digest') return parentPort.postMessage(hash.digest('hex'))
  hash.update(new Uint8Array(msg.buffer, 0, msg.length))
  parentPort.postMessage(msg.length)
})
`

type Waiter = { resolve: (value: unknown) => void; reject: (err: unknown) => void }

class HashWorker {
  readonly #worker: Worker
  readonly #waiters: Waiter[] = [] // replies come back in request order
  #failure: unknown

  constructor(algorithm: string) {
    this.#worker = new Worker(workerSource, { eval: true, workerData: { algorithm } })
    this.#worker.on('message', (value) => this.#waiters.shift()?.resolve(value))
    const fail = (err: unknown) => {
      this.#failure ??= err
      for (const waiter of this.#waiters.splice(0)) waiter.reject(err)
    }
    this.#worker.on('error', fail)
    this.#worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)))
  }

  request(msg: unknown): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      this.#worker.postMessage(msg)
    })
  }

  async terminate(): Promise<void> {
    this.#failure ??= new Error('hash worker terminated')
    await this.#worker.terminate()
  }
}

export class ParallelHasher<A extends string> {
  readonly #workers: Map<A, HashWorker>

  constructor(algorithms: readonly A[]) {
    this.#workers = new Map(algorithms.map((algorithm) => [algorithm, new HashWorker(algorithm)]))
  }

  /** Resolves once every algorithm has consumed the first `length` bytes of `buffer`; only then may it be reused. */
  async update(buffer: SharedArrayBuffer, length: number): Promise<void> {
    await Promise.all([...this.#workers.values()].map((worker) => worker.request({ buffer, length })))
  }

  async digest(): Promise<Record<A, string>> {
    const entries = await Promise.all(
      [...this.#workers].map(async ([algorithm, worker]) => [algorithm, await worker.request('digest')] as const),
    )
    return Object.fromEntries(entries) as Record<A, string>
  }

  /** Always call when done (also after a failure): stops the threads. */
  async close(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((worker) => worker.terminate()))
  }
}
