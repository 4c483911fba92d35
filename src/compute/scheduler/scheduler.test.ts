/** The scheduler against a real (SQLite) compute database and an in-memory placement: filters, weighers, races, alternates. */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mock, test } from 'node:test'
import { openDatabase } from '../../common/db/database.ts'
import { migrateToLatest } from '../../common/db/migrate.ts'
import { silentLogger } from '../../common/log/logger.ts'
import { loadConfig, configSchema } from '../../common/config/load-config.ts'
import { computeConfigSchema, type ComputeConfig } from '../config.ts'
import { computeMigrations } from '../db/migrations.ts'
import type { ComputeDb } from '../db/schema.ts'
import type { FlavorSnapshot, RequestSpec } from '../model/instance.ts'
import type { Candidate, ResourceClaims } from '../model/placement.ts'
import { insertInstance } from '../api/handler-test-kit.ts'
import { createScheduler } from './scheduler.ts'

const flavor: FlavorSnapshot = { flavorid: '1', name: 'small', memory_mb: 1024, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }

function spec(over: Partial<RequestSpec> = {}): RequestSpec {
  return {
    project_id: 'p', user_id: 'u', flavor, image: { id: 'i', properties: {}, min_disk: 0, min_ram: 0, size: 0 }, availability_zone: null,
    num_instances: 1, scheduler_hints: {}, instance_group: null, ignore_hosts: [], force_hosts: [], requested_networks: [], boot_from_volume: false, ...over,
  }
}

/** Placement in memory: per provider a RAM capacity (claims fail once it is used up) and its aggregates. */
function memoryPlacement(capacity: Record<string, number>): ResourceClaims & { used: Record<string, number>; loseNext: number; aggregates: Map<string, string[]>; asked: string[][][]; limits: Array<number | undefined> } {
  const used: Record<string, number> = Object.fromEntries(Object.keys(capacity).map((k) => [k, 0]))
  const byConsumer = new Map<string, { rp: string; ram: number }>()
  const aggregates = new Map<string, string[]>()
  const asked: string[][][] = []
  const limits: Array<number | undefined> = []
  const inGroups = (rp: string, memberOf: string[][]) => memberOf.every((any) => any.some((a) => aggregates.get(rp)?.includes(a)))
  const self = {
    used, loseNext: 0, aggregates, asked, limits,
    async candidates({ resources, memberOf = [], limit }: { resources: Record<string, number>; memberOf?: string[][]; limit?: number }): Promise<Candidate[]> {
      asked.push(memberOf)
      limits.push(limit)
      return Object.keys(capacity).filter((rp) => capacity[rp] - used[rp] >= resources.MEMORY_MB && inGroups(rp, memberOf)).map((rp) => ({
        provider: rp, allocation: { [rp]: { resources } }, summary: { MEMORY_MB: { capacity: capacity[rp], used: used[rp] }, VCPU: { capacity: 16, used: 0 } },
      })).slice(0, limit)
    },
    async claim(consumer: string, allocation: Candidate['allocation']) {
      if (self.loseNext > 0) {
        self.loseNext--
        return false
      }
      const [rp] = Object.keys(allocation)
      const ram = allocation[rp].resources.MEMORY_MB
      if (capacity[rp] - used[rp] < ram) return false
      used[rp] += ram
      byConsumer.set(consumer, { rp, ram })
      return true
    },
    async release(consumer: string) {
      const c = byConsumer.get(consumer)
      if (c) used[c.rp] -= c.ram
      byConsumer.delete(consumer)
    },
    async allocationsOf() { return {} },
    async move() { return true },
    async ensureProvider() {},
    async aggregatesOf(rp: string) { return aggregates.get(rp) },
    async changeAggregates() { return 'unchanged' as const },
  }
  return self
}

type TestHost = { name: string; ram: number; cpuInfo?: string; zone?: string; down?: boolean; disabled?: boolean; metadata?: Record<string, string>; unmirrored?: boolean }

