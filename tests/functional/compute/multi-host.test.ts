/**
 * Compute on three "hosts" as OpenStack deploys it: one control process (identity, image,
 * network, placement, compute API, conductor, scheduler) and the compute agents of host-a and
 * host-b in processes of their own, each started with `nubis run`, meeting on RabbitMQ through
 * the AMQP transport and sharing one PostgreSQL database. Twenty servers spread over both hosts,
 * with placement counting each host's share; a cold migration and a live migration each move one
 * from host-a to host-b (the fake hosts hand disks and running guests over in a shared directory,
 * as hosts with shared storage would). Skips when RabbitMQ or PostgreSQL is unreachable.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { stringify } from 'yaml'
import { scratchBus, type ScratchBus } from '../../../src/common/rpc/amqp-test-kit.ts'
import { serviceCredentialsPath } from '../../../src/identity/service-credentials.ts'
import { ApiClient } from '../../support/client.ts'
import { scratchDatabase, type ScratchDb } from '../../support/databases.ts'
import { freePort } from '../../support/ports.ts'

const main = new URL('../../../src/cli/main.ts', import.meta.url).pathname
const HOSTS = ['host-a', 'host-b']
const SERVERS = 20
/** m1.nano, what each server holds in placement. */
const NANO = { VCPU: 1, MEMORY_MB: 128, DISK_GB: 1 }

const bus = await scratchBus()
const db = 'skip' in bus ? undefined : await scratchDatabase('postgres')
const skip = 'skip' in bus ? bus.skip : db && 'skip' in db ? db.skip : undefined

type Child = { name: string; proc: ChildProcess; output: string[] }
const children: Child[] = []
const cleanups: Array<() => Promise<void>> = []
let admin: ApiClient
let demo: ApiClient
let placement: ApiClient
let imageId: string
let networkId: string

/** Runs `nubis <args>` with this config file in a child process; its output is kept for failure messages. */
function nubis(name: string, config: string, args: string[]): Child {
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', main, ...args, '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NUBIS_CONFIG: undefined },
  })
  const child: Child = { name, proc, output: [] }
  for (const stream of [proc.stdout!, proc.stderr!]) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      child.output.push(chunk)
      if (process.env.NUBIS_TEST_LOG) process.stderr.write(`[${name}] ${chunk}`)
    })
  }
  children.push(child)
  return child
}

const exited = (c: Child) => c.proc.exitCode !== null || c.proc.signalCode !== null
const outputOf = (c: Child) => `--- ${c.name} (exit ${c.proc.exitCode ?? c.proc.signalCode ?? 'running'}) ---\n${c.output.join('').slice(-4000)}`

async function stopChild(c: Child): Promise<void> {
  if (exited(c)) return
  const gone = new Promise<void>((r) => c.proc.once('exit', () => r()))
  c.proc.kill('SIGTERM')
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000)
  await gone
  clearTimeout(timer)
}

/** Polls `check` until it returns a value; fails with every child's output when `ms` pass or a child dies. */
async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms
  let lastError: unknown
  while (Date.now() < until) {
    const dead = children.find((c) => exited(c) && c.name !== 'bootstrap')
    if (dead) assert.fail(`${dead.name} exited while waiting for ${what}\n${outputOf(dead)}`)
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) {
      lastError = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.fail(`timed out waiting for ${what} (${String(lastError ?? '')})\n${children.map(outputOf).join('\n')}`)
}

