/**
 * @module The identity services log in as when they call each other (Nova's `[neutron]` and
 * `[placement]` service user): user `nubis-service` with roles admin and service on project
 * `service`. Bootstrap creates it and saves its credentials in `dataDir/service-credentials.json`;
 * {@link serviceTokenSource} turns them into a token that is renewed before it expires.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommonConfig } from '../common/config/common-config.ts'
import { ConfigError } from '../common/errors.ts'
import { authUrlFor } from './auth-middleware.ts'
import { createIdentityClient, type IdentityClient } from './client.ts'

export type ServiceCredentials = { user: string; password: string; project: string; domain: string }

export const SERVICE_USER = 'nubis-service'
export const SERVICE_PROJECT = 'service'
/** Roles the service user holds on its project: admin, and service for what Neutron and Nova keep to services. */
export const SERVICE_ROLES = ['admin', 'service'] as const

export const serviceCredentialsPath = (dataDir: string): string => join(dataDir, 'service-credentials.json')

/** The credentials bootstrap saved, or undefined when there is no file; a file that is not valid is a ConfigError. */
export function readServiceCredentialsFile(dataDir: string): ServiceCredentials | undefined {
  const path = serviceCredentialsPath(dataDir)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`Cannot read the service credentials in ${path}: ${(err as Error).message}`)
  }
  let doc: Partial<Record<keyof ServiceCredentials, unknown>>
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`)
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  const creds = { user: str(doc?.user), password: str(doc?.password), project: str(doc?.project), domain: str(doc?.domain) }
  if (!creds.user || !creds.password || !creds.project) {
    throw new ConfigError(`${path} must hold "user", "password", "project" and "domain"; run \`nubis identity bootstrap\` to rewrite it.`)
  }
  return { ...creds, domain: creds.domain || 'default' }
}

/** Writes the file readable by its owner only (mode 0600), replacing any earlier one in one step. */
export function writeServiceCredentialsFile(dataDir: string, creds: ServiceCredentials): string {
  const path = serviceCredentialsPath(dataDir)
  const tmp = `${path}.${process.pid}.tmp`
  const { user, password, project, domain } = creds
  writeFileSync(tmp, JSON.stringify({ user, password, project, domain }, null, 2) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
  return path
}

type Config = CommonConfig & { identity?: { port?: number; serviceCredentials?: Partial<ServiceCredentials> } }

/**
 * The service credentials in force: `identity.serviceCredentials` when its user is set, else the
 * file bootstrap wrote. Throws a ConfigError naming both places when there are none.
 */
export function resolveServiceCredentials(config: Config): { credentials: ServiceCredentials; source: string } {
  const c = config.identity?.serviceCredentials
  if (c?.user) {
    if (!c.password) throw new ConfigError('identity.serviceCredentials.user is set but identity.serviceCredentials.password is empty.')
    return {
      credentials: { user: c.user, password: c.password, project: c.project || SERVICE_PROJECT, domain: c.domain || 'default' },
      source: 'identity.serviceCredentials',
    }
  }
  const path = serviceCredentialsPath(config.dataDir)
  const credentials = readServiceCredentialsFile(config.dataDir)
  if (!credentials) {
    throw new ConfigError(
      `No service credentials: ${path} does not exist. Run \`nubis identity bootstrap\` (nubis up does) against this ` +
      'data directory, or set identity.serviceCredentials (user, password, project, domain).')
  }
  return { credentials, source: path }
}

export type ServiceTokenOptions = {
  /** Default: an identity client for `authUrl` (or this host's identity port). */
  identity?: IdentityClient
  /** How long before expiry the token is renewed; default 300 s (at most half the token's lifetime). */
  renewBeforeSec?: number
  now?: () => number
}

/**
 * A token supplier for the service user, for clients such as createNetworkClient({ token }).
 * It logs in on first use, hands out the cached token, and logs in again `renewBeforeSec`
 * before it expires; concurrent callers share one login. Credentials are read at each login,
 * so a password bootstrap resets is picked up at the next renewal. When a renewal fails the
 * old token is still handed out while it has more than 30 s left.
 * Rejects with a ConfigError when there are no credentials or identity refuses them, and with
 * ServiceUnavailable when identity cannot be reached.
 */
export function serviceTokenSource(config: Config, opts: ServiceTokenOptions = {}): () => Promise<string> {
  const now = opts.now ?? Date.now
  const renewBeforeMs = (opts.renewBeforeSec ?? 300) * 1000
  let cached: { token: string; expiresAt: number; renewAt: number } | undefined
  let pending: Promise<string> | undefined

  async function login(): Promise<string> {
    const { credentials, source } = resolveServiceCredentials(config)
    const identity = opts.identity ?? createIdentityClient(authUrlFor(config))
    let caller
    try {
      caller = await identity.login(credentials)
    } catch (err) {
      if ((err as { status?: number }).status !== 401) throw err
      throw new ConfigError(
        `Identity refused the service credentials of ${credentials.user} (project ${credentials.project}) from ${source}: ` +
        `${(err as Error).message}`, { cause: err })
    }
    const loggedInAt = now()
    const expiresAt = caller.expiresAt.getTime()
    const margin = Math.min(renewBeforeMs, Math.max(0, (expiresAt - loggedInAt) / 2))
    cached = { token: caller.token, expiresAt, renewAt: expiresAt - margin }
    return caller.token
  }

  return async () => {
    const t = now()
    if (cached && t < cached.renewAt) return cached.token
    pending ??= login().catch((err) => {
      const stillValid = cached && cached.expiresAt - now() > 30_000
      if (stillValid) return cached!.token
      throw err
    }).finally(() => {
      pending = undefined
    })
    return pending
  }
}
