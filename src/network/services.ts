/**
 * @module Network's composition root: builds the Neutron API from config and exposes the runnable
 * process (`network`).
 */
import { databaseUrlFor, publicHostOf, type CommonConfig } from '../common/config/common-config.ts'
import { openDatabase, type Database } from '../common/db/database.ts'
import { migrateToLatest } from '../common/db/migrate.ts'
import type { Logger } from '../common/log/logger.ts'
import { createEnforcer } from '../common/policy/policy-enforcer.ts'
import type { CatalogEndpoint, RunningService, ServiceContext } from '../common/service.ts'
import { authUrlFor, createAuthMiddleware } from '../identity/auth-middleware.ts'
import { createIdentityClient, type IdentityClient } from '../identity/client.ts'
import { serviceTokenSource } from '../identity/service-credentials.ts'
import { createNetworkApi } from './api/app.ts'
import { typeDriversOf } from './api/networks/type-drivers.ts'
import type { NetworkDeps } from './api/context.ts'
import type { NetworkConfig } from './config.ts'
import { networkMigrations } from './db/migrations.ts'
import type { NetworkDb } from './db/schema.ts'
import { createPortBinder } from './ml2/binding.ts'
import { loadMechanismDrivers } from './ml2/mechanisms/registry.ts'
import { catalogComputeUrl, createNovaNotifier, type NovaNotifier } from './nova/notifier.ts'
import { networkPolicies } from './policies.ts'
import { createAgentNotifier } from './rpc/notifier.ts'
import { serveNetworkPluginRpc } from './rpc/server/plugin-rpc.ts'

export type NetworkSections = { network: NetworkConfig }
/** The compute section is read only for its port: where to send port events when the catalog has no compute endpoint. */
type Config = CommonConfig & NetworkSections & { compute?: { port?: number } }

export const networkCatalogEntry = (config: Config): CatalogEndpoint => ({
  type: 'network', name: 'neutron', description: 'Networking (Neutron v2.0)',
  url: `http://${publicHostOf(config)}:${config.network.port}`,
})

export async function openNetworkDb(config: Config, log: Logger): Promise<Database<NetworkDb>> {
  const database = openDatabase<NetworkDb>(databaseUrlFor(config, 'network'))
  await migrateToLatest(database.db, 'network', networkMigrations, log)
  return database
}

export async function startNetwork(ctx: ServiceContext<NetworkSections>): Promise<RunningService> {
  const { config, transport } = ctx
  const log = ctx.log.child({ service: 'network' })
  const drivers = loadMechanismDrivers(config.network.ml2.mechanismDrivers)
  const database = await openNetworkDb(config, log)
  typeDriversOf(config.network) // bad ML2 ranges are a start-up error, not a 500 on the first request
  const identity = createIdentityClient(authUrlFor(config))
  const deps: NetworkDeps = {
    db: database.db, config: config.network, log, transport, host: config.host,
    policy: createEnforcer(networkPolicies),
    binder: createPortBinder({ drivers, agentDownTimeSec: config.network.agentDownTimeSec, log }),
    notifier: createAgentNotifier(transport, log),
    nova: novaNotifier(config, identity, log),
  }
  const rpc = await serveNetworkPluginRpc(deps, drivers)
  const auth = createAuthMiddleware({ identity })
  const server = await createNetworkApi(deps, auth).listen(config.network.port, config.bindHost)
  const url = `http://${publicHostOf(config)}:${server.port}`
  log.info('Network API listening', { url })
  return {
    url,
    async stop() {
      await rpc.stop()
      await server.close()
      await deps.nova?.stop()
      await database.close()
    },
  }
}

/** Events to compute with the service user's token, at the compute endpoint of its catalog. */
function novaNotifier(config: Config, identity: IdentityClient, log: Logger): NovaNotifier | undefined {
  const o = config.network.nova
  if (!o.notifyPortDataChanges) return undefined
  const token = serviceTokenSource(config, { identity })
  const fromConfig = () => (config.compute?.port ? `http://${publicHostOf(config)}:${config.compute.port}/v2.1` : undefined)
  const computeUrl = catalogComputeUrl(async () => (await identity.validate(await token())).catalog, fromConfig)
  return createNovaNotifier({ computeUrl, token, intervalMs: o.sendEventsIntervalMs, log: log.child({ component: 'nova-notifier' }) })
}

export const networkServices = { network: startNetwork }
