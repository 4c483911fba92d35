/**
 * @module Image benchmark: upload and download throughput of a 1 GiB image through the Image API
 * (PUT/GET /v2/images/{id}/file, the data checksummed, inspected and written by the file store)
 * against `cp` of the same file on the same disk, side by side; and the peak RSS of the server
 * process during 256 MiB and 1 GiB transfers, which must stay flat (data is streamed, not held).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { rssMiB } from './process-stats.ts'

const MiB = 1 << 20
const PASSWORD = 'bench-admin-secret'
const node = process.execPath
const say = (m: string) => process.stderr.write(`bench: ${m}\n`)

export async function benchImage(): Promise<void> {
  // The source files, cp's copies and the cloud's store all live here: one disk for all of them.
  const work = mkdtempSync(join(tmpdir(), 'nubis-bench-image-'))
  let server: ChildProcess | undefined
  try {
    const files = { 256: join(work, 'src-256.raw'), 1024: join(work, 'src-1024.raw') }
    say('writing 256 MiB and 1 GiB source files')
    for (const [mib, path] of Object.entries(files)) writeFile(path, Number(mib))

    const [identityPort, imagePort] = [await freePort(), await freePort()]
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NUBIS_'))),
      NUBIS_DATA_DIR: join(work, 'data'), NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn', NUBIS_BIND_HOST: '127.0.0.1',
      NUBIS_IDENTITY__PORT: String(identityPort), NUBIS_IMAGE__PORT: String(imagePort),
      NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: PASSWORD,
    }
    say('bootstrapping identity, then starting identity + image')
    await runToEnd(spawn(node, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', 'identity', 'bootstrap'], { env, stdio: 'inherit' }))
    server = spawn(node, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', 'run', 'identity', 'image'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
    const imageUrl = `http://127.0.0.1:${imagePort}`
    await waitUp(imageUrl)
    const token = await login(`http://127.0.0.1:${identityPort}`)
    const pid = server.pid!
    useCurl = await hasCurl()
    await new Promise((r) => setTimeout(r, 1000))
    const idleRss = rssMiB(pid)

    // Other work on the machine makes single runs noisy: each figure is the best of two.
    const best = async (work: () => Promise<unknown>) => Math.min(await timed(work), await timed(work))
    const cp = (from: string, to: string, durable = false) => async () => {
      await runToEnd(spawn('cp', [from, to]))
      if (durable) await runToEnd(spawn('sync', [to]))
      rmSync(to)
    }
    const bare = await bareServer(files[1024])
    const results: Record<number, { cp: number; cpSync: number; up: number; down: number; bareUp: number; bareDown: number }> = {}
    const peaks: Record<number, number> = {}
    for (const mib of [256, 1024] as const) {
      const source = files[mib]
      const copy = join(work, `copy-${mib}.raw`)
      const target = join(work, `download-${mib}.raw`)
      const cpTime = await best(cp(source, copy))
      const cpSync = await best(cp(source, copy, true))
      const bareUp = await best(() => uploadFile(bare.url, token, 'x', source, 200))
      const bareDown = mib === 1024 ? await best(async () => (await downloadFile(bare.url, token, 'x', target), rmSync(target))) : NaN
      const sampler = sampleRss(pid)
      const up = await best(async () => uploadFile(imageUrl, token, await createImage(imageUrl, token, `bench-${mib}`), source))
      const id = await createImage(imageUrl, token, `bench-${mib}-download`)
      await uploadFile(imageUrl, token, id, source)
      const down = await best(async () => {
        await downloadFile(imageUrl, token, id, target)
        if (statSync(target).size !== mib * MiB) throw new Error(`download of ${mib} MiB came back with ${statSync(target).size} bytes`)
        rmSync(target)
      })
      peaks[mib] = sampler.stop()
      results[mib] = { cp: cpTime, cpSync, up, down, bareUp, bareDown }
    }
    bare.close()
    const hashFloor = hashSeconds(files[256]) * 4

    const r = results[1024]
    const rate = (s: number) => `${(1024 / s).toFixed(0).padStart(5)} MiB/s`
    const target = (x: number) => (x >= 0.7 ? 'met' : 'NOT met')
    console.log(`\nNubis image benchmark, 1 GiB (client: ${useCurl ? 'curl' : 'node:http'}; client, server and cp share one `
      + 'machine and a warm page cache; each figure the best of two)')
    console.log(`  cp                       ${rate(r.cp)}      cp + sync ${rate(r.cpSync)}`)
    console.log(`  bare node:http           ${rate(r.bareUp)} PUT (discarded)   ${rate(r.bareDown)} GET (to a file)`)
    console.log(`  Image API upload         ${rate(r.up)}   = ${(r.cp / r.up).toFixed(2)} of cp (target ≥ 0.7: ${target(r.cp / r.up)}), `
      + `${(r.cpSync / r.up).toFixed(2)} of cp + sync, ${(r.bareUp / r.up).toFixed(2)} of bare node:http`)
    console.log(`  Image API download       ${rate(r.down)}   = ${(r.cp / r.down).toFixed(2)} of cp (target ≥ 0.7: ${target(r.cp / r.down)}), `
      + `${(r.bareDown / r.down).toFixed(2)} of bare node:http`)
    console.log(`  md5 then sha512 of 1 GiB on one core here: ${hashFloor.toFixed(1)} s (the store runs them on two threads; `
      + 'an upload cannot beat the slower of the two)')
    const growth = peaks[1024] - peaks[256]
    console.log(`  server (identity + image) RSS: idle ${idleRss.toFixed(0)} MiB, peak ${peaks[256].toFixed(0)} MiB moving 256 MiB, `
      + `${peaks[1024].toFixed(0)} MiB moving 1 GiB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MiB for 4x the data; flat: ${growth < 32 ? 'yes' : 'NO'})`)
    console.log(`  256 MiB: upload ${(256 / results[256].up).toFixed(0)} MiB/s, download ${(256 / results[256].down).toFixed(0)} MiB/s`)
  } finally {
    if (server) await stop(server)
    rmSync(work, { recursive: true, force: true })
  }
}

/** A bare node:http server: GET streams `file`, PUT reads and drops the body (the transport's ceiling). */
async function bareServer(file: string): Promise<{ url: string; close(): void }> {
  const size = statSync(file).size
  const server = createHttpServer((req, res) => {
    if (req.method === 'PUT') {
      req.resume()
      req.on('end', () => { res.writeHead(200); res.end() })
      return
    }
    res.writeHead(200, { 'content-length': size })
    pipeline(createReadStream(file, { highWaterMark: MiB }), res).catch(() => {})
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
}

/** Seconds to md5 and then sha512 a file in this thread. */
function hashSeconds(file: string): number {
  const data = readFileSync(file)
  const t0 = performance.now()
  createHash('md5').update(data).digest()
  createHash('sha512').update(data).digest()
  return (performance.now() - t0) / 1000
}

/** A file of `mib` MiB of random bytes (one random MiB repeated: hashing cost does not depend on content). */
function writeFile(path: string, mib: number): void {
  const block = randomBytes(MiB)
  const fd = openSync(path, 'w')
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0) // no two MiB alike
      writeSync(fd, block)
    }
  } finally {
    closeSync(fd)
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await work()
  return (performance.now() - t0) / 1000
}

