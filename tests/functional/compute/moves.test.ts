/**
 * Moving servers between two hosts through the public APIs: a cloud in one process with the
 * whole compute service on host-a and a second compute agent on host-b (one in-process bus, a
 * fake hypervisor per host). Resize with confirm and revert, cold and live migration, evacuate
 * after host-b's agent went away, and where placement says the resources are at each step.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { configSections, services as runnable, type NubisConfig } from '../../../src/cli/services.ts'
import { commonConfigSchema } from '../../../src/common/config/common-config.ts'
import { configSchema, loadConfig } from '../../../src/common/config/load-config.ts'
import { createLogger, silentLogger } from '../../../src/common/log/logger.ts'
import { createInProcessTransport } from '../../../src/common/rpc/in-process.ts'
import type { RunningService, ServiceContext } from '../../../src/common/service.ts'
import { runIdentityBootstrap, startIdentity } from '../../../src/identity/services.ts'
import type { RunningCompute } from '../../../src/compute/services.ts'
import { ApiClient } from '../../support/client.ts'

const SERVICE_DOWN_SEC = 3
/** Booting needs the placement service; until it is runnable these tests skip. */
const skip = 'placement' in runnable ? false : 'the placement service is not runnable yet'

let admin: ApiClient
let demo: ApiClient
let placement: ApiClient
let imageId: string
let networkId: string
let startHostB: () => Promise<RunningCompute>
let hostB: RunningCompute
let hostA: RunningCompute
const cleanups: Array<() => Promise<void>> = []

const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })

before(async () => {
  if (skip) return
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-moves-'))
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
  const config = loadConfig<NubisConfig>({
    schema: configSchema(commonConfigSchema, configSections), env: {},
    overrides: {
      dataDir, bindHost: '127.0.0.1', installPackages: false, database: { url: '' }, host: 'host-a',
      identity: { port: 0, passwordHashRounds: 4, bootstrap: { adminPassword: 'admin-secret', demoPassword: 'demo-secret' } },
      compute: { syncPowerStateIntervalSec: 0, reportIntervalSec: 1, serviceDownTimeSec: SERVICE_DOWN_SEC },
      image: { registerTinyGuest: false },
    },
  })
  const log = process.env.NUBIS_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger
  await runIdentityBootstrap(config, [], log)
  const transport = createInProcessTransport()
  const identity = await startIdentity({ config, log, transport })
  cleanups.push(() => identity.stop())
  config.authUrl = identity.url!
  const started: RunningService[] = []
  const urls: Record<string, string> = {}
  for (const name of ['image', 'network', 'placement', 'compute']) {
    const section = (config as Record<string, any>)[name]
    section.port = 0
    const svc = await runnable[name]({ config, log, transport })
    started.push(svc)
    cleanups.push(() => svc.stop())
    urls[name] = svc.url!
    section.port = Number(new URL(svc.url!).port)
  }
  hostA = started.at(-1) as RunningCompute
  // A second host: the compute agent alone, with its own host name, on the same bus.
  const ctxB = { config: { ...config, host: 'host-b' }, log, transport } as ServiceContext<never>
  startHostB = async () => (await runnable['compute-agent'](ctxB)) as RunningCompute
  hostB = await startHostB()
  cleanups.push(() => hostB.stop())
  const adminId = await ApiClient.login(identity.url!, { user: 'admin', password: 'admin-secret', project: 'admin' })
  const demoId = await ApiClient.login(identity.url!, { user: 'demo', password: 'demo-secret', project: 'demo' })
  admin = new ApiClient(urls.compute, adminId.token)
  demo = new ApiClient(urls.compute, demoId.token)
  placement = new ApiClient(urls.placement, adminId.token)
  const images = new ApiClient(urls.image, adminId.token)
  const img = await images.post('/v2/images', { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' })
  assert.equal(img.status, 201, JSON.stringify(img.body))
  assert.equal((await images.raw('PUT', `/v2/images/${img.body.id}/file`, Buffer.alloc(4096), { 'content-type': 'application/octet-stream' })).status, 204)
  imageId = img.body.id
  const net = new ApiClient(urls.network, demoId.token)
  const n = await net.post('/v2.0/networks', { network: { name: 'private' } })
  assert.equal(n.status, 201, JSON.stringify(n.body))
  assert.equal((await net.post('/v2.0/subnets', { subnet: { network_id: n.body.network.id, ip_version: 4, cidr: '10.30.0.0/24' } })).status, 201)
  networkId = n.body.network.id
})

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {})
})

