#!/usr/bin/env node
/**
 * @module The `nubis` command: parse arguments, load and validate config, then start services or
 * run an operator command. It imports only service roots and common code.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { commonConfigSchema } from '../common/config/common-config.ts'
import { configSchema, describeConfig, loadConfig } from '../common/config/load-config.ts'
import { ConfigError } from '../common/errors.ts'
import { createLogger, type Logger } from '../common/log/logger.ts'
import { createTransport } from '../common/rpc/registry.ts'
import { createLocalServices } from '../common/local-services.ts'
import type { RunningService } from '../common/service.ts'
import { runDoctor, ensureHostPackages } from '../common/host/doctor.ts'
import { identityUrl, openIdentityDb, rotateFernetKeys, runIdentityBootstrap } from '../identity/services.ts'
import { authUrlFor } from '../identity/auth-middleware.ts'
import { createIdentityClient } from '../identity/client.ts'
import { imageUrl, openImageDb } from '../image/services.ts'
import { openNetworkDb } from '../network/services.ts'
import { openComputeDb, runComputeSyncAggregates } from '../compute/services.ts'
import { openPlacementDb } from '../placement/services.ts'
import { registerTinyGuest, TINY_GUEST_IMAGE } from '../image/tiny-guest-image.ts'
import { writeCloudsYaml, type CloudAccount } from './clouds-yaml.ts'
import { allInOne, catalogEntries, configSections, services, type NubisConfig } from './services.ts'

const usage = `usage: nubis <command> [--config FILE] [--data-dir DIR]

  up                       run the whole cloud in this process (foreground; Ctrl-C stops it)
  run <service>...         run chosen services: ${Object.keys(services).join(', ')}
  db migrate               create or upgrade every service's database
  identity bootstrap       create the default domain, roles, admin and demo users, catalog
  identity fernet-rotate   rotate the Fernet token keys (live tokens stay valid)
  compute sync-aggregates  mirror every host aggregate membership into placement; report changes
  doctor                   check this host for what the real drivers need
  config help              list every configuration key with its default
`

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { config: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const [command, ...rest] = positionals
  if (!command || values.help) {
    process.stdout.write(usage)
    return command || values.help ? 0 : 2
  }
  const schema = configSchema(commonConfigSchema, configSections)
  if (command === 'config' && rest[0] === 'help') {
    process.stdout.write(describeConfig(schema).join('\n') + '\n')
    return 0
  }
  const file = values.config ?? process.env.NUBIS_CONFIG
  const config = loadConfig<NubisConfig>({
    schema, file, overrides: values['data-dir'] ? { dataDir: values['data-dir'] } : {},
  })
  const log = createLogger({ level: config.logLevel })
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })

  switch (`${command} ${rest[0] ?? ''}`.trim()) {
    case 'up':
      return up(config, log)
    case 'doctor':
      return (await runDoctor({ print: (l) => process.stdout.write(l + '\n') })).ok ? 0 : 1
    case 'db migrate':
      for (const open of [openIdentityDb, openImageDb, openNetworkDb, openPlacementDb, openComputeDb]) await (await open(config, log)).close()
      return 0
    case 'identity bootstrap': {
      await bootstrapAndWriteClouds(config, log)
      return 0
    }
    case 'identity fernet-rotate':
      rotateFernetKeys(config, log)
      return 0
    case 'compute sync-aggregates':
      return runComputeSyncAggregates(config, log, (l) => process.stdout.write(l + '\n'))
    default:
      if (command === 'run') return run(config, log, rest)
      process.stderr.write(`nubis: unknown command "${positionals.join(' ')}"\n${usage}`)
      return 2
  }
}

async function bootstrapAndWriteClouds(config: NubisConfig, log: Logger): Promise<{ path: string; admin: CloudAccount }> {
  const result = await runIdentityBootstrap(config, catalogEntries(config), log)
  const previous = readCloudsPasswords(join(config.dataDir, 'clouds.yaml'))
  const admin: CloudAccount = { ...result.admin, password: result.admin.password ?? previous.nubis }
  const demo: CloudAccount = { ...result.demo, password: result.demo.password ?? previous['nubis-demo'] }
  return { path: writeCloudsYaml(config.dataDir, `${identityUrl(config)}/v3`, config.region, admin, demo), admin }
}

/** The public test image every new cloud gets; a failure is reported and the cloud stays up. */
async function registerFirstImage(config: NubisConfig, log: Logger, admin: CloudAccount): Promise<void> {
  if (!config.image.registerTinyGuest) return
  try {
    const identity = createIdentityClient(authUrlFor(config))
    await registerTinyGuest({
      config, log, imageUrl: imageUrl(config),
      adminToken: async () => (await identity.login({ user: admin.user, password: admin.password ?? '', project: admin.project })).token,
    })
  } catch (err) {
    log.warn(`could not register the ${TINY_GUEST_IMAGE} image; the cloud runs without it`, { reason: (err as Error).message })
  }
}

