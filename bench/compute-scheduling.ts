/**
 * @module Scheduling latency at scale: N fake compute hosts, each a resource provider in a real
 * placement service and a compute node in a (SQLite) compute database; the real scheduler picks,
 * filters, weighs and claims, and the claim is released after each request so every request sees
 * the same cloud. Baseline, side by side: placement's allocation-candidates call alone.
 */
import { randomUUID } from 'node:crypto'
import { openDatabase } from '../src/common/db/database.ts'
import { migrateToLatest } from '../src/common/db/migrate.ts'
import { configSchema, loadConfig } from '../src/common/config/load-config.ts'
import { silentLogger } from '../src/common/log/logger.ts'
import { computeConfigSchema, type ComputeConfig } from '../src/compute/config.ts'
import { computeMigrations } from '../src/compute/db/migrations.ts'
import type { ComputeDb } from '../src/compute/db/schema.ts'
import { placementClaims } from '../src/compute/placement-claims.ts'
import { createScheduler } from '../src/compute/scheduler/scheduler.ts'

const pct = (xs: number[], p: number) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

export async function benchScheduling(o: { placementUrl: string; token: string; hosts: number; requests: number; maxPlacementResults?: number }) {
  const claims = placementClaims(o.placementUrl, async () => o.token)
  const database = openDatabase<ComputeDb>('sqlite::memory:')
  await migrateToLatest(database.db, 'compute', computeMigrations, silentLogger)
  const config = loadConfig<{ compute: ComputeConfig }>({
    schema: configSchema({}, { compute: computeConfigSchema }), env: {},
    overrides: o.maxPlacementResults ? { compute: { scheduler: { maxPlacementResults: o.maxPlacementResults } } } : {},
  }).compute
  const now = new Date().toISOString()
  const inv = { total: 64, reserved: 0, allocation_ratio: 1, max_unit: 64 }
  for (let start = 0; start < o.hosts; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, o.hosts - start) }, async (_, k) => {
      const n = start + k
      const uuid = randomUUID()
      const name = `fake-host-${n}`
      await claims.ensureProvider({ uuid, name, inventories: { VCPU: inv, MEMORY_MB: { ...inv, total: 65536, max_unit: 65536 }, DISK_GB: { ...inv, total: 1000, max_unit: 1000 } } })
      await database.db.insertInto('compute_nodes').values({
        uuid, host: name, hypervisor_hostname: name, hypervisor_type: 'fake', hypervisor_version: 1, host_ip: '127.0.0.1', cpu_info: '{}',
        vcpus: 64, memory_mb: 65536, local_gb: 1000, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
        cpu_allocation_ratio: 1, ram_allocation_ratio: 1, disk_allocation_ratio: 1, created_at: now, updated_at: now,
      }).execute()
      await database.db.insertInto('compute_services').values({
        uuid: randomUUID(), host: name, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: 0, disabled_reason: null,
        forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: new Date(Date.now() + 3600_000).toISOString(),
      }).execute()
    }))
  }
  const scheduler = createScheduler({ db: database.db, config, claims, log: silentLogger })
  const flavor = { flavorid: '42', name: 'm1.nano', memory_mb: 128, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }
  const spec = {
    project_id: 'bench', user_id: 'bench', flavor, image: { id: 'i', properties: {}, min_disk: 0, min_ram: 0, size: 0 }, availability_zone: null,
    num_instances: 1, scheduler_hints: {}, instance_group: null, ignore_hosts: [], force_hosts: [], requested_networks: [] as [], boot_from_volume: false,
  }
  const resources = { VCPU: 1, MEMORY_MB: 128, DISK_GB: 1 }
  const times: number[] = []
  const base: number[] = []
  for (let n = 0; n < 20; n++) await claims.candidates({ resources, limit: config.scheduler.maxPlacementResults })
  for (let n = 0; n < o.requests; n++) {
    const uuid = randomUUID()
    let t0 = performance.now()
    await scheduler.selectDestinations({ spec, instanceUuids: [uuid], returnAlternates: true })
    times.push(performance.now() - t0)
    await claims.release(uuid)
    t0 = performance.now()
    await claims.candidates({ resources, limit: config.scheduler.maxPlacementResults })
    base.push(performance.now() - t0)
  }
  await database.close()
  return { hosts: o.hosts, p50: pct(times, 50), p99: pct(times, 99), baseP50: pct(base, 50), baseP99: pct(base, 99) }
}
