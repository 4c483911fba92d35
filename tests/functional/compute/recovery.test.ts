/**
 * A compute agent that dies in the middle of a move and starts again, through the public APIs:
 * host-a runs the whole compute service, host-b a compute agent alone. A flavor slows one
 * hypervisor operation down (nubis:fake_delay); while host-b's agent sits in it, its process
 * "dies" (the fake hypervisor never answers that agent again and its service stops), and a new
 * agent for host-b starts. Its recovery must leave the server usable where it was, the
 * migration in error and nothing held on the other host.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { services as runnable } from '../../../src/cli/services.ts'
import type { RunningCompute } from '../../../src/compute/services.ts'
import type { ApiClient } from '../../support/client.ts'
import { startComputeCloud, type ComputeCloud } from './support.ts'

const skip = 'placement' in runnable ? false : 'the placement service is not runnable yet'
const SLOW_MS = 1500

let c: ComputeCloud
let placement: ApiClient
let hostB: RunningCompute

const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })
const startHostB = async () => (hostB = (await c.cloud.startService('compute-agent', { host: 'host-b' })) as RunningCompute)

before(async () => {
  if (skip) return
  c = await startComputeCloud({ config: { host: 'host-a' } })
  placement = c.cloud.service('placement', c.admin)
  await startHostB()
  const f = await c.admin.post('/v2.1/flavors', { flavor: { name: 'slow-move', ram: 64, vcpus: 1, disk: 1, id: 'slow-move' } })
  assert.equal(f.status, 200, JSON.stringify(f.body))
  const spec = { 'nubis:fake_delay': `migrate_disk_and_power_off:${SLOW_MS},live_migration:${SLOW_MS}` }
  assert.equal((await c.admin.post('/v2.1/flavors/slow-move/os-extra_specs', { extra_specs: spec })).status, 200)
  const g = await c.admin.post('/v2.1/flavors', { flavor: { name: 'slow-finish', ram: 64, vcpus: 1, disk: 1, id: 'slow-finish' } })
  assert.equal(g.status, 200, JSON.stringify(g.body))
  assert.equal((await c.admin.post('/v2.1/flavors/slow-finish/os-extra_specs', { extra_specs: { 'nubis:fake_delay': `finish_migration:${SLOW_MS}` } })).status, 200)
})

after(async () => {
  await c?.stop()
})

async function adminView(id: string): Promise<any> {
  const r = await c.admin.get(`/v2.1/servers/${id}`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.server
}

async function waitFor(id: string, done: (s: any) => boolean, what: string, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs
  let last: any
  while (Date.now() < until) {
    last = await adminView(id)
    if (done(last)) return last
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.fail(`server ${id} did not reach ${what}; last seen ${last?.status} / ${last?.['OS-EXT-STS:task_state']}`)
}

const idle = (status: string) => (s: any) => {
  if (s.status === 'ERROR' && status !== 'ERROR') assert.fail(`server went to ERROR: ${JSON.stringify(s.fault)}`)
  return s.status === status && !s['OS-EXT-STS:task_state']
}
const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host']

async function usages(host: string): Promise<Record<string, number>> {
  const rp = await placement.get(`/resource_providers?name=${host}`, { 'openstack-api-version': 'placement 1.14' })
  const r = await placement.get(`/resource_providers/${rp.body.resource_providers[0].uuid}/usages`)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.usages
}

async function migrationsOf(id: string): Promise<any[]> {
  const r = await c.admin.get(`/v2.1/os-migrations?instance_uuid=${id}`, v('2.59'))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.migrations
}

/** Deletes and waits until it is gone (so the next test counts usages without it). */
async function deleteServer(id: string): Promise<void> {
  assert.equal((await c.demo.delete(`/v2.1/servers/${id}`)).status, 204)
  const until = Date.now() + 10_000
  while ((await c.admin.get(`/v2.1/servers/${id}`)).status !== 404 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
}

/** A server of `flavor` on `host` (host-b is the one whose agent the tests restart). */
async function serverOn(host: string, flavor = 'slow-move'): Promise<any> {
  const r = await c.demo.post('/v2.1/servers', { server: { name: 'survivor', imageRef: c.imageId, flavorRef: flavor, networks: [{ uuid: c.networkId }] } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const s = await waitFor(r.body.server.id, idle('ACTIVE'), 'ACTIVE')
  if (hostOf(s) === host) return s
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host, block_migration: 'auto' } }, v('2.30'))).status, 202)
  const moved = await waitFor(s.id, idle('ACTIVE'), `ACTIVE on ${host}`)
  assert.equal(hostOf(moved), host)
  return moved
}
const serverOnHostB = () => serverOn('host-b')