function readCloudsPasswords(path: string): Record<string, string | undefined> {
  if (!existsSync(path)) return {}
  const doc = parseYaml(readFileSync(path, 'utf8')) as { clouds?: Record<string, { auth?: { password?: string } }> }
  return Object.fromEntries(Object.entries(doc?.clouds ?? {}).map(([k, v]) => [k, v.auth?.password]))
}

async function up(config: NubisConfig, log: Logger): Promise<number> {
  const started = performance.now()
  if (config.installPackages) await ensureHostPackages({ log, packages: [] })
  if (config.compute.allowResizeToSameHost === undefined) {
    // One host: without this every resize would find no valid host (DevStack sets the same).
    config.compute.allowResizeToSameHost = true
    log.info('all-in-one: resizes stay on this host (set compute.allowResizeToSameHost: false to refuse them)')
  }
  const { path: clouds, admin } = await bootstrapAndWriteClouds(config, log)
  const code = await runServices(config, log, allInOne.filter((n) => n in services), async (urls) => {
    await registerFirstImage(config, log, admin)
    const secs = ((performance.now() - started) / 1000).toFixed(2)
    process.stdout.write([
      '',
      `Nubis is up (${secs} s). State lives in ${config.dataDir}.`,
      ...urls.map(([name, url]) => `  ${(name + ':').padEnd(10)}${url}`),
      `  Try:      OS_CLIENT_CONFIG_FILE=${clouds} openstack --os-cloud nubis token issue`,
      `            (cloud "nubis" is the admin, "nubis-demo" a member of project demo)`,
      '  Stop with Ctrl-C.',
      '',
    ].join('\n'))
  })
  return code
}

async function run(config: NubisConfig, log: Logger, names: string[]): Promise<number> {
  const unknown = names.filter((n) => !(n in services))
  if (names.length === 0 || unknown.length) {
    process.stderr.write(`nubis run: unknown or missing service ${unknown.join(', ')}; choose from ${Object.keys(services).join(', ')}\n`)
    return 2
  }
  return runServices(config, log, names, () => {})
}

/** Starts the services, then waits for SIGINT/SIGTERM and stops them in reverse order. */
async function runServices(config: NubisConfig, log: Logger, names: string[], onReady: (urls: [string, string][]) => void | Promise<void>): Promise<number> {
  const transport = await createTransport(config.messaging, log)
  const local = createLocalServices()
  const running: RunningService[] = []
  const stopAll = async () => {
    for (const s of running.toReversed()) await s.stop().catch((err) => log.error('service failed to stop', { error: err }))
    await transport.close()
  }
  try {
    for (const name of names) running.push(await services[name]({ config, log, transport, local }))
  } catch (err) {
    await stopAll()
    throw err
  }
  await onReady(names.flatMap((n, i) => (running[i]?.url ? [[n, running[i].url!] as [string, string]] : [])))
  await new Promise<void>((resolve) => {
    const done = (signal: string) => {
      log.info(`received ${signal}; shutting down`)
      resolve()
    }
    process.once('SIGINT', () => done('SIGINT'))
    process.once('SIGTERM', () => done('SIGTERM'))
  })
  await stopAll()
  log.info('stopped cleanly')
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`nubis: ${err.message}\n`)
    else process.stderr.write(`nubis: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