before(async () => {
  if (skip) return
  const { url: amqpUrl, prefix } = bus as ScratchBus
  const databaseUrl = (db as ScratchDb).url
  cleanups.push(() => (db as ScratchDb).drop(), () => (bus as ScratchBus).drop())
  const root = mkdtempSync(join(tmpdir(), 'nubis-multi-host-'))
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }))
  const ports = { identity: await freePort(), image: await freePort(), network: await freePort(), placement: await freePort(), compute: await freePort() }
  const configFor = (host: string) => {
    const dataDir = join(root, host)
    mkdirSync(dataDir, { recursive: true })
    const file = join(root, `${host}.yaml`)
    writeFileSync(file, stringify({
      dataDir, host, bindHost: '127.0.0.1', installPackages: false, logLevel: 'warn',
      database: { url: databaseUrl },
      messaging: { transport: 'amqp', url: amqpUrl, exchange: prefix },
      identity: { port: ports.identity, passwordHashRounds: 4, bootstrap: { adminPassword: 'admin-secret', demoPassword: 'demo-secret' } },
      image: { port: ports.image, registerTinyGuest: false },
      network: { port: ports.network },
      placement: { port: ports.placement },
      compute: {
        port: ports.compute, syncPowerStateIntervalSec: 0, reportIntervalSec: 1, agent: { fakeWorldDir: join(root, 'fake-world') },
        quotas: { instances: SERVERS, cores: SERVERS * NANO.VCPU },
      },
    }))
    return { file, dataDir }
  }
  const control = configFor('control')
  const bootstrap = nubis('bootstrap', control.file, ['identity', 'bootstrap'])
  const code = await new Promise<number | null>((r) => bootstrap.proc.once('exit', r))
  assert.equal(code, 0, outputOf(bootstrap))
  nubis('control', control.file, ['run', 'identity', 'image', 'network', 'placement', 'conductor', 'scheduler', 'compute-api'])
  await waitUntil('the compute API', async () => ((await fetch(`http://127.0.0.1:${ports.compute}/`)).status < 500 ? true : undefined))
  for (const host of HOSTS) {
    // Each host has its own data directory; bootstrap's service credentials are copied to it, as an operator would.
    const agent = configFor(host)
    copyFileSync(serviceCredentialsPath(control.dataDir), serviceCredentialsPath(agent.dataDir))
    nubis(host, agent.file, ['run', 'compute-agent'])
  }
  const identityUrl = `http://127.0.0.1:${ports.identity}`
  const adminId = await ApiClient.login(identityUrl, { user: 'admin', password: 'admin-secret', project: 'admin' })
  const demoId = await ApiClient.login(identityUrl, { user: 'demo', password: 'demo-secret', project: 'demo' })
  admin = new ApiClient(`http://127.0.0.1:${ports.compute}`, adminId.token)
  demo = new ApiClient(`http://127.0.0.1:${ports.compute}`, demoId.token)
  placement = new ApiClient(`http://127.0.0.1:${ports.placement}`, adminId.token)
  const images = new ApiClient(`http://127.0.0.1:${ports.image}`, adminId.token)
  const img = await images.post('/v2/images', { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' })
  assert.equal(img.status, 201, JSON.stringify(img.body))
  assert.equal((await images.raw('PUT', `/v2/images/${img.body.id}/file`, Buffer.alloc(4096), { 'content-type': 'application/octet-stream' })).status, 204)
  imageId = img.body.id
  const net = new ApiClient(`http://127.0.0.1:${ports.network}`, demoId.token)
  const n = await net.post('/v2.0/networks', { network: { name: 'private' } })
  assert.equal(n.status, 201, JSON.stringify(n.body))
  assert.equal((await net.post('/v2.0/subnets', { subnet: { network_id: n.body.network.id, ip_version: 4, cidr: '10.40.0.0/24' } })).status, 201)
  networkId = n.body.network.id
}, { timeout: 90_000 })

after(async () => {
  for (const c of children.toReversed()) await stopChild(c)
  for (const c of cleanups.toReversed()) await c().catch((err) => process.stderr.write(`cleanup failed: ${String(err)}\n`))
})

const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })
const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host']

/** Hypervisor host name → ids of the servers on it, from GET /os-hypervisors/detail?with_servers=true. */
async function serversByHypervisor(): Promise<Record<string, string[]>> {
  const r = await admin.get('/v2.1/os-hypervisors/detail?with_servers=true', v('2.53'))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return Object.fromEntries(r.body.hypervisors.map((h: any) => [h.hypervisor_hostname, (h.servers ?? []).map((s: any) => s.uuid)]))
}

