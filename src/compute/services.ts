/**
 * @module Compute's composition root: the runnable processes. `compute` is the whole service in
 * one process (API, scheduler, conductor and this host's agent, as `nubis up` runs it); the four
 * parts also run alone (`nubis run compute-api scheduler conductor compute-agent`), talking over
 * the configured message bus. Only the transport differs between the two.
 */
import { databaseUrlFor, publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import { openDatabase, type Database } from '../common/db/database.ts'
import { migrateToLatest } from '../common/db/migrate.ts'
import type { Logger } from '../common/log/logger.ts'
import { createEnforcer } from '../common/policy/policy-enforcer.ts'
import type { Stoppable } from '../common/rpc/transport.ts'
import type { CatalogEndpoint, RunningService, ServiceContext } from '../common/service.ts'
import { authUrlFor, createAuthMiddleware } from '../identity/auth-middleware.ts'
import { createIdentityClient } from '../identity/client.ts'
import { serviceTokenSource } from '../identity/service-credentials.ts'
import { createImageClient } from '../image/client.ts'
import { imageUrl, type ImageSections } from '../image/services.ts'
import { networkCatalogEntry, type NetworkSections } from '../network/services.ts'
import { LOCAL_PLACEMENT, type LocalPlacement } from '../placement/local.ts'
import { createComputeAgent } from './agent/compute-agent.ts'
import { createComputeApi } from './api/app.ts'
import type { ComputeApiDeps } from './api/context.ts'
import { describeAggregateSync, syncAggregatesToPlacement } from './api/placement-aggregates.ts'
import type { ComputeConfig } from './config.ts'
import { createConductor } from './conductor/conductor.ts'
import { ensureDefaultFlavors } from './db/flavors.ts'
import { computeMigrations } from './db/migrations.ts'
import type { ComputeDb } from './db/schema.ts'
import { createNetworkApi } from './network/network-api.ts'
import { placementClaims } from './placement-claims.ts'
import { computePolicies } from './policies.ts'
import { agentTopic } from './rpc/agent-rpc.ts'
import { computeRpc } from './rpc/clients.ts'
import { CONDUCTOR_TOPIC, SCHEDULER_TOPIC } from './rpc/conductor-rpc.ts'
import { createScheduler } from './scheduler/scheduler.ts'
import { virtDrivers } from './virt/registry.ts'
import type { FakeDriver } from './virt/fake/fake-driver.ts'

export type ComputeSections = { compute: ComputeConfig; placement?: { port: number } } & ImageSections & NetworkSections
type Config = CommonConfig & ComputeSections

export const computeUrl = (config: Config): string => `http://${publicHostOf(config)}:${config.compute.port}`

export const computeCatalogEntry = (config: Config): CatalogEndpoint => ({
  type: 'compute', name: 'nova', description: 'Compute (Nova v2.1)', url: `${computeUrl(config)}/v2.1`,
})

const placementUrl = (config: Config) => `http://${publicHostOf(config)}:${config.placement?.port || 8778}`

export async function openComputeDb(config: Config, log: Logger): Promise<Database<ComputeDb>> {
  const database = openDatabase<ComputeDb>(databaseUrlFor(config, 'compute'))
  await migrateToLatest(database.db, 'compute', computeMigrations, log)
  await ensureDefaultFlavors(database.db, log)
  return database
}

/**
 * `nubis compute sync-aggregates` (nova-manage placement sync_aggregates): mirrors every host
 * aggregate membership into placement, prints what it changed and what it could not, and returns
 * the exit status (0 when placement now matches).
 */
export async function runComputeSyncAggregates(config: Config, log: Logger, print: (line: string) => void): Promise<number> {
  const database = await openComputeDb(config, log)
  try {
    const claims = placementClaims(placementUrl(config), serviceTokenSource(config))
    const { lines, exitCode } = describeAggregateSync(await syncAggregatesToPlacement({ db: database.db, claims }))
    for (const line of lines) print(line)
    return exitCode
  } finally {
    await database.close()
  }
}

/** A running compute process; tests reach the fake hypervisor of an in-process agent through `driver`. */
export type RunningCompute = RunningService & { driver?: FakeDriver; syncPowerStates?: () => Promise<void> }

type Part = 'api' | 'scheduler' | 'conductor' | 'agent'

async function startParts(ctx: ServiceContext<ComputeSections>, parts: Part[]): Promise<RunningCompute> {
  const { config, transport } = ctx
  const log = ctx.log.child({ service: 'compute' })
  const c = config.compute
  const rpc = computeRpc(transport, c.rpcTimeoutMs)
  const serviceToken = serviceTokenSource(config)
  const inProcess = c.scheduler.inProcessPlacement ? () => ctx.local?.find<LocalPlacement>(LOCAL_PLACEMENT) : undefined
  const claims = placementClaims(placementUrl(config), serviceToken, inProcess)
  const network = createNetworkApi(networkCatalogEntry(config).url, serviceToken)
  const needsDb = parts.some((p) => p !== 'agent')
  const database = needsDb ? await openComputeDb(config, log) : undefined
  const stops: Array<() => Promise<void>> = []
  const served: Stoppable[] = []
  let url: string | undefined
  let driver: FakeDriver | undefined
  let syncPowerStates: (() => Promise<void>) | undefined
  /** Reports `binary` as up now and every reportIntervalSec, as every Nova service does (os-services shows it down otherwise). */
  const heartbeat = async (binary: string) => {
    const report = () => rpc.conductor.reportService({ host: config.host, binary })
      .catch((err) => log.warn(`heartbeat of ${binary} on ${config.host} failed: ${(err as Error).message}`))
    await report()
    const timer = setInterval(() => void report(), c.reportIntervalSec * 1000)
    timer.unref()
    stops.push(async () => clearInterval(timer))
  }
  try {
    if (parts.includes('conductor')) {
      served.push(await transport.serve(CONDUCTOR_TOPIC, createConductor({ db: database!.db, config: c, rpc, claims, log, host: config.host })))
      await heartbeat('nova-conductor')
    }
    if (parts.includes('scheduler')) {
      const scheduler = createScheduler({ db: database!.db, config: c, claims, log })
      served.push(await transport.serve(SCHEDULER_TOPIC, { selectDestinations: (a) => scheduler.selectDestinations(a) }))
      await heartbeat('nova-scheduler')
    }
    if (parts.includes('agent')) {
      const fake = c.agent.virtDriver === 'fake'
      const hosts = [config.host, ...Array.from({ length: fake ? c.agent.fakeHostCount - 1 : 0 }, (_, n) => `${config.host}-${n + 2}`)]
      for (const [n, host] of hosts.entries()) {
        // A host of its own beyond the first: its own name as hypervisor name, its own fake hypervisor.
        const agentConfig = n === 0 ? c.agent : { ...c.agent, nodeName: '' }
        const d = virtDrivers[c.agent.virtDriver](agentConfig, host)
        const agent = createComputeAgent({
          host, driver: d, conductor: rpc.conductor, castConductor: rpc.castConductor, network, claims, config: { ...c, agent: agentConfig }, log,
          agents: { call: (h) => rpc.agent(h), cast: rpc.castAgent },
          images: (token) => createImageClient({ url: imageUrl(config), token }),
        })
        served.push(await transport.serve(agentTopic(host), agent.rpc))
        await agent.start()
        stops.push(() => agent.stop())
        if (n === 0) {
          syncPowerStates = agent.syncPowerStates
          if (fake) driver = d as FakeDriver
        }
        log.info(`compute agent of ${host} is serving with the ${c.agent.virtDriver} driver`)
      }
    }
    if (parts.includes('api')) {
      const deps: ComputeApiDeps = {
        db: database!.db, config: c, log, policy: createEnforcer(computePolicies), rpc,
        images: (token) => createImageClient({ url: imageUrl(config), token }), network, claims, host: config.host,
      }
      const auth = createAuthMiddleware({ identity: createIdentityClient(authUrlFor(config)) })
      const server = await createComputeApi(deps, auth).listen(c.port, config.bindHost)
      stops.push(() => server.close())
      url = `http://${publicHostOf(config)}:${server.port}`
      log.info('Compute API listening', { url })
    }
  } catch (err) {
    for (const s of served.toReversed()) await s.stop().catch(() => {})
    for (const s of stops.toReversed()) await s().catch(() => {})
    await database?.close()
    throw err
  }
  return {
    url, driver, syncPowerStates,
    async stop() {
      for (const s of stops.toReversed()) await s()
      for (const s of served.toReversed()) await s.stop()
      await database?.close()
    },
  }
}

export const computeServices = {
  compute: (ctx: ServiceContext<ComputeSections>) => startParts(ctx, ['conductor', 'scheduler', 'agent', 'api']),
  'compute-api': (ctx: ServiceContext<ComputeSections>) => startParts(ctx, ['api']),
  scheduler: (ctx: ServiceContext<ComputeSections>) => startParts(ctx, ['scheduler']),
  conductor: (ctx: ServiceContext<ComputeSections>) => startParts(ctx, ['conductor']),
  'compute-agent': (ctx: ServiceContext<ComputeSections>) => startParts(ctx, ['agent']),
}