async function adminView(id: string): Promise<any> {
  const r = await admin.get(`/v2.1/servers/${id}`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.server
}

/** Polls the server (as admin, to see its host) until it has `status` and no task. */
async function waitFor(id: string, status: string, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs
  let last: any
  while (Date.now() < until) {
    last = await adminView(id)
    if (last.status === status && !last['OS-EXT-STS:task_state']) return last
    if (last.status === 'ERROR' && status !== 'ERROR') assert.fail(`server ${id} went to ERROR: ${JSON.stringify(last.fault)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.fail(`server ${id} did not reach ${status}; last seen ${last?.status} / ${last?.['OS-EXT-STS:task_state']}`)
}

async function boot(flavorRef = '42'): Promise<any> {
  const r = await demo.post('/v2.1/servers', { server: { name: 'mover', imageRef: imageId, flavorRef, networks: [{ uuid: networkId }] } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  return waitFor(r.body.server.id, 'ACTIVE')
}

const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host']
const other = (host: string) => (host === 'host-a' ? 'host-b' : 'host-a')

async function providerOf(host: string): Promise<string> {
  const r = await placement.get(`/resource_providers?name=${host}`, { 'openstack-api-version': 'placement 1.14' })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.resource_providers[0].uuid
}

/** Provider → resources the consumer holds, from GET /allocations/{uuid}. */
async function allocations(consumer: string): Promise<Record<string, Record<string, number>>> {
  const r = await placement.get(`/allocations/${consumer}`, { 'openstack-api-version': 'placement 1.28' })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return Object.fromEntries(Object.entries(r.body.allocations as Record<string, { resources: Record<string, number> }>).map(([rp, a]) => [rp, a.resources]))
}

async function usages(host: string): Promise<Record<string, number>> {
  const r = await placement.get(`/resource_providers/${await providerOf(host)}/usages`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.usages
}

function novaError(res: { status: number; body: any }, status: number, fault: string, message?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body?.[fault]?.code, status, `expected a ${fault} body, got ${JSON.stringify(res.body)}`)
  if (message !== undefined) assert.equal(res.body[fault].message, message)
}

const nano = { VCPU: 1, MEMORY_MB: 128, DISK_GB: 1 }
const micro = { VCPU: 1, MEMORY_MB: 192, DISK_GB: 1 }

test('resize to another host, VERIFY_RESIZE with both hosts held, then confirm', { skip }, async () => {
  const s = await boot('42')
  const source = hostOf(s)
  const usedBefore = await usages(other(source))
  const r = await demo.post(`/v2.1/servers/${s.id}/action`, { resize: { flavorRef: '84' } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const resized = await waitFor(s.id, 'VERIFY_RESIZE')
  const dest = hostOf(resized)
  assert.equal(dest, other(source))
  assert.equal(resized.flavor.id, '84')
  // The instance holds the new flavor on the destination; the source is still held (by the migration record).
  assert.deepEqual(await allocations(s.id), { [await providerOf(dest)]: micro })
  assert.equal((await usages(dest)).MEMORY_MB, (usedBefore.MEMORY_MB ?? 0) + 192)
  assert.ok((await usages(source)).MEMORY_MB >= 128, 'the source keeps the old flavor until confirm')
  const sourceUsed = (await usages(source)).MEMORY_MB

  assert.equal((await demo.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null })).status, 204)
  const done = await waitFor(s.id, 'ACTIVE')
  assert.equal(hostOf(done), dest)
  const until = Date.now() + 5000
  while ((await usages(source)).MEMORY_MB !== sourceUsed - 128 && Date.now() < until) await new Promise((r2) => setTimeout(r2, 20))
  assert.equal((await usages(source)).MEMORY_MB, sourceUsed - 128, 'confirm frees the source')
  assert.deepEqual(await allocations(s.id), { [await providerOf(dest)]: micro })
  const fake = dest === 'host-a' ? hostA.driver! : hostB.driver!
  assert.equal(fake.guests().find((g) => g.uuid === s.id)?.flavor.flavorid, '84')
  assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
})

test('resize then revert: the old flavor, host and allocation come back', { skip }, async () => {
  const s = await boot('42')
  const source = hostOf(s)
  const before = { source: (await usages(source)).MEMORY_MB ?? 0, dest: (await usages(other(source))).MEMORY_MB ?? 0 }
  assert.equal((await demo.post(`/v2.1/servers/${s.id}/action`, { resize: { flavorRef: '84' } })).status, 202)
  await waitFor(s.id, 'VERIFY_RESIZE')
  assert.equal((await demo.post(`/v2.1/servers/${s.id}/action`, { revertResize: null })).status, 202)
  const back = await waitFor(s.id, 'ACTIVE')
  assert.equal(hostOf(back), source)
  assert.deepEqual(await allocations(s.id), { [await providerOf(source)]: nano })
  assert.deepEqual({ source: (await usages(source)).MEMORY_MB ?? 0, dest: (await usages(other(source))).MEMORY_MB ?? 0 }, before, 'nothing else is held on either host')
  const fakeDest = source === 'host-a' ? hostB.driver! : hostA.driver!
  assert.equal(fakeDest.guests().some((g) => g.uuid === s.id), false, 'the destination removed its copy')
  assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
})

test('refusals: same flavor, unknown flavor, wrong states, migrate to its own host', { skip }, async () => {
  const s = await boot('42')
  novaError(await demo.post(`/v2.1/servers/${s.id}/action`, { resize: { flavorRef: '42' } }), 400, 'badRequest', 'When resizing, instances must change flavor!')
  novaError(await demo.post(`/v2.1/servers/${s.id}/action`, { resize: { flavorRef: 'no-such' } }), 400, 'badRequest')
  novaError(await demo.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null }), 409, 'conflictingRequest')
  novaError(await demo.post(`/v2.1/servers/${s.id}/action`, { revertResize: null }), 409, 'conflictingRequest')
  novaError(await admin.post(`/v2.1/servers/${s.id}/action`, { migrate: { host: hostOf(s) } }, v('2.56')), 400, 'badRequest', 'Cannot migrate to the host where the server exists.')
  novaError(await demo.post(`/v2.1/servers/${s.id}/action`, { migrate: null }), 403, 'forbidden')
  assert.equal((await demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })).status, 202)
  await waitFor(s.id, 'SHUTOFF')
  novaError(await admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, v('2.25')), 409, 'conflictingRequest')
  assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
})

test('cold migration to the other host, confirmed; then live migration back', { skip }, async () => {
  const s = await boot('42')
  const source = hostOf(s)
  assert.equal((await admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  const migrated = await waitFor(s.id, 'VERIFY_RESIZE')
  assert.equal(hostOf(migrated), other(source))
  assert.equal((await admin.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null })).status, 204)
  await waitFor(s.id, 'ACTIVE')
  assert.deepEqual(await allocations(s.id), { [await providerOf(other(source))]: nano })

  const r = await admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: source, block_migration: 'auto' } }, v('2.30'))
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const live = await waitFor(s.id, 'ACTIVE')
  assert.equal(hostOf(live), source)
  assert.deepEqual(await allocations(s.id), { [await providerOf(source)]: nano })
  const fakeSource = source === 'host-a' ? hostA.driver! : hostB.driver!
  const fakeOther = source === 'host-a' ? hostB.driver! : hostA.driver!
  assert.equal(fakeSource.guests().find((g) => g.uuid === s.id)?.powerState, 1)
  assert.equal(fakeOther.guests().some((g) => g.uuid === s.id), false)
  assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
})

test('evacuate from host-b once its agent is down; a migrate with no other host fails without moving; host-b cleans up when back', { skip }, async () => {
  const s = await boot('42')
  if (hostOf(s) !== 'host-b') {
    assert.equal((await admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: 'host-b', block_migration: false, disk_over_commit: false } })).status, 202)
    assert.equal(hostOf(await waitFor(s.id, 'ACTIVE')), 'host-b')
  }
  novaError(await admin.post(`/v2.1/servers/${s.id}/action`, { evacuate: {} }, v('2.14')), 400, 'badRequest', 'Compute service of host-b is still in use.')
  const guestsOfB = hostB.driver!
  await hostB.stop()
  await new Promise((r) => setTimeout(r, (SERVICE_DOWN_SEC + 1) * 1000))
  const r = await admin.post(`/v2.1/servers/${s.id}/action`, { evacuate: {} }, v('2.14'))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const evacuated = await waitFor(s.id, 'ACTIVE')
  assert.equal(hostOf(evacuated), 'host-a')
  assert.deepEqual(await allocations(s.id), { [await providerOf('host-a')]: nano })
  assert.ok(guestsOfB.guests().some((g) => g.uuid === s.id), 'the dead host still has its copy')

  // Only host-a is up now: the cold migration finds no host, answers 202 and leaves the server where it was.
  assert.equal((await admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  const stayed = await waitFor(s.id, 'ACTIVE')
  assert.equal(hostOf(stayed), 'host-a')
  assert.deepEqual(await allocations(s.id), { [await providerOf('host-a')]: nano })

  hostB = await startHostB()
  assert.equal(hostB.driver!.guests().some((g) => g.uuid === s.id), false, 'host-b destroyed the evacuated guest when it came back')
  const until = Date.now() + 5000
  while ((await usages('host-b')).MEMORY_MB && Date.now() < until) await new Promise((r2) => setTimeout(r2, 20))
  assert.ok(!(await usages('host-b')).MEMORY_MB, 'and freed what the evacuation kept there')
  assert.equal(hostOf(await adminView(s.id)), 'host-a')
  assert.equal((await demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
})
