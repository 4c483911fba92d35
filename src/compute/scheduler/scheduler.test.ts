/** The scheduler against a real (SQLite) compute database and an in-memory placement: filters, weighers, races, alternates. */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { openDatabase } from '../../common/db/database.ts'
import { migrateToLatest } from '../../common/db/migrate.ts'
import { silentLogger } from '../../common/log/logger.ts'
import { loadConfig, configSchema } from '../../common/config/load-config.ts'
import { computeConfigSchema, type ComputeConfig } from '../config.ts'
import { computeMigrations } from '../db/migrations.ts'
import type { ComputeDb } from '../db/schema.ts'
import type { FlavorSnapshot, RequestSpec } from '../model/instance.ts'
import type { Candidate, ResourceClaims } from '../model/placement.ts'
import { createScheduler } from './scheduler.ts'

const flavor: FlavorSnapshot = { flavorid: '1', name: 'small', memory_mb: 1024, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }

function spec(over: Partial<RequestSpec> = {}): RequestSpec {
  return {
    project_id: 'p', user_id: 'u', flavor, image: { id: 'i', properties: {}, min_disk: 0, min_ram: 0, size: 0 }, availability_zone: null,
    num_instances: 1, scheduler_hints: {}, instance_group: null, ignore_hosts: [], force_hosts: [], requested_networks: [], boot_from_volume: false, ...over,
  }
}

/** Placement in memory: per provider a RAM capacity; claims fail once it is used up. */
function memoryPlacement(capacity: Record<string, number>): ResourceClaims & { used: Record<string, number>; loseNext: number } {
  const used: Record<string, number> = Object.fromEntries(Object.keys(capacity).map((k) => [k, 0]))
  const byConsumer = new Map<string, { rp: string; ram: number }>()
  const self = {
    used, loseNext: 0,
    async candidates({ resources }: { resources: Record<string, number> }): Promise<Candidate[]> {
      return Object.keys(capacity).filter((rp) => capacity[rp] - used[rp] >= resources.MEMORY_MB).map((rp) => ({
        provider: rp, allocation: { [rp]: { resources } }, summary: { MEMORY_MB: { capacity: capacity[rp], used: used[rp] }, VCPU: { capacity: 16, used: 0 } },
      }))
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
  }
  return self
}

async function setUp(hosts: Array<{ name: string; ram: number; zone?: string; down?: boolean; disabled?: boolean }>, over: Partial<ComputeConfig['scheduler']> = {}) {
  const database = openDatabase<ComputeDb>('sqlite::memory:')
  await migrateToLatest(database.db, 'compute', computeMigrations, silentLogger)
  const config = loadConfig<{ compute: ComputeConfig }>({ schema: configSchema({}, { compute: computeConfigSchema }), env: {}, overrides: {} }).compute
  Object.assign(config.scheduler, over)
  const now = new Date().toISOString()
  const capacity: Record<string, number> = {}
  for (const h of hosts) {
    const uuid = randomUUID()
    capacity[uuid] = h.ram
    await database.db.insertInto('compute_nodes').values({
      uuid, host: h.name, hypervisor_hostname: h.name, hypervisor_type: 'fake', hypervisor_version: 1, host_ip: '127.0.0.1', cpu_info: '{}',
      vcpus: 16, memory_mb: h.ram, local_gb: 100, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
      cpu_allocation_ratio: 16, ram_allocation_ratio: 1, disk_allocation_ratio: 1, created_at: now, updated_at: now,
    }).execute()
    await database.db.insertInto('compute_services').values({
      uuid: randomUUID(), host: h.name, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: h.disabled ? 1 : 0, disabled_reason: null,
      forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: h.down ? '2000-01-01T00:00:00.000Z' : now,
    }).execute()
    if (h.zone) {
      const id = await database.db.insertInto('host_aggregates').values({ uuid: randomUUID(), name: `agg-${h.name}`, created_at: now, updated_at: null }).executeTakeFirstOrThrow()
      const aggId = Number(id.insertId)
      await database.db.insertInto('host_aggregate_hosts').values({ aggregate_id: aggId, host: h.name }).execute()
      await database.db.insertInto('host_aggregate_metadata').values({ aggregate_id: aggId, key: 'availability_zone', value: h.zone }).execute()
    }
  }
  const claims = memoryPlacement(capacity)
  return { scheduler: createScheduler({ db: database.db, config, claims, log: silentLogger }), claims, close: () => database.close() }
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