async function setUp(hosts: TestHost[], over: Partial<ComputeConfig['scheduler']> = {}) {
  const database = openDatabase<ComputeDb>('sqlite::memory:')
  await migrateToLatest(database.db, 'compute', computeMigrations, silentLogger)
  const config = loadConfig<{ compute: ComputeConfig }>({ schema: configSchema({}, { compute: computeConfigSchema }), env: {}, overrides: {} }).compute
  Object.assign(config.scheduler, over)
  const now = new Date().toISOString()
  const capacity: Record<string, number> = {}
  const providerAggregates = new Map<string, string[]>()
  for (const h of hosts) {
    const uuid = randomUUID()
    capacity[uuid] = h.ram
    await database.db.insertInto('compute_nodes').values({
      uuid, host: h.name, hypervisor_hostname: h.name, hypervisor_type: 'fake', hypervisor_version: 1, host_ip: '127.0.0.1', cpu_info: h.cpuInfo ?? '{}',
      vcpus: 16, memory_mb: h.ram, local_gb: 100, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
      cpu_allocation_ratio: 16, ram_allocation_ratio: 1, disk_allocation_ratio: 1, created_at: now, updated_at: now,
    }).execute()
    await database.db.insertInto('compute_services').values({
      uuid: randomUUID(), host: h.name, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: h.disabled ? 1 : 0, disabled_reason: null,
      forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: h.down ? '2000-01-01T00:00:00.000Z' : now,
    }).execute()
    const metadata = { ...(h.zone ? { availability_zone: h.zone } : {}), ...h.metadata }
    if (Object.keys(metadata).length) {
      const aggUuid = randomUUID()
      const id = await database.db.insertInto('host_aggregates').values({ uuid: aggUuid, name: `agg-${h.name}`, created_at: now, updated_at: null }).executeTakeFirstOrThrow()
      const aggId = Number(id.insertId)
      await database.db.insertInto('host_aggregate_hosts').values({ aggregate_id: aggId, host: h.name }).execute()
      for (const [key, value] of Object.entries(metadata)) await database.db.insertInto('host_aggregate_metadata').values({ aggregate_id: aggId, key, value }).execute()
      if (!h.unmirrored) providerAggregates.set(uuid, [aggUuid])
    }
  }
  const claims = memoryPlacement(capacity)
  for (const [rp, aggs] of providerAggregates) claims.aggregates.set(rp, aggs)
  return { scheduler: createScheduler({ db: database.db, config, claims, log: silentLogger }), claims, db: database.db, close: () => database.close() }
}

test('the RAM weigher spreads instances over hosts; alternates are other hosts', async () => {
  const { scheduler, close } = await setUp([{ name: 'a', ram: 8192 }, { name: 'b', ram: 8192 }, { name: 'c', ram: 4096 }])
  const picks = await scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID(), randomUUID(), randomUUID(), randomUUID()], returnAlternates: true })
  const hosts = picks.map((p) => p[0].host)
  assert.equal(new Set(hosts.slice(0, 2)).size, 2, `first two should land on a and b: ${hosts}`)
  for (const p of picks) {
    assert.equal(p.length, 3)
    assert.equal(new Set(p.map((s) => s.host)).size, 3)
  }
  await close()
})

