/**
 * The two-host moves end to end inside one process, without HTTP services besides the Compute
 * API's actions: the API on an in-memory database, the real conductor and scheduler, two compute
 * agents (host-a, host-b) on fake drivers of one fake world, and placement in memory. Servers
 * are inserted running on host-a; the tests resize, migrate, live-migrate and evacuate them.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { nowIso } from '../../common/db/columns.ts'
import { createInProcessTransport } from '../../common/rpc/in-process.ts'
import { silentLogger } from '../../common/log/logger.ts'
import { createComputeAgent, nodeUuidOf } from '../agent/compute-agent.ts'
import { PROJECTS, startTestApi, testConfig, type TestApi } from '../api/handler-test-kit.ts'
import { serverActionsRoutes } from '../api/handlers/server-actions.ts'
import type { ComputeConfig } from '../config.ts'
import { findInstance } from '../db/instances.ts'
import type { FlavorSnapshot, Instance } from '../model/instance.ts'
import { flavorResources, type Candidate, type ResourceClaims } from '../model/placement.ts'
import { PowerState } from '../model/states.ts'
import { agentTopic } from '../rpc/agent-rpc.ts'
import { computeRpc } from '../rpc/clients.ts'
import { CONDUCTOR_TOPIC, SCHEDULER_TOPIC } from '../rpc/conductor-rpc.ts'
import { createScheduler } from '../scheduler/scheduler.ts'
import { FakeDriver, FakeWorld } from '../virt/fake/fake-driver.ts'
import { createConductor } from './conductor.ts'

type Allocation = Candidate['allocation']

/** Placement in memory: providers with capacities, consumers with allocations, all-or-nothing moves. */
function memoryPlacement(): ResourceClaims & { allocations: Map<string, Allocation>; usage(rp: string): Record<string, number> } {
  const capacity = new Map<string, Record<string, number>>()
  const allocations = new Map<string, Allocation>()
  const usageWith = (over: Map<string, Allocation>) => {
    const use = new Map<string, Record<string, number>>()
    for (const [c, a] of allocations) {
      for (const [rp, { resources }] of Object.entries(over.has(c) ? over.get(c)! : a)) {
        const u = use.get(rp) ?? use.set(rp, {}).get(rp)!
        for (const [rc, n] of Object.entries(resources)) u[rc] = (u[rc] ?? 0) + n
      }
    }
    for (const [c, a] of over) {
      if (allocations.has(c)) continue
      for (const [rp, { resources }] of Object.entries(a)) {
        const u = use.get(rp) ?? use.set(rp, {}).get(rp)!
        for (const [rc, n] of Object.entries(resources)) u[rc] = (u[rc] ?? 0) + n
      }
    }
    return use
  }
  const fits = (over: Map<string, Allocation>) => [...usageWith(over)].every(([rp, u]) => Object.entries(u).every(([rc, n]) => n <= (capacity.get(rp)?.[rc] ?? 0)))
  const apply = (over: Map<string, Allocation>) => {
    for (const [c, a] of over) {
      if (Object.keys(a).length) allocations.set(c, a)
      else allocations.delete(c)
    }
  }
  return {
    allocations,
    usage: (rp) => usageWith(new Map()).get(rp) ?? {},
    async candidates({ resources }) {
      const out: Candidate[] = []
      for (const [rp, cap] of capacity) {
        const used = usageWith(new Map()).get(rp) ?? {}
        if (Object.entries(resources).every(([rc, n]) => (used[rc] ?? 0) + n <= (cap[rc] ?? 0))) {
          out.push({ provider: rp, allocation: { [rp]: { resources } }, summary: Object.fromEntries(Object.entries(cap).map(([rc, c]) => [rc, { capacity: c, used: used[rc] ?? 0 }])) })
        }
      }
      return out
    },
    async claim(consumer, allocation) {
      const over = new Map([[consumer, allocation]])
      if (!fits(over)) return false
      apply(over)
      return true
    },
    async release(consumer) {
      allocations.delete(consumer)
    },
    async allocationsOf(consumer) {
      return structuredClone(allocations.get(consumer) ?? {})
    },
    async move(changes) {
      const over = new Map(changes.map((c) => [c.consumer, c.allocation]))
      if (!fits(over)) return false
      apply(over)
      return true
    },
    async ensureProvider(p) {
      capacity.set(p.uuid, Object.fromEntries(Object.entries(p.inventories).map(([rc, i]) => [rc, (i.total - i.reserved) * i.allocation_ratio])))
    },
    async aggregatesOf() { return [] },
    async changeAggregates() { return 'unchanged' as const },
  }
}