/** Samples the process's RSS every 20 ms; stop() returns the largest value seen. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssMiB(pid)
  const timer = setInterval(() => { peak = Math.max(peak, rssMiB(pid)) }, 20)
  return { stop: () => (clearInterval(timer), Math.max(peak, rssMiB(pid))) }
}

async function login(identityUrl: string): Promise<string> {
  const res = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    } }),
  })
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return res.headers.get('x-subject-token')!
}

async function createImage(url: string, token: string, name: string): Promise<string> {
  const res = await fetch(`${url}/v2/images`, {
    method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  })
  if (res.status !== 201) throw new Error(`image create failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}

/** curl when installed (a lean client, so the figures are the server's); else node:http. */
let useCurl = false

async function uploadFile(url: string, token: string, id: string, path: string, expect = 204): Promise<void> {
  if (useCurl) {
    const code = await curl(['-T', path, '-H', 'content-type: application/octet-stream', '-H', `x-auth-token: ${token}`, '-o', '/dev/null',
      `${url}/v2/images/${id}/file`])
    if (code !== String(expect)) throw new Error(`upload answered ${code}`)
    return
  }
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': statSync(path).size },
    }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === expect ? resolve() : reject(new Error(`upload answered ${res.statusCode}`))))
    })
    req.on('error', reject)
    pipeline(createReadStream(path, { highWaterMark: MiB }), req).catch(reject)
  })
}

async function downloadFile(url: string, token: string, id: string, target: string): Promise<void> {
  if (useCurl) {
    const code = await curl(['-H', `x-auth-token: ${token}`, '-o', target, `${url}/v2/images/${id}/file`])
    if (code !== '200') throw new Error(`download answered ${code}`)
    return
  }
  return new Promise((resolve, reject) => {
    request(`${url}/v2/images/${id}/file`, { headers: { 'x-auth-token': token } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download answered ${res.statusCode}`))
      pipeline(res, createWriteStream(target, { highWaterMark: MiB })).then(resolve, reject)
    }).on('error', reject).end()
  })
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-w', '%{http_code}', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.once('error', reject)
    child.once('exit', () => resolve(out.trim()))
  })
}

async function hasCurl(): Promise<boolean> {
  return new Promise((resolve) => spawn('curl', ['--version'], { stdio: 'ignore' }).once('error', () => resolve(false)).once('exit', (c) => resolve(c === 0)))
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status === 300) return
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${url} did not answer within 30 s`)
}

function runToEnd(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${child.spawnfile} exited with ${code}`))))
  })
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok))
  const { port } = s.address() as { port: number }
  await new Promise((ok) => s.close(ok))
  return port
}
