/**
 * @module The tempest workspace for one run: etc/tempest.conf for the cloud under test, with
 * dynamic credentials from the admin account and [service_available] taken from the catalog
 * (a service counts only when its endpoint answers).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SECURITY_COMPLIANCE } from './cloud.ts'
import { tempestServices } from './services/index.ts'
import type { AdminSession, ConfSections } from './services/types.ts'

/** Catalog type → tempest's [service_available] option. */
const SERVICE_OPTION: Record<string, string> = {
  compute: 'nova', image: 'glance', network: 'neutron', volumev3: 'cinder', 'block-storage': 'cinder', volume: 'cinder',
  'object-store': 'swift', dashboard: 'horizon',
}

type CatalogEntry = { type: string; endpoints: Array<{ interface: string; region?: string | null; region_id?: string | null; url: string }> }

export type Probe = { available: Record<string, boolean>; notes: string[]; admin: AdminSession }

/** Logs in as admin, reads the catalog, and checks which services' public endpoints answer. */
export async function probeServices(url: string, adminPassword: string, region: string): Promise<Probe> {
  const res = await fetch(`${url}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: adminPassword } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  })
  const body = await res.json().catch(() => ({})) as { token?: { catalog?: CatalogEntry[] } }
  if (res.status !== 201) throw new Error(`admin login at ${url} failed: ${res.status} ${JSON.stringify(body)}`)
  const available: Record<string, boolean> = { nova: false, glance: false, neutron: false, cinder: false, swift: false, horizon: false }
  const notes: string[] = []
  const endpoints: Record<string, string> = {}
  for (const entry of body.token?.catalog ?? []) {
    const option = SERVICE_OPTION[entry.type]
    if (!option) continue
    const ep = entry.endpoints.find((e) => e.interface === 'public' && (e.region_id ?? e.region) === region)
      ?? entry.endpoints.find((e) => e.interface === 'public')
    if (!ep) continue
    const up = await endpointAnswers(ep.url)
    if (up) endpoints[entry.type] = ep.url
    available[option] ||= up
    notes.push(`${entry.type} ${ep.url}: ${up ? 'answers' : 'no answer'}`)
  }
  const admin: AdminSession = {
    url, token: res.headers.get('x-subject-token')!, endpoint: (type) => endpoints[type],
    say: (line) => process.stdout.write(line + '\n'),
  }
  return { available, notes, admin }
}

/** Lets each available service prepare the cloud and contribute its tempest.conf sections. */
export async function prepareServices(probe: Probe): Promise<ConfSections> {
  const sections: ConfSections = {}
  for (const svc of tempestServices) {
    if (!probe.available[svc.option]) continue
    let contributed: ConfSections
    try {
      contributed = await svc.prepare(probe.admin)
    } catch (err) {
      probe.admin.say(`${svc.option}: preparing the cloud failed, so its tests will skip: ${(err as Error).message}`)
      probe.available[svc.option] = false
      continue
    }
    for (const [name, opts] of Object.entries(contributed)) sections[name] = { ...sections[name], ...opts }
  }
  return sections
}

async function endpointAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
    await res.arrayBuffer()
    return res.status < 500
  } catch {
    return false
  }
}

export type ConfInput = {
  workspace: string
  url: string
  adminPassword: string
  region: string
  available: Record<string, boolean>
  /** Sections contributed by the service plugins (merged over the defaults). */
  extra?: ConfSections
}

export function tempestConf(c: ConfInput): string {
  const sections: ConfSections = {
    DEFAULT: { log_dir: c.workspace, log_file: 'tempest.log', debug: true },
    oslo_concurrency: { lock_path: join(c.workspace, 'lock') },
    auth: {
      use_dynamic_credentials: true,
      admin_username: 'admin',
      admin_password: c.adminPassword,
      admin_project_name: 'admin',
      admin_domain_name: 'Default',
      default_credentials_domain_name: 'Default',
      create_isolated_networks: false,
    },
    identity: {
      uri_v3: c.url,
      auth_version: 'v3',
      region: c.region,
      v3_endpoint_type: 'public',
      default_domain_id: 'default',
      admin_role: 'admin',
      user_lockout_failure_attempts: SECURITY_COMPLIANCE.lockoutFailureAttempts,
      user_lockout_duration: SECURITY_COMPLIANCE.lockoutDurationSec,
      user_unique_last_password_count: SECURITY_COMPLIANCE.uniqueLastPasswordCount,
    },
    'identity-feature-enabled': {
      api_v2: false,
      api_v3: true,
      // OS-INHERIT and OS-EC2 tests run (api_extensions = all); trusts are not implemented.
      api_extensions: 'all',
      trust: false,
      security_compliance: true,
      application_credentials: true,
      access_rules: false,
      project_tags: true,
      domain_specific_drivers: false,
      immutable_user_source: false,
    },
    service_available: c.available,
    validation: { run_validation: false },
  }
  for (const [name, opts] of Object.entries(c.extra ?? {})) sections[name] = { ...sections[name], ...opts }
  return Object.entries(sections)
    .map(([name, opts]) => `[${name}]\n${Object.entries(opts).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
    .join('\n')
}

/** Creates the workspace directory with etc/tempest.conf and (for lists) etc/include-list.txt. */
export function writeWorkspace(c: ConfInput, includeList?: string[]): { conf: string; includeFile?: string } {
  mkdirSync(join(c.workspace, 'etc'), { recursive: true })
  mkdirSync(join(c.workspace, 'lock'), { recursive: true })
  const conf = join(c.workspace, 'etc', 'tempest.conf')
  writeFileSync(conf, tempestConf(c), { mode: 0o600 })
  if (!includeList) return { conf }
  const includeFile = join(c.workspace, 'etc', 'include-list.txt')
  writeFileSync(includeFile, includeList.join('\n') + '\n')
  return { conf, includeFile }
}
