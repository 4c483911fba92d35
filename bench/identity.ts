/**
 * @module Identity benchmark: token validation and issue under a bounded local load, against a
 * bare node:http server answering the same bytes (the baseline, run side by side), plus
 * SQL statements per validation, idle memory and start-up time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bcrypt from 'bcrypt'
import { commonConfigSchema } from '../src/common/config/common-config.ts'
import { configSchema, loadConfig } from '../src/common/config/load-config.ts'
import { silentLogger } from '../src/common/log/logger.ts'
import { configSections, type NubisConfig } from '../src/cli/services.ts'
import { buildIdentityDeps, openIdentityDb, setupKeyRepositories } from '../src/identity/services.ts'
import { runLoad, type LoadResult } from './load.ts'
import { cpuMs, rssMiB } from './process-stats.ts'
import { freePort, say, sleep, startNubis, stop } from './nubis-process.ts'

const PASSWORD = 'bench-admin-secret'
const node = process.execPath

export async function benchIdentity(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-bench-'))
  const port = await freePort()
  const env = {
    ...process.env, NUBIS_DATA_DIR: dataDir, NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn',
    NUBIS_IDENTITY__PORT: String(port), NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: PASSWORD,
  }
  const url = `http://127.0.0.1:${port}`
  let server: ChildProcess | undefined
  try {
    say('first start (creates the database and keys)')
    server = await startNubis(['up'], env, `${url}/v3`)
    await stop(server)
    say('second start on the warm data dir')
    const t0 = performance.now()
    server = await startNubis(['up'], env, `${url}/v3`)
    const startMs = performance.now() - t0
    await sleep(2000)
    const idleRss = rssMiB(server.pid!)

    const token = await issueToken(url)
    const tokenBody = await (await fetch(`${url}/v3/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } })).text()
    const validate = { url: `${url}/v3/auth/tokens`, headers: () => ({ 'x-auth-token': token, 'x-subject-token': token }), concurrency: 16, maxRequests: 40_000, maxSeconds: 8, expectStatus: 200 }
    say('token validation: warm-up, then measured run')
    await runLoad({ ...validate, maxRequests: 2000 })
    const v = await measured(server.pid!, () => runLoad(validate))

    say('baseline: bare node:http answering the same body')
    const base = await baseline(tokenBody, (u) => runLoad({ ...validate, url: u }))

    say('token issue with the token method (no bcrypt)')
    const rescope = JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } })
    const issueTok = await measured(server.pid!, () => runLoad({
      url: `${url}/v3/auth/tokens`, method: 'POST', body: () => rescope, concurrency: 8, maxRequests: 5000, maxSeconds: 6, expectStatus: 201,
    }))
    say('token issue with a password (bcrypt cost 12)')
    const issuePw = await measured(server.pid!, () => runLoad({
      url: `${url}/v3/auth/tokens`, method: 'POST', body: () => passwordBody(), concurrency: 4, maxRequests: 40, maxSeconds: 20, expectStatus: 201,
    }))
    const bcryptMs = await bcryptCpuMs()
    await stop(server)
    server = undefined
    const sql = await statementsPerValidation(dataDir)

    const row = (name: string, r: LoadResult & { cpuPerReq: number }) =>
      `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  ` +
      `server CPU ${r.cpuPerReq.toFixed(3)} ms/req  errors ${r.errors}`
    console.log('\nNubis identity benchmark (2 cores, server and load generator on one machine)')
    console.log(row('validate (GET /v3/auth/tokens)', v))
    console.log(row('baseline: bare node:http, same body', base))
    console.log(`  validation throughput vs baseline: ${(v.rps / base.rps).toFixed(2)}  (target ≥ 5000 req/s: ${v.rps >= 5000 ? 'met' : 'NOT met'})`)
    console.log(row('issue, token method', issueTok))
    console.log(row('issue, password (bcrypt 12)', issuePw))
    console.log(`  bcrypt cost-12 compare alone: ${bcryptMs.toFixed(1)} ms CPU; issue overhead beyond bcrypt ≈ ${(issuePw.cpuPerReq - bcryptMs).toFixed(2)} ms ` +
      `(token-method issue: ${issueTok.cpuPerReq.toFixed(2)} ms; target < 2 ms)`)
    console.log(`SQL statements per validation of a new token: ${sql.perNewToken} (first validation after start: ${sql.first}; target ≤ 2)`)
    console.log(`idle RSS of the whole process: ${idleRss.toFixed(1)} MiB (target < 100 MiB)`)
    console.log(`start to first 200 on a warm data dir: ${startMs.toFixed(0)} ms (target < 1000 ms)`)
  } finally {
    if (server) await stop(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function measured(pid: number, run: () => Promise<LoadResult>): Promise<LoadResult & { cpuPerReq: number }> {
  const before = cpuMs(pid)
  const r = await run()
  return { ...r, cpuPerReq: (cpuMs(pid) - before) / Math.max(1, r.requests) }
}

async function baseline(body: string, run: (url: string) => Promise<LoadResult>): Promise<LoadResult & { cpuPerReq: number }> {
  const child = spawn(node, ['-e', `
    const body = Buffer.from(${JSON.stringify(body)});
    require('node:http').createServer((q, s) => { q.resume(); s.writeHead(200, {'content-type': 'application/json', 'content-length': body.length}); s.end(body) })
      .listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n') })`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())))
  try {
    await run(`http://127.0.0.1:${port}/`)
    return await measured(child.pid!, () => run(`http://127.0.0.1:${port}/`))
  } finally {
    child.kill()
  }
}

async function statementsPerValidation(dataDir: string): Promise<{ first: number; perNewToken: number }> {
  const config = loadConfig<NubisConfig>({ schema: configSchema(commonConfigSchema, configSections), env: {}, overrides: { dataDir } })
  let count = 0
  const database = await openIdentityDb(config, silentLogger, () => count++)
  try {
    const deps = buildIdentityDeps(database.db, config, silentLogger, setupKeyRepositories(config))
    const user = await database.db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()
    const project = await database.db.selectFrom('projects').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()
    const issue = () => deps.tokens.issue({ userId: user.id, methods: ['password'], scope: { kind: 'project', projectId: project.id } })
    const a = await issue()
    const b = await issue()
    count = 0
    await deps.tokens.validate(a.id)
    const first = count
    count = 0
    await deps.tokens.validate(b.id)
    return { first, perNewToken: count }
  } finally {
    await database.close()
  }
}

async function bcryptCpuMs(): Promise<number> {
  const hash = await bcrypt.hash(PASSWORD, 12)
  const before = process.cpuUsage()
  for (let i = 0; i < 4; i++) bcrypt.compareSync(PASSWORD, hash)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000 / 4
}

function passwordBody(): string {
  return JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } },
    scope: { project: { name: 'admin', domain: { id: 'default' } } } } })
}

async function issueToken(url: string): Promise<string> {
  const res = await fetch(`${url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: passwordBody() })
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return res.headers.get('x-subject-token')!
}

