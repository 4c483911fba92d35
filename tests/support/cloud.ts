/**
 * @module A throwaway cloud for functional tests: services started in this process on free ports,
 * with a temporary data directory that stop() removes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commonConfigSchema } from '../../src/common/config/common-config.ts'
import { configSchema, loadConfig } from '../../src/common/config/load-config.ts'
import { createLogger, silentLogger } from '../../src/common/log/logger.ts'
import { createInProcessTransport } from '../../src/common/rpc/in-process.ts'
import { configSections, type NubisConfig } from '../../src/cli/services.ts'
import { runIdentityBootstrap, startIdentity } from '../../src/identity/services.ts'
import { ApiClient } from './client.ts'

export type TestCloud = {
  identityUrl: string
  config: NubisConfig
  adminPassword: string
  demoPassword: string
  /** A client holding a token for admin on project admin. */
  admin(): Promise<ApiClient>
  /** A client holding a token for demo (member) on project demo. */
  demo(): Promise<ApiClient>
  /** A client with no token. */
  anonymous(): ApiClient
  stop(): Promise<void>
}

export type TestCloudOptions = {
  /** Extra config, merged over the test defaults (e.g. identity.securityCompliance). */
  config?: Record<string, unknown>
  /** Database URL; default a SQLite file in the data dir. */
  databaseUrl?: string
}

export async function startTestCloud(opts: TestCloudOptions = {}): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nubis-test-'))
  const overrides = {
    dataDir, bindHost: '127.0.0.1', installPackages: false, database: { url: opts.databaseUrl ?? '' },
    ...opts.config,
    identity: {
      port: 0, passwordHashRounds: 4,
      bootstrap: { adminPassword: 'admin-secret', demoPassword: 'demo-secret' },
      ...(opts.config?.identity as object),
    },
  }
  const config = loadConfig<NubisConfig>({
    schema: configSchema(commonConfigSchema, configSections), env: {}, overrides,
  })
  const log = process.env.NUBIS_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger
  await runIdentityBootstrap(config, [], log)
  const identity = await startIdentity({ config, log, transport: createInProcessTransport() })
  const identityUrl = identity.url!
  const login = (user: string, password: string, project: string) =>
    ApiClient.login(identityUrl, { user, password, project })
  return {
    identityUrl,
    config,
    adminPassword: 'admin-secret',
    demoPassword: 'demo-secret',
    admin: () => login('admin', 'admin-secret', 'admin'),
    demo: () => login('demo', 'demo-secret', 'demo'),
    anonymous: () => new ApiClient(identityUrl),
    async stop() {
      await identity.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