test('hosts that are down, disabled or in another zone are filtered out; nothing left is NoValidHost', async () => {
  const { scheduler, close } = await setUp([{ name: 'down', ram: 8192, down: true }, { name: 'off', ram: 8192, disabled: true }, { name: 'z2', ram: 8192, zone: 'zone2' }, { name: 'ok', ram: 1024 }])
  const one = await scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID()], returnAlternates: true })
  assert.deepEqual(one[0].map((s) => s.host).sort(), ['ok', 'z2'])
  const plain = await scheduler.selectDestinations({ spec: spec({ availability_zone: 'nova' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(plain[0][0].host, 'ok')
  const zoned = await scheduler.selectDestinations({ spec: spec({ availability_zone: 'zone2' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(zoned[0][0].host, 'z2')
  await assert.rejects(scheduler.selectDestinations({ spec: spec({ availability_zone: 'nowhere' }), instanceUuids: [randomUUID()], returnAlternates: false }),
    /No valid host was found/)
  await close()
})

test('a lost race for capacity moves on to the next host', async () => {
  const { scheduler, claims, close } = await setUp([{ name: 'a', ram: 8192 }, { name: 'b', ram: 4096 }])
  claims.loseNext = 1
  const [[s]] = await scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(s.host, 'b')
  await close()
})

test('when not every instance of a request fits, none keeps a claim', async () => {
  const { scheduler, claims, close } = await setUp([{ name: 'a', ram: 2048 }])
  await assert.rejects(scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID(), randomUUID(), randomUUID()], returnAlternates: false }), /No valid host/)
  assert.deepEqual(Object.values(claims.used), [0])
  await close()
})

test('anti-affinity puts each member on a different host', async () => {
  const { scheduler, close } = await setUp([{ name: 'a', ram: 8192 }, { name: 'b', ram: 8192 }])
  const group = { uuid: randomUUID(), policy: 'anti-affinity', rules: {}, hosts: [], members: [] }
  const picks = await scheduler.selectDestinations({ spec: spec({ instance_group: group }), instanceUuids: [randomUUID(), randomUUID()], returnAlternates: false })
  assert.notEqual(picks[0][0].host, picks[1][0].host)
  await assert.rejects(scheduler.selectDestinations({ spec: spec({ instance_group: group }), instanceUuids: [randomUUID(), randomUUID(), randomUUID()], returnAlternates: false }))
  await close()
})

test('a requested zone asks placement for its aggregates only; a zone no aggregate names asks for all hosts', async () => {
  const { scheduler, claims, close } = await setUp([{ name: 'z1', ram: 8192, zone: 'zone1' }, { name: 'big', ram: 16384 }])
  const [[s]] = await scheduler.selectDestinations({ spec: spec({ availability_zone: 'zone1' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(s.host, 'z1')
  assert.equal(claims.asked.at(-1)!.length, 1)
  await scheduler.selectDestinations({ spec: spec({ availability_zone: 'nova' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.deepEqual(claims.asked.at(-1), [])
  await close()
})

test('a zone whose aggregate is not mirrored in placement finds no host unless the prefilter is off', async () => {
  const hosts = [{ name: 'z1', ram: 8192, zone: 'zone1', unmirrored: true }, { name: 'other', ram: 8192 }]
  const on = await setUp(hosts)
  await assert.rejects(on.scheduler.selectDestinations({ spec: spec({ availability_zone: 'zone1' }), instanceUuids: [randomUUID()], returnAlternates: false }), /No valid host/)
  await on.close()
  const off = await setUp(hosts, { queryPlacementForAvailabilityZone: false })
  const [[s]] = await off.scheduler.selectDestinations({ spec: spec({ availability_zone: 'zone1' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(s.host, 'z1', 'the zone filter alone still finds the host')
  assert.deepEqual(off.claims.asked.at(-1), [])
  await off.close()
})

test('tenant isolation: a project named by filter_tenant_id* lands on its aggregate; others go anywhere unless an aggregate is required', async () => {
  const hosts = [{ name: 'mine', ram: 4096, metadata: { filter_tenant_id2: 'p-iso' } }, { name: 'big', ram: 16384 }]
  const { scheduler, close } = await setUp(hosts, { limitTenantsToPlacementAggregate: true })
  for (let i = 0; i < 2; i++) {
    const [[s]] = await scheduler.selectDestinations({ spec: spec({ project_id: 'p-iso' }), instanceUuids: [randomUUID()], returnAlternates: false })
    assert.equal(s.host, 'mine')
  }
  const [[other]] = await scheduler.selectDestinations({ spec: spec({ project_id: 'p-other' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(other.host, 'big')
  await close()
  const strict = await setUp(hosts, { limitTenantsToPlacementAggregate: true, placementAggregateRequiredForTenants: true })
  await assert.rejects(strict.scheduler.selectDestinations({ spec: spec({ project_id: 'p-other' }), instanceUuids: [randomUUID()], returnAlternates: false }),
    /No valid host was found. Scheduling failed: No hosts available for tenant/)
  assert.equal(strict.claims.asked.length, 0, 'placement is not asked at all')
  await strict.close()
  const disabled = await setUp(hosts)
  const [[d]] = await disabled.scheduler.selectDestinations({ spec: spec({ project_id: 'p-iso' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(d.host, 'big', 'without limitTenantsToPlacementAggregate the metadata does nothing')
  await disabled.close()
})

test('a forced host or a placement by other instances asks placement without a limit; a plain request keeps it', async () => {
  const { scheduler, claims, close } = await setUp([{ name: 'a', ram: 8192 }, { name: 'b', ram: 8192 }, { name: 'c', ram: 8192 }], { maxPlacementResults: 1 })
  const [[plain]] = await scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(plain.host, 'a', 'one candidate asked for, the first')
  assert.equal(claims.limits.at(-1), 1)
  const [[forced]] = await scheduler.selectDestinations({ spec: spec({ force_hosts: ['c'] }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(forced.host, 'c', 'a forced host outside the first page is still found')
  assert.equal(claims.limits.at(-1), undefined)
  await scheduler.selectDestinations({ spec: spec({ scheduler_hints: { different_host: [randomUUID()] } }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(claims.limits.at(-1), undefined)
  const group = { uuid: randomUUID(), policy: 'anti-affinity', rules: {}, hosts: [], members: [] }
  const picks = await scheduler.selectDestinations({ spec: spec({ instance_group: group }), instanceUuids: [randomUUID(), randomUUID(), randomUUID()], returnAlternates: false })
  assert.equal(new Set(picks.map((p) => p[0].host)).size, 3, 'anti-affinity finds all three hosts despite maxPlacementResults 1')
  await close()
})

test("an image's architecture picks the hosts whose cpu_info names it; unreadable cpu_info counts as x86_64", async () => {
  const { scheduler, close } = await setUp([
    { name: 'arm', ram: 8192, cpuInfo: '{"arch": "aarch64", "model": "cortex-a72"}' },
    { name: 'x86', ram: 4096, cpuInfo: '{"arch": "x86_64"}' },
    { name: 'broken', ram: 2048, cpuInfo: 'not json' },
  ])
  const image = (architecture: string) => ({ id: 'i', properties: { architecture }, min_disk: 0, min_ram: 0, size: 0 })
  for (let i = 0; i < 2; i++) {
    const [arm] = await scheduler.selectDestinations({ spec: spec({ image: image('aarch64') }), instanceUuids: [randomUUID()], returnAlternates: true })
    assert.deepEqual(arm.map((s) => s.host), ['arm'])
    const [x86] = await scheduler.selectDestinations({ spec: spec({ image: image('x86_64') }), instanceUuids: [randomUUID()], returnAlternates: true })
    assert.deepEqual(x86.map((s) => s.host).sort(), ['broken', 'x86'])
  }
  await close()
})

test('placements are remembered for a minute, then forgotten even on hosts no later request reads', async (t) => {
  t.after(() => mock.timers.reset())
  mock.timers.enable({ apis: ['Date'], now: Date.now() })
  const { scheduler, db, close } = await setUp([{ name: 'a', ram: 8192 }, { name: 'b', ram: 8192 }], { maxPlacementResults: 1 })
  const [u1, u2] = [randomUUID(), randomUUID()]
  await scheduler.selectDestinations({ spec: spec({ force_hosts: ['a'] }), instanceUuids: [u1], returnAlternates: false })
  await scheduler.selectDestinations({ spec: spec({ force_hosts: ['b'] }), instanceUuids: [u2], returnAlternates: false })
  assert.equal(scheduler.hostStates.remembered(), 2)
  await assert.rejects(scheduler.selectDestinations({ spec: spec({ scheduler_hints: { different_host: [u1, u2] } }), instanceUuids: [randomUUID()], returnAlternates: false }),
    /No valid host/, 'both hosts hold an instance the database does not show yet')
  mock.timers.tick(61_000)
  await db.updateTable('compute_services').set({ last_seen_up: new Date().toISOString() }).execute() // the hosts kept reporting
  const [[s]] = await scheduler.selectDestinations({ spec: spec(), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(s.host, 'a', 'only host a was a candidate, so only a was read')
  assert.equal(scheduler.hostStates.remembered(), 1, "b's old placement is forgotten too")
  await close()
})

test('a big cloud (more candidates than are looked up by key) filters the same: down, disabled, zoned, same_host, different_host', async () => {
  const hosts: TestHost[] = Array.from({ length: 150 }, (_, i) => ({ name: `h${String(i).padStart(3, '0')}`, ram: 4096 }))
  Object.assign(hosts[0], { down: true })
  Object.assign(hosts[1], { disabled: true })
  Object.assign(hosts[2], { zone: 'zone2' })
  const { scheduler, db, close } = await setUp(hosts)
  const all = await scheduler.selectDestinations({ spec: spec({ availability_zone: 'nova' }), instanceUuids: [randomUUID()], returnAlternates: true })
  const seen = new Set(all[0].map((s) => s.host))
  for (const h of ['h000', 'h001', 'h002']) assert.ok(!seen.has(h), `${h} is filtered out`)
  const zoned = await scheduler.selectDestinations({ spec: spec({ availability_zone: 'zone2' }), instanceUuids: [randomUUID()], returnAlternates: false })
  assert.equal(zoned[0][0].host, 'h002')

  const there = await insertInstance({ db }, { host: 'h140', node: 'h140' })
  const with_ = await scheduler.selectDestinations({ spec: spec({ scheduler_hints: { same_host: [there] } }), instanceUuids: [randomUUID()], returnAlternates: true })
  assert.deepEqual(with_[0].map((s) => s.host), ['h140'], 'same_host leaves only the host of the named instance')
  const apart = await scheduler.selectDestinations({ spec: spec({ scheduler_hints: { different_host: there } }), instanceUuids: [randomUUID()], returnAlternates: true })
  assert.ok(apart[0].every((s) => s.host !== 'h140'), 'different_host keeps away from it')
  await close()
})