/** host-b's agent dies where it is (its hypervisor call never returns) and a new one starts. */
async function restartHostB(): Promise<void> {
  hostB.driver!.freeze()
  await hostB.stop()
  await startHostB()
}

async function coldMigrationInterrupted(stopped: boolean): Promise<void> {
  const s = await serverOnHostB()
  if (stopped) {
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })).status, 202)
    await waitFor(s.id, idle('SHUTOFF'), 'SHUTOFF')
  }
  const destBefore = (await usages('host-a')).MEMORY_MB ?? 0
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  await waitFor(s.id, (x) => x['OS-EXT-STS:task_state'] === 'resize_migrating', 'resize_migrating')
  assert.equal((await usages('host-a')).MEMORY_MB, destBefore + 64, 'the destination is claimed while the move runs')

  await restartHostB()
  const back = await waitFor(s.id, idle(stopped ? 'SHUTOFF' : 'ACTIVE'), stopped ? 'SHUTOFF' : 'ACTIVE')
  assert.equal(hostOf(back), 'host-b')
  assert.equal(back.flavor.original_name ?? back.flavor.id, 'slow-move')
  const [m] = await migrationsOf(s.id)
  assert.equal(m.migration_type, 'migration')
  assert.equal(m.status, 'error')
  assert.equal((await usages('host-a')).MEMORY_MB ?? 0, destBefore, 'nothing is held on the destination any more')
  const guest = hostB.driver!.guests().find((g) => g.uuid === s.id)
  assert.equal(guest?.powerState, stopped ? 4 : 1, 'the guest is on host-b in the state it was in')

  // The server is usable: the same migration now goes through.
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  const migrated = await waitFor(s.id, idle('VERIFY_RESIZE'), 'VERIFY_RESIZE')
  assert.equal(hostOf(migrated), 'host-a')
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null })).status, 204)
  assert.equal(hostOf(await waitFor(s.id, idle(stopped ? 'SHUTOFF' : 'ACTIVE'), 'confirmed')), 'host-a')
  await deleteServer(s.id)
}

test('a cold migration interrupted by the source agent dying is rolled back when it restarts', { skip }, () => coldMigrationInterrupted(false))

test('the same for a stopped server: it comes back SHUTOFF on its source', { skip }, () => coldMigrationInterrupted(true))

test('a live migration interrupted by the source agent dying is aborted when it restarts', { skip }, async () => {
  const s = await serverOnHostB()
  const destBefore = (await usages('host-a')).MEMORY_MB ?? 0
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: 'host-a', block_migration: 'auto' } }, v('2.30'))).status, 202)
  const until = Date.now() + 10_000
  while ((await migrationsOf(s.id))[0]?.status !== 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  assert.equal((await adminView(s.id))['OS-EXT-STS:task_state'], 'migrating')

  await restartHostB()
  const back = await waitFor(s.id, idle('ACTIVE'), 'ACTIVE')
  assert.equal(hostOf(back), 'host-b')
  const [m] = await migrationsOf(s.id)
  assert.equal(m.migration_type, 'live-migration')
  assert.equal(m.status, 'error')
  assert.equal((await usages('host-a')).MEMORY_MB ?? 0, destBefore, 'nothing is held on the destination any more')
  assert.equal(hostB.driver!.guests().find((g) => g.uuid === s.id)?.powerState, 1, 'the guest still runs on host-b')

  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { 'os-migrateLive': { host: 'host-a', block_migration: 'auto' } }, v('2.30'))).status, 202)
  const moved = await waitFor(s.id, idle('ACTIVE'), 'ACTIVE on host-a')
  assert.equal(hostOf(moved), 'host-a')
  await deleteServer(s.id)
})

test('a cold migration interrupted by the destination agent dying while it finishes is finished when it restarts', { skip }, async () => {
  const s = await serverOn('host-a', 'slow-finish')
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  await waitFor(s.id, (x) => x['OS-EXT-STS:task_state'] === 'resize_finish', 'resize_finish')

  await restartHostB()
  const done = await waitFor(s.id, idle('VERIFY_RESIZE'), 'VERIFY_RESIZE')
  assert.equal(hostOf(done), 'host-b')
  const [m] = await migrationsOf(s.id)
  assert.equal(m.status, 'finished')
  assert.equal(hostB.driver!.guests().find((g) => g.uuid === s.id)?.powerState, 1, 'the guest runs on host-b')
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null })).status, 204)
  assert.equal(hostOf(await waitFor(s.id, idle('ACTIVE'), 'confirmed')), 'host-b')
  await deleteServer(s.id)
})
