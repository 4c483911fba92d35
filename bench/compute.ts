/**
 * @module Compute benchmark. (1) Rally's boot-and-delete on the fake driver: boot a server on a
 * network, poll until ACTIVE, delete, poll until gone; at concurrency 1 and 8, median and p95,
 * against a baseline run side by side: the network work a boot cannot avoid (create, bind and
 * delete one port through the same Network API). (2) Scheduling latency with 1,000 fake compute
 * hosts: the scheduler (placement candidates, filters, weighers, claim) timed per request
 * against placement's allocation-candidates call alone.
 */
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adminToken, freePort, runToEnd, say, startNubis, stop } from './nubis-process.ts'

const PASSWORD = 'bench-admin-secret'
type Api = { url: string; token: string }

const pct = (xs: number[], p: number) => {
  const s = xs.toSorted((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

async function call(api: Api, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, {
    method, headers: { 'x-auth-token': api.token, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}

async function must(api: Api, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const r = await call(api, method, path, body, headers)
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

async function poll(fn: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Runs `one` `total` times over `concurrency` workers; returns each run's milliseconds. */
async function timed(concurrency: number, total: number, one: () => Promise<void>): Promise<number[]> {
  const out: number[] = []
  let started = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < total) {
      started++
      const t0 = performance.now()
      await one()
      out.push(performance.now() - t0)
    }
  }))
  return out
}

export async function benchCompute(): Promise<void> {
  await benchBootAndDelete()
  await benchSchedulingAtScale()
}

/**
 * Scheduling with 1,000 hosts: with Nova's defaults (1,000 candidates asked for, in placement's
 * fixed order) and with the settings Nova and placement offer for large clouds (fewer candidates,
 * drawn at random so that concurrent schedulers spread out); each with placement in a process of
 * its own (another host) and in the scheduler's process (`nubis up`).
 */
export async function benchSchedulingAtScale(): Promise<void> {
  const { benchScheduling } = await import('./compute-scheduling.ts')
  const runs = [
    { label: 'Nova defaults, placement in its own process', hosts: 1000, requests: 1000, maxPlacementResults: 1000, randomize: false, inProcess: false },
    { label: 'Nova defaults, placement in the scheduler\'s process (nubis up)', hosts: 1000, requests: 1000, maxPlacementResults: 1000, randomize: false, inProcess: true },
    { label: 'large-cloud settings, placement in its own process', hosts: 1000, requests: 1000, maxPlacementResults: 50, randomize: true, inProcess: false },
    { label: 'large-cloud settings, placement in the scheduler\'s process (nubis up)', hosts: 1000, requests: 1000, maxPlacementResults: 50, randomize: true, inProcess: true },
  ]
  const results = []
  for (const { label, ...run } of runs) {
    say(`scheduling (${label}): ${run.hosts} fake hosts in a fresh placement, ${run.requests} requests after 20 warm-up ones`)
    results.push({ label, ...(await benchScheduling(run)) })
  }
  console.log('\nScheduling latency (real scheduler and placement, SQLite, one machine; candidates over HTTP or, in the scheduler\'s process, asked directly; claims over HTTP and released after each request)')
  for (const r of results) {
    console.log(`${r.label} (compute.scheduler.maxPlacementResults=${r.maxPlacementResults}, placement.randomizeAllocationCandidates=${r.randomize}), ${r.hosts} hosts:`)
    console.log(`  scheduling  p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (first request after start ${r.first.toFixed(1)} ms)`)
    console.log(`  slowest five: ${r.times.toSorted((a, b) => b - a).slice(0, 5).map((t) => t.toFixed(1)).join(', ')} ms`)
    console.log(`  baseline, placement's candidates call alone: p50 ${r.baseP50.toFixed(2)} ms  p99 ${r.baseP99.toFixed(2)} ms; ratio at p99 ${(r.p99 / r.baseP99).toFixed(2)}x`)
    console.log(`  target p99 < 10 ms: ${r.p99 < 10 ? 'met' : 'NOT met'}`)
  }
}

async function benchBootAndDelete(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-bench-'))
  const ports = { identity: await freePort(), image: await freePort(), network: await freePort(), placement: await freePort(), compute: await freePort() }
  const env = {
    ...process.env, NUBIS_DATA_DIR: dataDir, NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn',
    NUBIS_IDENTITY__PORT: String(ports.identity), NUBIS_IMAGE__PORT: String(ports.image), NUBIS_NETWORK__PORT: String(ports.network),
    NUBIS_PLACEMENT__PORT: String(ports.placement), NUBIS_COMPUTE__PORT: String(ports.compute),
    NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: PASSWORD, NUBIS_IMAGE__REGISTER_TINY_GUEST: 'false',
    NUBIS_COMPUTE__QUOTAS__INSTANCES: '-1', NUBIS_COMPUTE__QUOTAS__CORES: '-1', NUBIS_COMPUTE__QUOTAS__RAM: '-1',
  }
  let server: ChildProcess | undefined
  try {
    say('bootstrap, then identity, image, network, placement and compute (fake driver) in one process')
    await runToEnd(['identity', 'bootstrap'], env)
    server = await startNubis(['run', 'identity', 'image', 'network', 'placement', 'compute'], env, `http://127.0.0.1:${ports.compute}/`)
    const tok = await adminToken(`http://127.0.0.1:${ports.identity}`, PASSWORD)
    const compute: Api = { url: `http://127.0.0.1:${ports.compute}/v2.1`, token: tok }
    const network: Api = { url: `http://127.0.0.1:${ports.network}`, token: tok }
    const image: Api = { url: `http://127.0.0.1:${ports.image}`, token: tok }
    const img = await must(image, 'POST', '/v2/images', { name: 'bench', disk_format: 'raw', container_format: 'bare', visibility: 'public' })
    await must(image, 'PUT', `/v2/images/${img.id}/file`, Buffer.alloc(1024), { 'content-type': 'application/octet-stream' })
    const net = (await must(network, 'POST', '/v2.0/networks', { network: { name: 'bench' } })).network
    await must(network, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.90.0.0/16', ip_version: 4 } })
    await must(network, 'PUT', `/v2.0/quotas/${net.project_id}`, { quota: { port: -1 } })
    await poll(async () => (await call(compute, 'GET', '/os-hypervisors')).body.hypervisors?.length > 0, 'the compute node to register')

    const bootAndDelete = async () => {
      const s = await must(compute, 'POST', '/servers', { server: { name: 'rally', imageRef: img.id, flavorRef: '42', networks: [{ uuid: net.id }] } })
      const id = s.server.id
      await poll(async () => {
        const r = await call(compute, 'GET', `/servers/${id}`)
        if (r.body.server?.status === 'ERROR') throw new Error(`server ${id} ERROR: ${JSON.stringify(r.body.server.fault)}`)
        return r.body.server?.status === 'ACTIVE'
      }, `server ${id} ACTIVE`)
      await must(compute, 'DELETE', `/servers/${id}`)
      await poll(async () => (await call(compute, 'GET', `/servers/${id}`)).status === 404, `server ${id} gone`)
    }
    const portFloor = async () => {
      const p = (await must(network, 'POST', '/v2.0/ports', { port: { network_id: net.id, device_id: randomUUID(), device_owner: 'compute:nova' } })).port
      await must(network, 'PUT', `/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'bench' } })
      await must(network, 'DELETE', `/v2.0/ports/${p.id}`)
    }
    say('boot-and-delete: warm-up, then concurrency 1 (40 runs) and 8 (160 runs), each beside its port baseline')
    await timed(2, 10, bootAndDelete)
    const b1 = await timed(1, 40, bootAndDelete)
    const p1 = await timed(1, 40, portFloor)
    const b8 = await timed(8, 160, bootAndDelete)
    const p8 = await timed(8, 160, portFloor)

    const row = (name: string, xs: number[], base: number[]) =>
      `${name.padEnd(44)} median ${pct(xs, 50).toFixed(1).padStart(7)} ms  p95 ${pct(xs, 95).toFixed(1).padStart(7)} ms  ` +
      `(${(pct(xs, 50) / pct(base, 50)).toFixed(1)}x the port baseline's median ${pct(base, 50).toFixed(1)} ms)`
    console.log('\nNubis compute benchmark (fake driver; server and load generator on one machine; SQLite; in-process bus)')
    console.log(row('boot-and-delete, concurrency 1', b1, p1))
    console.log(row('boot-and-delete, concurrency 8', b8, p8))
    console.log(`  target: median < 50 ms at concurrency 1: ${pct(b1, 50) < 50 ? 'met' : 'NOT met'}`)
  } finally {
    if (server) await stop(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
}
