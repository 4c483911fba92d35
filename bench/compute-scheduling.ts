/**
 * @module Scheduling latency at scale: N fake compute hosts, each a resource provider in a real
 * placement service (its own identity + placement process, SQLite, over HTTP) and a compute node
 * in a compute database; the real scheduler asks for candidates, filters, weighs and claims, and
 * the claim is released after each request so every request sees the same cloud. Baseline, side
 * by side: placement's allocation-candidates call alone. Each run starts its own placement, so a
 * placement setting (random candidate order) can differ between runs. Placement runs either in a
 * process of its own (as on another host) or in the scheduler's process, as `nubis up` runs them,
 * where the scheduler asks it for candidates directly (claims still go over HTTP).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/common/db/database.ts'
import { migrateToLatest } from '../src/common/db/migrate.ts'
import { commonConfigSchema } from '../src/common/config/common-config.ts'
import { configSchema, loadConfig } from '../src/common/config/load-config.ts'
import { createLocalServices } from '../src/common/local-services.ts'
import { createInProcessTransport } from '../src/common/rpc/in-process.ts'
import { configSections, type NubisConfig } from '../src/cli/services.ts'
import { LOCAL_PLACEMENT, type LocalPlacement } from '../src/placement/local.ts'
import { startPlacement } from '../src/placement/services.ts'
import { silentLogger } from '../src/common/log/logger.ts'
import { computeConfigSchema, type ComputeConfig } from '../src/compute/config.ts'
import { computeMigrations } from '../src/compute/db/migrations.ts'
import type { ComputeDb } from '../src/compute/db/schema.ts'
import type { RequestSpec } from '../src/compute/model/instance.ts'
import { placementClaims } from '../src/compute/placement-claims.ts'
import { createScheduler } from '../src/compute/scheduler/scheduler.ts'
import { adminToken, freePort, runToEnd, startNubis, stop } from './nubis-process.ts'

const PASSWORD = 'bench-admin-secret'
const WARM_UP = 20

const pct = (xs: number[], p: number) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

export type SchedulingRun = {
  hosts: number
  requests: number
  maxPlacementResults: number
  randomize: boolean
  /** Placement in the scheduler's process (`nubis up`), asked directly for candidates; otherwise its own process, over HTTP. */
  inProcess: boolean
}

export type SchedulingResult = SchedulingRun & {
  /** The first request after start (code not yet compiled, statements not yet prepared); not in the percentiles. */
  first: number
  p50: number
  p95: number
  p99: number
  baseP50: number
  baseP99: number
  /** Every measured scheduling request's latency, in order (ms). */
  times: number[]
}