const flavor = (flavorid: string, vcpus: number, memory_mb: number, root_gb: number): FlavorSnapshot => ({
  flavorid, name: `f${flavorid}`, memory_mb, vcpus, root_gb, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {},
})
const SMALL = flavor('1', 1, 512, 1)
const BIG = flavor('2', 2, 1024, 2)
const TINY_DISK = flavor('3', 1, 256, 0)
const HUGE = flavor('4', 4, 40000, 1)
const MANY_CORES = flavor('5', 40, 512, 1)

const NODE_A = nodeUuidOf('host-a')
const NODE_B = nodeUuidOf('host-b')

let kit: TestApi
let placement: ReturnType<typeof memoryPlacement>
let world: FakeWorld
const drivers: Record<string, FakeDriver> = {}
const stops: Array<() => Promise<void>> = []
let startAgent: (host: string) => Promise<void>
const config: ComputeConfig = { ...testConfig, rpcTimeoutMs: 5000, allowResizeToSameHost: false }

before(async () => {
  kit = await startTestApi((deps) => serverActionsRoutes(deps), config)
  const now = nowIso()
  for (const f of [SMALL, BIG, TINY_DISK, HUGE, MANY_CORES]) {
    await kit.db.insertInto('flavors').values({
      flavorid: f.flavorid, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb, ephemeral_gb: 0, swap: 0,
      rxtx_factor: 1, is_public: 1, disabled: 0, description: null, created_at: now, updated_at: null,
    }).execute()
  }
  const transport = createInProcessTransport()
  const rpc = computeRpc(transport, config.rpcTimeoutMs)
  placement = memoryPlacement()
  const conductor = createConductor({ db: kit.db, config, rpc, claims: placement, log: silentLogger, host: 'ctl' })
  const scheduler = createScheduler({ db: kit.db, config, claims: placement, log: silentLogger })
  const served = [
    await transport.serve(CONDUCTOR_TOPIC, conductor),
    await transport.serve(SCHEDULER_TOPIC, { selectDestinations: (a) => { scheduler.hostStates.invalidate(); return scheduler.selectDestinations(a) } }),
  ]
  world = new FakeWorld()
  startAgent = async (host) => {
    const driver = new FakeDriver({ vcpus: 8, memoryMb: 8192, diskGb: 100, world, hostname: host })
    const agent = createComputeAgent({
      host, driver, conductor: rpc.conductor, castConductor: rpc.castConductor, network: undefined as never, claims: placement, config, log: silentLogger,
      agents: { call: (h) => rpc.agent(h), cast: rpc.castAgent },
    })
    const s = await transport.serve(agentTopic(host), agent.rpc)
    await agent.start()
    drivers[host] = driver
    stops.push(async () => {
      await agent.stop()
      await s.stop()
    })
  }
  await startAgent('host-a')
  await startAgent('host-b')
  ;(kit.deps as { rpc: unknown }).rpc = rpc
  stops.push(async () => {
    for (const s of served) await s.stop()
  })
})

after(async () => {
  for (const s of stops.toReversed()) await s().catch(() => {})
  await kit.stop()
})

