/**
 * @module A bounded closed-loop load generator over keep-alive HTTP: N workers, each sending the
 * next request when the last one answered, until a request count or a time limit is reached.
 */
import { Agent, request } from 'node:http'

export type LoadResult = { requests: number; errors: number; seconds: number; rps: number; p50Ms: number; p99Ms: number }

export type LoadSpec = {
  url: string
  method?: string
  headers?: () => Record<string, string>
  body?: () => string
  concurrency: number
  maxRequests: number
  maxSeconds: number
  expectStatus: number
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency })
  const u = new URL(spec.url)
  const latencies: number[] = []
  let sent = 0
  let errors = 0
  const started = performance.now()
  const deadline = started + spec.maxSeconds * 1000
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now()
      const body = spec.body?.()
      const req = request({
        agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: spec.method ?? 'GET',
        headers: { ...spec.headers?.(), ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== spec.expectStatus) errors++
          latencies.push(performance.now() - t0)
          resolve()
        })
      })
      req.on('error', () => { errors++; resolve() })
      req.end(body)
    })
  const worker = async () => {
    while (sent < spec.maxRequests && performance.now() < deadline) {
      sent++
      await one()
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, worker))
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99) }
}
