/**
 * @module Network benchmark: port create, list and delete through the Neutron API of a real
 * network service (`nubis run identity network`: one process, in-process bus, SQLite) under a
 * bounded local load at concurrency 1 and 8, against a bare node:http server answering the same
 * bytes (the baseline, run side by side). Afterwards every port's addresses and MACs are checked
 * for duplicates, and 8 workers race for the last addresses of a small subnet.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLoad, type LoadResult } from './load.ts'
import { cpuMs } from './process-stats.ts'
import { freePort, say, startNubis, stop } from './nubis-process.ts'

const PASSWORD = 'bench-admin-secret'
const node = process.execPath
const CREATES_C1 = 300
/** Ports created at concurrency 8, all on one network: the list is then timed with exactly this many. */
const CREATES_C8 = 1000

type Measured = LoadResult & { cpuPerReq: number }
type Api = { url: string; token: string }

export async function benchNetwork(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-bench-'))
  const [identityPort, networkPort] = [await freePort(), await freePort()]
  const env = {
    ...process.env, NUBIS_DATA_DIR: dataDir, NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn',
    NUBIS_IDENTITY__PORT: String(identityPort), NUBIS_NETWORK__PORT: String(networkPort),
    NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: PASSWORD,
  }
  let server: ChildProcess | undefined
  try {
    say('bootstrap identity, then start identity and network in one process')
    await runToEnd(['identity', 'bootstrap'], env)
    server = await startNubis(['run', 'identity', 'network'], env, `http://127.0.0.1:${networkPort}/`)
    const pid = server.pid!
    const api: Api = { url: `http://127.0.0.1:${networkPort}`, token: await issueToken(`http://127.0.0.1:${identityPort}`) }
    const warmNet = await setUp(api, 'bench-1', '10.64.0.0/16')
    const networkId = await setUp(api, 'bench-2', '10.66.0.0/16')

    const create = (net: string, concurrency: number, maxRequests: number) => runLoad({
      url: `${api.url}/v2.0/ports`, method: 'POST', headers: () => ({ 'x-auth-token': api.token }),
      body: () => JSON.stringify({ port: { network_id: net } }), concurrency, maxRequests, maxSeconds: 60, expectStatus: 201,
    })
    say('port create: warm-up, then concurrency 1 and 8')
    await create(warmNet, 4, 50)
    const c1 = await measured(pid, () => create(warmNet, 1, CREATES_C1))
    const c8 = await measured(pid, () => create(networkId, 8, CREATES_C8))

    const sample = await call(api, 'POST', '/v2.0/ports', { port: { network_id: warmNet } })
    const ports = [...await listPorts(api, networkId), ...await listPorts(api, warmNet)]
    const listPath = `/v2.0/ports?network_id=${networkId}`
    const listBody = await (await fetch(api.url + listPath, { headers: { 'x-auth-token': api.token } })).text()
    const list = (concurrency: number) => runLoad({
      url: api.url + listPath, headers: () => ({ 'x-auth-token': api.token }), concurrency, maxRequests: 200, maxSeconds: 20, expectStatus: 200,
    })
    const listed = (JSON.parse(listBody).ports as unknown[]).length
    say(`port list with ${listed} ports on the network`)
    await list(2)
    const l1 = await measured(pid, () => list(1))
    const l8 = await measured(pid, () => list(8))

    const dup = duplicates(ports)
    say('8 workers race for the 29 addresses of a /27')
    const race = await exhaustionRace(api)

    say('port delete at concurrency 1 and 8')
    const ids = ports.map((p) => p.id)
    const d1 = await measured(pid, () => deleteAll(api, ids.splice(0, 300), 1))
    const d8 = await measured(pid, () => deleteAll(api, ids, 8))
    const left = (await listPorts(api, networkId)).length + (await listPorts(api, warmNet)).length

    say('baseline: bare node:http answering the same bodies')
    const bCreate = await baseline(dataDir, 201, JSON.stringify(sample), (u) => runLoad({ url: u, method: 'POST', body: () => '{"port":{}}', concurrency: 8, maxRequests: 5000, maxSeconds: 5, expectStatus: 201 }))
    const bList = await baseline(dataDir, 200, listBody, (u) => runLoad({ url: u, concurrency: 8, maxRequests: 2000, maxSeconds: 5, expectStatus: 200 }))

    const row = (name: string, r: Measured) =>
      `${name.padEnd(40)} ${r.rps.toFixed(0).padStart(6)} req/s  ${(1000 / r.rps).toFixed(2).padStart(6)} ms/req  p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  ` +
      `p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  server CPU ${r.cpuPerReq.toFixed(2)} ms/req  errors ${r.errors}`
    console.log('\nNubis network benchmark (server and load generator on one machine; SQLite)')
    console.log(row('port create, concurrency 1', c1))
    console.log(row('port create, concurrency 8', c8))
    console.log(row('baseline: bare node:http, same body, c=8', bCreate))
    console.log(`  ms per port create at concurrency 8: ${(1000 / c8.rps).toFixed(2)} (target < 5 ms: ${1000 / c8.rps < 5 ? 'met' : 'NOT met'})`)
    console.log(row(`port list (${listed} ports), concurrency 1`, l1))
    console.log(row(`port list (${listed} ports), concurrency 8`, l8))
    console.log(row('baseline: bare node:http, same body, c=8', bList))
    console.log(row('port delete, concurrency 1', d1))
    console.log(row('port delete, concurrency 8', d8))
    console.log(`uniqueness: ${ports.length} ports, ${dup.ips} duplicate IPs, ${dup.macs} duplicate MACs; ${left} ports left after deleting all`)
    console.log(`exhaustion race on a /27: ${race.created} created (29 addresses), ${race.refused} refused with 409, ${race.other} other answers, ` +
      `${race.duplicates} duplicate IPs: ${race.created === 29 && race.duplicates === 0 && race.other === 0 ? 'ok' : 'FAILED'}`)
  } finally {
    if (server) await stop(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** A network with one IPv4 subnet for measured ports; the admin project gets no port quota. */
async function setUp(api: Api, name: string, cidr: string): Promise<string> {
  const net = (await call(api, 'POST', '/v2.0/networks', { network: { name } })).network
  await call(api, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr, ip_version: 4 } })
  await call(api, 'PUT', `/v2.0/quotas/${net.project_id}`, { quota: { port: -1 } })
  return net.id
}

async function listPorts(api: Api, networkId: string): Promise<{ id: string; mac_address: string; fixed_ips: { ip_address: string }[] }[]> {
  return (await call(api, 'GET', `/v2.0/ports?network_id=${networkId}&fields=id&fields=mac_address&fields=fixed_ips`)).ports
}

function duplicates(ports: { mac_address: string; fixed_ips: { ip_address: string }[] }[]): { ips: number; macs: number } {
  const ips = ports.flatMap((p) => p.fixed_ips.map((f) => f.ip_address))
  const macs = ports.map((p) => p.mac_address)
  return { ips: ips.length - new Set(ips).size, macs: macs.length - new Set(macs).size }
}

/** 8 workers create ports on a fresh /27 until 64 attempts are made: exactly its 29 free addresses may be handed out. */
async function exhaustionRace(api: Api): Promise<{ created: number; refused: number; other: number; duplicates: number }> {
  const net = (await call(api, 'POST', '/v2.0/networks', { network: { name: 'bench-small' } })).network
  // 32 addresses: network, broadcast and gateway are not handed out, so 29 remain.
  await call(api, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.65.0.0/27', ip_version: 4 } })
  let created = 0, refused = 0, other = 0, attempts = 0
  const worker = async () => {
    while (attempts < 64) {
      attempts++
      const res = await fetch(`${api.url}/v2.0/ports`, {
        method: 'POST', headers: { 'x-auth-token': api.token, 'content-type': 'application/json' }, body: JSON.stringify({ port: { network_id: net.id } }),
      })
      await res.text()
      if (res.status === 201) created++
      else if (res.status === 409) refused++
      else other++
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  const dup = duplicates(await listPorts(api, net.id))
  return { created, refused, other, duplicates: dup.ips + dup.macs }
}

/** Deletes every id, `concurrency` at a time over keep-alive connections, each worker taking the next id. */
async function deleteAll(api: Api, ids: string[], concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const u = new URL(api.url)
  const latencies: number[] = []
  let errors = 0, next = 0
  const started = performance.now()
  const one = (id: string) => new Promise<void>((resolve) => {
    const t0 = performance.now()
    const req = request({ agent, host: u.hostname, port: u.port, path: `/v2.0/ports/${id}`, method: 'DELETE', headers: { 'x-auth-token': api.token } }, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode !== 204) errors++
        latencies.push(performance.now() - t0)
        resolve()
      })
    })
    req.on('error', () => { errors++; resolve() })
    req.end()
  })
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < ids.length) await one(ids[next++])
  }))
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50Ms: pct(0.5), p99Ms: pct(0.99) }
}

async function measured(pid: number, run: () => Promise<LoadResult>): Promise<Measured> {
  const before = cpuMs(pid)
  const r = await run()
  return { ...r, cpuPerReq: (cpuMs(pid) - before) / Math.max(1, r.requests) }
}

async function baseline(dir: string, status: number, body: string, run: (url: string) => Promise<LoadResult>): Promise<Measured> {
  const file = join(dir, `baseline-${status}.json`)
  writeFileSync(file, body)
  const child = spawn(node, ['-e', `
    const body = require('node:fs').readFileSync(${JSON.stringify(file)});
    require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(${status}, {'content-type': 'application/json', 'content-length': body.length}); s.end(body) }) })
      .listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n') })`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())))
  try {
    await run(`http://127.0.0.1:${port}/`)
    return await measured(child.pid!, () => run(`http://127.0.0.1:${port}/`))
  } finally {
    child.kill()
  }
}

async function call(api: Api, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(api.url + path, {
    method, headers: { 'x-auth-token': api.token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

async function issueToken(identityUrl: string): Promise<string> {
  const res = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  })
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return res.headers.get('x-subject-token')!
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nubis ${args.join(' ')} exited with ${code}`)))))
}