/** A server of demo's running on `host` with `f`, its guest spawned there and its allocation claimed. */
async function runningServer(host = 'host-a', f = SMALL, vmState = 'active'): Promise<string> {
  const uuid = randomUUID()
  const now = nowIso()
  await kit.db.insertInto('instances').values({
    uuid, display_name: 'vm', display_description: null, project_id: PROJECTS.demo, user_id: 'u-demo', image_ref: 'image-1',
    flavorid: f.flavorid, flavor: JSON.stringify(f), old_flavor: null, new_flavor: null, vcpus: f.vcpus, memory_mb: f.memory_mb, root_gb: f.root_gb,
    ephemeral_gb: 0, swap: 0, host, node: host, availability_zone: 'nova', vm_state: vmState, task_state: null,
    power_state: vmState === 'stopped' ? PowerState.SHUTDOWN : PowerState.RUNNING, locked: 0, locked_by: null, locked_reason: null, key_name: null,
    key_data: null, user_data: null, config_drive: '', access_ip_v4: null, access_ip_v6: null, hostname: 'vm', reservation_id: 'r-1',
    launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: '[]', security_groups: '["default"]', progress: 0, launched_at: now,
    terminated_at: null, created_at: now, updated_at: now, deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
  await drivers[host].spawn({
    uuid, name: `instance-${uuid.slice(0, 8)}`, hostname: 'vm', flavor: f, imageRef: 'image-1', imageProperties: {}, networkInfo: [],
    disks: { volumes: [] }, userData: null, metadata: {}, keyData: null, configDrive: false, adminPassword: null,
  })
  if (vmState === 'stopped') await drivers[host].powerOff(uuid)
  assert.ok(await placement.claim(uuid, { [nodeUuidOf(host)]: { resources: flavorResources(f, false) } }, PROJECTS.demo, 'u-demo'))
  return uuid
}

const action = (uuid: string, body: unknown, who: 'admin' | 'demo' = 'demo', version?: string) =>
  kit.as(who, version)('POST', `/v2.1/servers/${uuid}/action`, body)

async function settled(uuid: string, vmState: string, timeoutMs = 3000): Promise<Instance> {
  const until = Date.now() + timeoutMs
  let i: Instance | undefined
  while (Date.now() < until) {
    i = await findInstance(kit.db, uuid)
    if (i && i.vm_state === vmState && i.task_state === null) return i
    await new Promise((r) => setTimeout(r, 5))
  }
  assert.fail(`instance ${uuid} did not settle in ${vmState}: ${i?.vm_state} / ${i?.task_state}`)
}

const migrationsOf = (uuid: string) => kit.db.selectFrom('instance_migrations').selectAll().where('instance_uuid', '=', uuid).orderBy('id').execute()
const guestsOn = (host: string) => drivers[host].guests().map((g) => g.uuid)

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function events(uuid: string, action: string): Promise<Array<{ event: string; result: string | null }>> {
  return kit.db.selectFrom('instance_action_events').innerJoin('instance_actions', 'instance_actions.id', 'instance_action_events.action_id')
    .select(['instance_action_events.event', 'instance_action_events.result']).where('instance_actions.instance_uuid', '=', uuid)
    .where('instance_actions.action', '=', action).orderBy('instance_action_events.id').execute()
}

test('resize to another host, then confirm: new flavor on host-b, the source freed', async () => {
  const id = await runningServer()
  const r = await action(id, { resize: { flavorRef: '2' } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const i = await settled(id, 'resized')
  assert.equal(i.host, 'host-b')
  assert.equal(i.flavor.flavorid, '2')
  assert.equal(i.old_flavor?.flavorid, '1')
  const [m] = await migrationsOf(id)
  assert.equal(m.migration_type, 'resize')
  assert.equal(m.status, 'finished')
  assert.deepEqual([m.source_compute, m.dest_compute], ['host-a', 'host-b'])
  // The instance holds the new flavor on host-b, the migration record the old one on host-a.
  assert.deepEqual(placement.allocations.get(id), { [NODE_B]: { resources: flavorResources(BIG, false) } })
  assert.deepEqual(placement.allocations.get(m.uuid), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
  assert.ok(guestsOn('host-b').includes(id))
  assert.ok(!guestsOn('host-a').includes(id))
  const row = await kit.db.selectFrom('instances').select(['vcpus', 'memory_mb', 'flavorid']).where('uuid', '=', id).executeTakeFirstOrThrow()
  assert.deepEqual([Number(row.vcpus), Number(row.memory_mb), row.flavorid], [2, 1024, '2'])

  const c = await action(id, { confirmResize: null })
  assert.equal(c.status, 204, JSON.stringify(c.body))
  const done = await settled(id, 'active')
  await waitFor('the migration to be confirmed', async () => (await migrationsOf(id))[0].status === 'confirmed')
  assert.equal(done.old_flavor, null)
  assert.equal(placement.allocations.has(m.uuid), false)
  assert.deepEqual(placement.allocations.get(id), { [NODE_B]: { resources: flavorResources(BIG, false) } })
  const again = await action(id, { confirmResize: null })
  assert.equal(again.status, 409, 'an ACTIVE server is not waiting for a confirmation')
  assert.deepEqual((await events(id, 'resize')).map((e) => [e.event, e.result]), [
    ['conductor_migrate_server', 'Success'], ['compute_prep_resize', 'Success'], ['compute_resize_instance', 'Success'], ['compute_finish_resize', 'Success'],
  ])
  assert.deepEqual((await events(id, 'confirmResize')).map((e) => e.event), ['compute_confirm_resize'])
})

test('resize then revert: old flavor back on host-a, allocations back to the instance', async () => {
  const id = await runningServer()
  assert.equal((await action(id, { resize: { flavorRef: '2' } })).status, 202)
  await settled(id, 'resized')
  const r = await action(id, { revertResize: null })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const i = await settled(id, 'active')
  assert.equal(i.host, 'host-a')
  assert.equal(i.node, 'host-a')
  assert.equal(i.flavor.flavorid, '1')
  assert.equal(i.power_state, PowerState.RUNNING)
  const [m] = await migrationsOf(id)
  assert.equal(m.status, 'reverted')
  assert.deepEqual(placement.allocations.get(id), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
  assert.equal(placement.allocations.has(m.uuid), false)
  assert.ok(guestsOn('host-a').includes(id))
  assert.ok(!guestsOn('host-b').includes(id))
})

test('cold migration of a stopped server keeps it stopped, on the other host', async () => {
  const id = await runningServer('host-a', SMALL, 'stopped')
  const r = await action(id, { migrate: null }, 'admin')
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const i = await settled(id, 'resized')
  assert.equal(i.host, 'host-b')
  assert.equal(i.power_state, PowerState.SHUTDOWN)
  const [m] = await migrationsOf(id)
  assert.equal(m.migration_type, 'migration')
  assert.equal((await action(id, { confirmResize: null })).status, 204)
  const done = await settled(id, 'stopped')
  assert.equal(done.host, 'host-b')
  assert.equal(done.flavor.flavorid, '1')
})

test('resize and migrate refusals: same or unknown flavor, smaller disk, quota, policy, state, hosts', async () => {
  const id = await runningServer()
  const same = await action(id, { resize: { flavorRef: '1' } })
  assert.equal(same.status, 400)
  assert.equal(same.body.badRequest.message, 'When resizing, instances must change flavor!')
  assert.equal((await action(id, { resize: { flavorRef: 'nope' } })).status, 400)
  assert.equal((await action(id, { resize: {} })).status, 400)
  assert.equal((await action(id, { resize: { flavorRef: '2', extra: 1 } })).status, 400)
  assert.match((await action(id, { resize: { flavorRef: '3' } })).body.badRequest.message, /zero disk/)
  const quota = await action(id, { resize: { flavorRef: '5' } })
  assert.equal(quota.status, 403)
  assert.match(quota.body.forbidden.message, /^Quota exceeded for cores/)
  assert.equal((await action(id, { migrate: null })).status, 403, 'migrate is for admins')
  const self = await action(id, { migrate: { host: 'host-a' } }, 'admin', '2.56')
  assert.equal(self.status, 400)
  assert.equal((await action(id, { migrate: { host: 'nowhere' } }, 'admin', '2.56')).status, 400)
  assert.equal((await action(id, { confirmResize: null })).status, 409)
  assert.equal((await action(id, { revertResize: null })).status, 409)
  const i = await findInstance(kit.db, id)
  assert.equal(i?.task_state, null, 'refusals change nothing')
  assert.equal((await migrationsOf(id)).length, 0)
})

test('a resize no host can take answers 202, then records the error and leaves the server ACTIVE where it was', async () => {
  const id = await runningServer()
  assert.equal((await action(id, { resize: { flavorRef: '4' } }, 'admin')).status, 202)
  const i = await settled(id, 'active')
  assert.equal(i.host, 'host-a')
  assert.equal(i.flavor.flavorid, '1')
  assert.equal(i.new_flavor, null)
  const [m] = await migrationsOf(id)
  assert.equal(m.status, 'error')
  assert.deepEqual((await events(id, 'resize')).map((e) => [e.event, e.result]), [['conductor_migrate_server', 'Error']])
  assert.deepEqual(placement.allocations.get(id), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
  assert.equal(placement.allocations.has(m.uuid), false)
})

test('live migration moves the running guest to host-b; errors before 2.34 answer 400 and leave it ACTIVE', async () => {
  const id = await runningServer()
  const self = await action(id, { 'os-migrateLive': { host: 'host-a', block_migration: false, disk_over_commit: false } }, 'admin')
  assert.equal(self.status, 400, JSON.stringify(self.body))
  assert.match(self.body.badRequest.message, /to current host/)
  assert.equal((await settled(id, 'active')).host, 'host-a')
  assert.equal((await migrationsOf(id))[0].status, 'error')
  assert.equal((await action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'admin', '2.1')).status, 400, "'auto' needs 2.25")

  const r = await action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'admin', '2.25')
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const i = await settled(id, 'active')
  assert.equal(i.host, 'host-b')
  assert.equal(i.power_state, PowerState.RUNNING)
  const m = (await migrationsOf(id))[1]
  assert.equal(m.migration_type, 'live-migration')
  assert.equal(m.status, 'completed')
  assert.deepEqual(placement.allocations.get(id), { [NODE_B]: { resources: flavorResources(SMALL, false) } })
  assert.equal(placement.allocations.has(m.uuid), false)
  assert.ok(guestsOn('host-b').includes(id))
  assert.ok(!guestsOn('host-a').includes(id))
})

test('a live migration failing on the source rolls back: ACTIVE on host-a, allocation back, migration failed', async () => {
  const f = { ...SMALL }
  const id = await runningServer('host-a', f)
  // The guest's flavor on the hypervisor injects the fault into the source's live migration.
  await kit.db.updateTable('instances').set({ flavor: JSON.stringify({ ...f, extra_specs: { 'nubis:fake_fault': 'live_migration' } }) }).where('uuid', '=', id).execute()
  await drivers['host-a'].destroy(id)
  await drivers['host-a'].spawn({
    uuid: id, name: 'x', hostname: 'vm', flavor: { ...f, extra_specs: { 'nubis:fake_fault': 'live_migration' } }, imageRef: 'image-1', imageProperties: {},
    networkInfo: [], disks: { volumes: [] }, userData: null, metadata: {}, keyData: null, configDrive: false, adminPassword: null,
  })
  const r = await action(id, { 'os-migrateLive': { host: 'host-b', block_migration: false } }, 'admin', '2.30')
  assert.equal(r.status, 202, JSON.stringify(r.body))
  await waitFor('the migration to fail', async () => (await migrationsOf(id))[0]?.status === 'failed')
  const i = await settled(id, 'active')
  assert.equal(i.host, 'host-a')
  assert.deepEqual(placement.allocations.get(id), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
  const fault = await kit.db.selectFrom('instance_faults').select('message').where('instance_uuid', '=', id).executeTakeFirst()
  assert.match(fault?.message ?? '', /injected fault: live_migration/)
})

test('evacuate: refused while the source is up; after it is down, rebuilt on host-b; the source cleans up when it returns', async () => {
  const id = await runningServer()
  const up = await action(id, { evacuate: {} }, 'admin', '2.14')
  assert.equal(up.status, 400)
  assert.equal(up.body.badRequest.message, 'Compute service of host-a is still in use.')
  assert.equal((await action(id, { evacuate: { host: 'nowhere' } }, 'admin', '2.14')).status, 404)
  assert.equal((await action(id, { evacuate: { host: 'host-a' } }, 'admin', '2.14')).status, 400)
  assert.equal((await action(id, { evacuate: {} }, 'admin', '2.1')).status, 400, 'onSharedStorage is required before 2.14')

  // host-a goes down: its agent stops (the fake hypervisor keeps the guest) and the service is forced down.
  await stops.splice(0, 1)[0]()
  await kit.db.updateTable('compute_services').set({ forced_down: 1 }).where('host', '=', 'host-a').execute()
  const r = await action(id, { evacuate: { onSharedStorage: false } }, 'admin', '2.1')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(typeof r.body.adminPass, 'string')
  const i = await settled(id, 'active')
  assert.equal(i.host, 'host-b')
  const [m] = await migrationsOf(id)
  assert.equal(m.migration_type, 'evacuation')
  assert.equal(m.status, 'done')
  assert.deepEqual(placement.allocations.get(id), { [NODE_B]: { resources: flavorResources(SMALL, false) } })
  assert.ok(guestsOn('host-a').includes(id), 'the dead host still has its copy')

  await kit.db.updateTable('compute_services').set({ forced_down: 0 }).where('host', '=', 'host-a').execute()
  await startAgent('host-a')
  assert.ok(!guestsOn('host-a').includes(id), 'the returning agent destroyed the evacuated guest')
  assert.ok(guestsOn('host-b').includes(id))
  assert.equal((await migrationsOf(id))[0].status, 'completed')
  assert.equal(placement.allocations.has(m.uuid), false)
  assert.equal((await findInstance(kit.db, id))?.host, 'host-b')
})

test('a resize left in VERIFY_RESIZE past resizeConfirmWindowSec is confirmed by itself', async () => {
  const id = await runningServer()
  assert.equal((await action(id, { resize: { flavorRef: '2' } })).status, 202)
  await settled(id, 'resized')
  const rpc = (kit.deps as unknown as { rpc: { conductor: { confirmOverdueResizes(a: { host: string }): Promise<number> } } }).rpc
  assert.equal(await rpc.conductor.confirmOverdueResizes({ host: 'host-b' }), 0, 'disabled by default (0)')
  config.resizeConfirmWindowSec = 1
  try {
    assert.equal(await rpc.conductor.confirmOverdueResizes({ host: 'host-b' }), 0, 'not yet overdue')
    await new Promise((r) => setTimeout(r, 1100))
    assert.equal(await rpc.conductor.confirmOverdueResizes({ host: 'host-b' }), 1)
  } finally {
    config.resizeConfirmWindowSec = 0
  }
  const i = await settled(id, 'active')
  assert.equal(i.flavor.flavorid, '2')
  await waitFor('the migration to be confirmed', async () => (await migrationsOf(id))[0].status === 'confirmed')
  assert.deepEqual((await events(id, 'confirmResize')).map((e) => [e.event, e.result]), [['compute_confirm_resize', 'Success']])
})

test('a prep_resize failing on the chosen host is rescheduled to the alternate', async () => {
  await startAgent('host-c')
  const id = await runningServer()
  // host-c is emptiest, so the scheduler picks it first; a leftover guest of the same instance there fails its prep.
  await drivers['host-c'].spawn({
    uuid: id, name: 'stale', hostname: 'vm', flavor: SMALL, imageRef: 'image-1', imageProperties: {}, networkInfo: [],
    disks: { volumes: [] }, userData: null, metadata: {}, keyData: null, configDrive: false, adminPassword: null,
  })
  assert.equal((await action(id, { resize: { flavorRef: '2' } })).status, 202)
  const i = await settled(id, 'resized')
  assert.equal(i.host, 'host-b', 'moved on to the alternate')
  const [m] = await migrationsOf(id)
  assert.equal(m.dest_compute, 'host-b')
  assert.deepEqual(placement.allocations.get(id), { [NODE_B]: { resources: flavorResources(BIG, false) } })
  assert.deepEqual(placement.allocations.get(m.uuid), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
  assert.deepEqual((await events(id, 'resize')).map((e) => [e.event, e.result]), [
    ['conductor_migrate_server', 'Success'], ['compute_prep_resize', 'Error'], ['conductor_migrate_server', 'Success'],
    ['compute_prep_resize', 'Success'], ['compute_resize_instance', 'Success'], ['compute_finish_resize', 'Success'],
  ])
  assert.equal((await action(id, { revertResize: null })).status, 202)
  assert.equal((await settled(id, 'active')).host, 'host-a')
  assert.deepEqual(placement.allocations.get(id), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
})

test('with allowResizeToSameHost a resize may stay on its host; the host holds both flavors until confirm', async () => {
  const id = await runningServer()
  const NODE_C = nodeUuidOf('host-c')
  for (const [filler, node] of [['filler-b', NODE_B], ['filler-c', NODE_C]] as const) {
    const free = 11520 - (placement.usage(node).MEMORY_MB ?? 0) - 100
    assert.ok(await placement.claim(filler, { [node]: { resources: { MEMORY_MB: free } } }, 'p', 'u'))
  }
  try {
    assert.equal((await action(id, { resize: { flavorRef: '2' } })).status, 202)
    assert.equal((await settled(id, 'active')).flavor.flavorid, '1', 'without the option no host fits')
    config.allowResizeToSameHost = true
    assert.equal((await action(id, { resize: { flavorRef: '2' } })).status, 202)
    const i = await settled(id, 'resized')
    assert.equal(i.host, 'host-a')
    const m = (await migrationsOf(id)).at(-1)!
    assert.deepEqual(placement.allocations.get(id), { [NODE_A]: { resources: flavorResources(BIG, false) } })
    assert.deepEqual(placement.allocations.get(m.uuid), { [NODE_A]: { resources: flavorResources(SMALL, false) } })
    assert.equal(drivers['host-a'].guests().find((g) => g.uuid === id)?.flavor.flavorid, '2')
    assert.equal((await action(id, { confirmResize: null })).status, 204)
    await settled(id, 'active')
    await waitFor('the migration to be confirmed', async () => (await migrationsOf(id)).at(-1)!.status === 'confirmed')
    assert.equal(placement.allocations.has(m.uuid), false)
  } finally {
    config.allowResizeToSameHost = false
    await placement.release('filler-b')
    await placement.release('filler-c')
  }
})

test('body checks per microversion: live migration and evacuate parameters', async () => {
  const id = await runningServer()
  const live = (body: unknown, version: string) => action(id, { 'os-migrateLive': body }, 'admin', version)
  assert.equal((await live({ host: null, block_migration: false }, '2.1')).status, 400, 'disk_over_commit is required before 2.25')
  assert.equal((await live({ host: null, block_migration: false, disk_over_commit: false }, '2.25')).status, 400, 'and gone from 2.25')
  assert.equal((await live({ host: null, block_migration: 'auto', force: true }, '2.30')).status, 400, "can't force without a host")
  assert.equal((await live({ host: 'host-b', block_migration: 'auto', force: true }, '2.68')).status, 400, 'force is gone from 2.68')
  assert.equal((await live({ host: null, block_migration: 'maybe' }, '2.25')).status, 400)
  assert.equal((await action(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'demo', '2.25')).status, 403)
  assert.equal((await action(id, { resize: { flavorRef: '2', 'OS-DCF:diskConfig': 'SOMETIMES' } })).status, 400)
  assert.equal((await action(id, { evacuate: { onSharedStorage: true, adminPass: 'x' } }, 'admin', '2.1')).status, 400)
  assert.equal((await action(id, { evacuate: { force: true } }, 'admin', '2.29')).status, 400)
  assert.equal((await action(id, { evacuate: { onSharedStorage: false } }, 'admin', '2.14')).status, 400, 'onSharedStorage is gone from 2.14')
  assert.equal((await action(id, { evacuate: {} }, 'demo', '2.14')).status, 403)
  const i = await findInstance(kit.db, id)
  assert.equal(i?.task_state, null)
  assert.equal((await migrationsOf(id)).length, 0)
})

test('forced live migration (2.30) of a paused server skips the scheduler and keeps it paused', async () => {
  const id = await runningServer('host-a', SMALL, 'paused')
  await drivers['host-a'].pause(id)
  const r = await action(id, { 'os-migrateLive': { host: 'host-c', block_migration: true, force: 'yes' } }, 'admin', '2.30')
  assert.equal(r.status, 202, JSON.stringify(r.body))
  const i = await settled(id, 'paused')
  assert.equal(i.host, 'host-c')
  assert.equal(i.power_state, PowerState.PAUSED)
  assert.deepEqual(placement.allocations.get(id), { [nodeUuidOf('host-c')]: { resources: flavorResources(SMALL, false) } })
  assert.equal(drivers['host-c'].guests().find((g) => g.uuid === id)?.powerState, PowerState.PAUSED)
  assert.deepEqual((await events(id, 'live-migration')).map((e) => [e.event, e.result]), [
    ['conductor_live_migrate_instance', 'Success'], ['compute_pre_live_migration', 'Success'], ['compute_live_migration', 'Success'],
    ['compute_post_live_migration_at_destination', 'Success'],
  ])
})

test('a failing finish on the destination leaves the server in ERROR with a fault and the migration in error', async () => {
  const now = nowIso()
  await kit.db.insertInto('flavors').values({
    flavorid: '6', name: 'f6', memory_mb: 768, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: 1, disabled: 0,
    description: null, created_at: now, updated_at: null,
  }).execute()
  await kit.db.insertInto('flavor_extra_specs').values({ flavorid: '6', key: 'nubis:fake_fault', value: 'finish_migration' }).execute()
  const id = await runningServer()
  assert.equal((await action(id, { resize: { flavorRef: '6' } })).status, 202)
  const i = await settled(id, 'error')
  const [m] = await migrationsOf(id)
  assert.equal(m.status, 'error')
  const fault = await kit.db.selectFrom('instance_faults').select('message').where('instance_uuid', '=', id).executeTakeFirst()
  assert.match(fault?.message ?? '', /injected fault: finish_migration/)
  assert.equal(i.task_state, null)
  assert.deepEqual((await events(id, 'resize')).map((e) => [e.event, e.result]).at(-1), ['compute_finish_resize', 'Error'])
})

test('evacuate at 2.95 stops the server at its new host; a forced evacuate (2.29) needs no scheduler', async () => {
  const a = await runningServer('host-b')
  const b = await runningServer('host-b')
  await kit.db.updateTable('compute_services').set({ forced_down: 1 }).where('host', '=', 'host-b').execute()
  try {
    const r = await action(a, { evacuate: {} }, 'admin', '2.95')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body, undefined, 'no body from 2.14')
    const i = await settled(a, 'stopped')
    assert.notEqual(i.host, 'host-b')
    assert.equal(i.power_state, PowerState.SHUTDOWN)
    assert.equal((await action(b, { evacuate: { host: 'host-c', force: true } }, 'admin', '2.29')).status, 200)
    const j = await settled(b, 'active')
    assert.equal(j.host, 'host-c')
    assert.deepEqual(placement.allocations.get(b), { [nodeUuidOf('host-c')]: { resources: flavorResources(SMALL, false) } })
  } finally {
    await kit.db.updateTable('compute_services').set({ forced_down: 0 }).where('host', '=', 'host-b').execute()
  }
})