/** Resource class → amount used on the host's resource provider. */
async function usages(host: string): Promise<Record<string, number>> {
  const rp = await placement.get(`/resource_providers?name=${host}`, { 'openstack-api-version': 'placement 1.14' })
  assert.equal(rp.status, 200, JSON.stringify(rp.body))
  assert.equal(rp.body.resource_providers.length, 1, JSON.stringify(rp.body))
  const r = await placement.get(`/resource_providers/${rp.body.resource_providers[0].uuid}/usages`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.usages
}

/** What `count` m1.nano servers use, as placement reports it. */
const nanoUsage = (count: number) => ({ VCPU: count * NANO.VCPU, MEMORY_MB: count * NANO.MEMORY_MB, DISK_GB: count * NANO.DISK_GB })

/** Asserts that each host's placement usages are what the servers the hypervisors list on it hold. */
async function assertUsagesMatch(placed: Record<string, string[]>): Promise<void> {
  for (const host of HOSTS) {
    const used = await usages(host)
    assert.deepEqual({ VCPU: used.VCPU ?? 0, MEMORY_MB: used.MEMORY_MB ?? 0, DISK_GB: used.DISK_GB ?? 0 }, nanoUsage(placed[host].length), `placement usages of ${host}`)
  }
}

async function waitForServer(id: string, status: string): Promise<any> {
  return waitUntil(`server ${id} to be ${status}`, async () => {
    const r = await admin.get(`/v2.1/servers/${id}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const s = r.body.server
    if (s.status === 'ERROR' && status !== 'ERROR') assert.fail(`server ${id} went to ERROR: ${JSON.stringify(s.fault)}`)
    return s.status === status && !s['OS-EXT-STS:task_state'] ? s : undefined
  })
}

/** Waits until every one of `ids` is ACTIVE with no task, from one listing per poll. */
async function waitForAllActive(ids: string[]): Promise<any[]> {
  return waitUntil(`${ids.length} servers to be ACTIVE`, async () => {
    const r = await admin.get('/v2.1/servers/detail?all_tenants=1')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const mine = r.body.servers.filter((s: any) => ids.includes(s.id))
    const failed = mine.find((s: any) => s.status === 'ERROR')
    if (failed) assert.fail(`server ${failed.id} went to ERROR: ${JSON.stringify(failed.fault)}`)
    return mine.length === ids.length && mine.every((s: any) => s.status === 'ACTIVE' && !s['OS-EXT-STS:task_state']) ? mine : undefined
  }, 60_000)
}

test(`${SERVERS} servers booted through the control process spread over the agents of host-a and host-b; a cold and a live migration each move one across`, { skip, timeout: 120_000 }, async () => {
  const hypervisors = await waitUntil('both agents to report their hypervisors', async () => {
    const found = await serversByHypervisor()
    return HOSTS.every((h) => h in found) ? found : undefined
  })
  assert.deepEqual(Object.keys(hypervisors).sort(), HOSTS)
  const services = await admin.get('/v2.1/os-services?binary=nova-compute')
  assert.deepEqual(services.body.services.map((s: any) => [s.host, s.state]).sort(), [['host-a', 'up'], ['host-b', 'up']])

  const boot = await demo.post('/v2.1/servers', {
    server: { name: 'spread', imageRef: imageId, flavorRef: '42', networks: [{ uuid: networkId }], min_count: SERVERS, max_count: SERVERS, return_reservation_id: true },
  })
  assert.equal(boot.status, 202, JSON.stringify(boot.body))
  const listed = await demo.get(`/v2.1/servers?reservation_id=${boot.body.reservation_id}`)
  assert.equal(listed.status, 200, JSON.stringify(listed.body))
  const ids: string[] = listed.body.servers.map((s: any) => s.id)
  assert.equal(ids.length, SERVERS, JSON.stringify(listed.body))
  const servers = await waitForAllActive(ids)
  const placed = await serversByHypervisor()
  for (const host of HOSTS) assert.ok(placed[host].length >= 1, `no server on ${host}: ${JSON.stringify(placed)}`)
  assert.equal(placed['host-a'].length + placed['host-b'].length, SERVERS, JSON.stringify(placed))
  for (const s of servers) assert.ok(placed[hostOf(s)].includes(s.id), `${s.id} is not on ${hostOf(s)}'s hypervisor`)
  await assertUsagesMatch(placed)

  const onA = servers.filter((s) => hostOf(s) === 'host-a')
  const [coldMover, liveMover] = onA.length >= 2 ? onA : assert.fail(`fewer than two servers on host-a: ${JSON.stringify(placed)}`)
  assert.equal((await admin.post(`/v2.1/servers/${coldMover.id}/action`, { migrate: { host: 'host-b' } }, v('2.56'))).status, 202)
  const resized = await waitForServer(coldMover.id, 'VERIFY_RESIZE')
  assert.equal(hostOf(resized), 'host-b')
  assert.equal((await admin.post(`/v2.1/servers/${coldMover.id}/action`, { confirmResize: null })).status, 204)
  assert.equal(hostOf(await waitForServer(coldMover.id, 'ACTIVE')), 'host-b')
  const afterCold = await serversByHypervisor()
  assert.ok(afterCold['host-b'].includes(coldMover.id) && !afterCold['host-a'].includes(coldMover.id), JSON.stringify(afterCold))
  const cold = await admin.get(`/v2.1/os-migrations?instance_uuid=${coldMover.id}`, v('2.59'))
  assert.deepEqual(cold.body.migrations.map((m: any) => [m.migration_type, m.source_compute, m.dest_compute, m.status]), [['migration', 'host-a', 'host-b', 'confirmed']])

  const live = await admin.post(`/v2.1/servers/${liveMover.id}/action`, { 'os-migrateLive': { host: 'host-b', block_migration: 'auto' } }, v('2.25'))
  assert.equal(live.status, 202, JSON.stringify(live.body))
  assert.equal(hostOf(await waitForServer(liveMover.id, 'ACTIVE')), 'host-b')
  const afterLive = await serversByHypervisor()
  assert.ok(afterLive['host-b'].includes(liveMover.id) && !afterLive['host-a'].includes(liveMover.id), JSON.stringify(afterLive))
  const lives = await admin.get(`/v2.1/os-migrations?instance_uuid=${liveMover.id}`, v('2.59'))
  assert.deepEqual(lives.body.migrations.map((m: any) => [m.migration_type, m.source_compute, m.dest_compute, m.status]), [['live-migration', 'host-a', 'host-b', 'completed']])
  assert.deepEqual([afterLive['host-a'].length, afterLive['host-b'].length], [placed['host-a'].length - 2, placed['host-b'].length + 2])
  // The source's share is freed once the move's bookkeeping is done, which may trail the server going ACTIVE.
  await waitUntil('placement to count the moved servers on host-b', async () => {
    await assertUsagesMatch(afterLive)
    return true
  }, 10_000)

  for (const s of servers) assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
  await waitUntil('the servers to be gone', async () => {
    const left = await serversByHypervisor()
    const listedLeft = await demo.get('/v2.1/servers')
    return HOSTS.every((h) => left[h].length === 0) && listedLeft.body.servers.length === 0 ? true : undefined
  })
  await waitUntil('placement usages to be zero', async () => {
    await assertUsagesMatch({ 'host-a': [], 'host-b': [] })
    return true
  }, 10_000)
})