/** Starts identity and placement in a fresh data directory, measures, and stops them. */
export async function benchScheduling(run: SchedulingRun): Promise<SchedulingResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-bench-'))
  const ports = { identity: await freePort(), placement: await freePort() }
  const env = {
    ...process.env, NUBIS_DATA_DIR: dataDir, NUBIS_INSTALL_PACKAGES: 'false', NUBIS_LOG_LEVEL: 'warn',
    NUBIS_IDENTITY__PORT: String(ports.identity), NUBIS_PLACEMENT__PORT: String(ports.placement),
    NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: PASSWORD, NUBIS_PLACEMENT__RANDOMIZE_ALLOCATION_CANDIDATES: String(run.randomize),
  }
  await runToEnd(['identity', 'bootstrap'], env)
  const server = await startNubis(['run', 'identity', ...(run.inProcess ? [] : ['placement'])], env, run.inProcess ? `http://127.0.0.1:${ports.identity}/v3` : `http://127.0.0.1:${ports.placement}/`)
  try {
    const token = await adminToken(`http://127.0.0.1:${ports.identity}`, PASSWORD)
    if (!run.inProcess) return await measure(run, `http://127.0.0.1:${ports.placement}`, token)
    // Placement started here, as `nubis up` starts it beside compute; the scheduler finds it through `local`.
    const config = loadConfig<NubisConfig>({ schema: configSchema(commonConfigSchema, configSections), env })
    const local = createLocalServices()
    const placement = await startPlacement({ config, log: silentLogger, transport: createInProcessTransport(), local })
    try {
      return await measure(run, placement.url!, token, () => local.find<LocalPlacement>(LOCAL_PLACEMENT))
    } finally {
      await placement.stop()
    }
  } finally {
    await stop(server)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function measure(run: SchedulingRun, placementUrl: string, token: string, local?: () => LocalPlacement | undefined): Promise<SchedulingResult> {
  const claims = placementClaims(placementUrl, async () => token, local)
  const database = openDatabase<ComputeDb>('sqlite::memory:')
  await migrateToLatest(database.db, 'compute', computeMigrations, silentLogger)
  const config = loadConfig<{ compute: ComputeConfig }>({
    schema: configSchema({}, { compute: computeConfigSchema }), env: {},
    overrides: { compute: { scheduler: { maxPlacementResults: run.maxPlacementResults } } },
  }).compute
  await registerHosts(run.hosts, claims, database.db)
  const scheduler = createScheduler({ db: database.db, config, claims, log: silentLogger })
  const flavor = { flavorid: '42', name: 'm1.nano', memory_mb: 128, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }
  const spec: RequestSpec = {
    project_id: 'bench', user_id: 'bench', flavor, image: { id: 'i', properties: {}, min_disk: 0, min_ram: 0, size: 0 }, availability_zone: null,
    num_instances: 1, scheduler_hints: {}, instance_group: null, ignore_hosts: [], force_hosts: [], requested_networks: [], boot_from_volume: false,
  }
  const resources = { VCPU: 1, MEMORY_MB: 128, DISK_GB: 1 }
  const limit = config.scheduler.maxPlacementResults
  const times: number[] = []
  const base: number[] = []
  for (let n = 0; n < WARM_UP + run.requests; n++) {
    const uuid = randomUUID()
    let t0 = performance.now()
    await scheduler.selectDestinations({ spec, instanceUuids: [uuid], returnAlternates: true })
    times.push(performance.now() - t0)
    await claims.release(uuid)
    t0 = performance.now()
    await claims.candidates({ resources, limit })
    base.push(performance.now() - t0)
  }
  await database.close()
  const [sched, cands] = [times.slice(WARM_UP), base.slice(WARM_UP)]
  return {
    ...run, first: times[0], p50: pct(sched, 50), p95: pct(sched, 95), p99: pct(sched, 99), baseP50: pct(cands, 50), baseP99: pct(cands, 99), times: sched,
  }
}

/** Each host: a provider with VCPU, MEMORY_MB and DISK_GB in placement, a node and a live nova-compute service in the compute database. */
async function registerHosts(count: number, claims: ReturnType<typeof placementClaims>, db: ReturnType<typeof openDatabase<ComputeDb>>['db']) {
  const now = new Date().toISOString()
  const inv = { total: 64, reserved: 0, allocation_ratio: 1, max_unit: 64 }
  for (let start = 0; start < count; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - start) }, async (_, k) => {
      const uuid = randomUUID()
      const name = `fake-host-${start + k}`
      await claims.ensureProvider({ uuid, name, inventories: { VCPU: inv, MEMORY_MB: { ...inv, total: 65536, max_unit: 65536 }, DISK_GB: { ...inv, total: 1000, max_unit: 1000 } } })
      await db.insertInto('compute_nodes').values({
        uuid, host: name, hypervisor_hostname: name, hypervisor_type: 'fake', hypervisor_version: 1, host_ip: '127.0.0.1', cpu_info: '{}',
        vcpus: 64, memory_mb: 65536, local_gb: 1000, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
        cpu_allocation_ratio: 1, ram_allocation_ratio: 1, disk_allocation_ratio: 1, created_at: now, updated_at: now,
      }).execute()
      await db.insertInto('compute_services').values({
        uuid: randomUUID(), host: name, binary: 'nova-compute', topic: 'compute', report_count: 1, disabled: 0, disabled_reason: null,
        forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: new Date(Date.now() + 3600_000).toISOString(),
      }).execute()
    }))
  }
}
