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
import { createLocalServices, type LocalServices } from '../../src/common/local-services.ts'
import { configSections, services as runnable, type NubisConfig } from '../../src/cli/services.ts'
import type { RunningService } from '../../src/common/service.ts'
import { runIdentityBootstrap, startIdentity } from '../../src/identity/services.ts'
import { ApiClient } from './client.ts'

export type TestCloud = {
  identityUrl: string
  /** Base URL of each started service by name (identity included). */
  urls: Record<string, string>
  config: NubisConfig
  /** What the services of this process offer each other directly (as under `nubis up`). */
  local: LocalServices
  adminPassword: string
  demoPassword: string
  /** A client holding a token for admin on project admin. */
  admin(): Promise<ApiClient>
  /** A client holding a token for demo (member) on project demo. */
  demo(): Promise<ApiClient>
  /** A client with no token. */
  anonymous(): ApiClient
  /** A client for another service (`image`, `network`, ...) holding `as`'s token. */
  service(name: string, as?: ApiClient): ApiClient
  /** The running service object of a started service (e.g. compute's fake hypervisor). */
  running(name: string): RunningService
  /** Starts one more service as another host on the same bus (a second `compute-agent`); stop() stops it too. */
  startOnHost(name: string, host: string): Promise<RunningService>
  /**
   * Starts one more process on the cloud's bus with `config` over the cloud's (e.g. a second
   * host's `compute-agent` with `{ host: 'host-b' }`). Stopping it and starting it again is a
   * restart of that process; the cloud stops whatever is still running at the end.
   */
  startService(name: string, config?: Partial<NubisConfig>): Promise<RunningService>
  stop(): Promise<void>
}

export type TestCloudOptions = {
  /** Extra config, merged over the test defaults (e.g. identity.securityCompliance). */
  config?: Record<string, unknown>
  /** Database URL; default a SQLite file in the data dir. */
  databaseUrl?: string
  /** Services to start besides identity, by their name in src/cli/services.ts (each on a free port). */
  services?: string[]
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
  const transport = createInProcessTransport()
  // As `nubis up`: the services of this process find each other's in-process interfaces.
  const local = createLocalServices()
  const identity = await startIdentity({ config, log, transport, local })
  const identityUrl = identity.url!
  config.authUrl = identityUrl
  const urls: Record<string, string> = { identity: identityUrl }
  const started: RunningService[] = []
  const byName: Record<string, RunningService> = {}
  try {
    for (const name of opts.services ?? []) {
      const section = (config as Record<string, any>)[name]
      if (section && typeof section === 'object' && 'port' in section) section.port = 0
      const svc = await runnable[name]({ config, log, transport, local })
      started.push(svc)
      byName[name] = svc
      urls[name] = svc.url!
      // Services started later (compute calls image, network and placement) find this one at its real port.
      if (section && typeof section === 'object' && 'port' in section && svc.url) section.port = Number(new URL(svc.url).port)
    }
  } catch (err) {
    for (const s of started.reverse()) await s.stop()
    await identity.stop()
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const extra: RunningService[] = []
  async function startService(name: string, over: Partial<NubisConfig> = {}): Promise<RunningService> {
    const svc = await runnable[name]({ config: { ...config, ...over } as NubisConfig, log, transport, local })
    extra.push(svc)
    return svc
  }
  const login = (user: string, password: string, project: string) =>
    ApiClient.login(identityUrl, { user, password, project })
  return {
    identityUrl,
    urls,
    config,
    local,
    adminPassword: 'admin-secret',
    demoPassword: 'demo-secret',
    admin: () => login('admin', 'admin-secret', 'admin'),
    demo: () => login('demo', 'demo-secret', 'demo'),
    anonymous: () => new ApiClient(identityUrl),
    service(name, as) {
      if (!urls[name]) throw new Error(`service ${name} was not started; pass it in startTestCloud({services})`)
      return new ApiClient(urls[name], as?.token)
    },
    running(name) {
      if (!byName[name]) throw new Error(`service ${name} was not started`)
      return byName[name]
    },
    startOnHost: (name, host) => startService(name, { host }),
    startService,
    async stop() {
      for (const s of extra.reverse()) await s.stop().catch(() => {})
      for (const s of started.reverse()) await s.stop()
      await identity.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A new project with a user holding `role` on it, logged in to identity (a tenant of the cloud, as a test needs a second one). */
export async function otherProjectMember(cloud: TestCloud, name: string, role = 'member'): Promise<ApiClient> {
  const admin = await cloud.admin()
  const project = await admin.post('/v3/projects', { project: { name, domain_id: 'default' } })
  if (project.status !== 201) throw new Error(`creating project ${name} failed: ${project.status} ${JSON.stringify(project.body)}`)
  const user = await admin.post('/v3/users', { user: { name: `${name}-user`, password: `${name}-secret`, domain_id: 'default' } })
  if (user.status !== 201) throw new Error(`creating user ${name}-user failed: ${user.status} ${JSON.stringify(user.body)}`)
  const roleId = (await admin.get(`/v3/roles?name=${role}`)).body.roles[0].id
  const granted = await admin.put(`/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId}`)
  if (granted.status !== 204) throw new Error(`granting ${role} on ${name} failed: ${granted.status}`)
  return ApiClient.login(cloud.identityUrl, { user: `${name}-user`, password: `${name}-secret`, project: name })
}
