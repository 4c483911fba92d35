/**
 * @module For handler unit tests: a Compute API on a free port serving only the given resource
 * routes, on an in-memory database, with callers picked by token (`admin`, `demo`, `alt`,
 * `reader`, `demo2` — a second user of demo's project) instead of identity, and a check of
 * response bodies against tempest's schemas where tempest is installed.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import { Unauthorized } from '../../common/errors.ts'
import { openDatabase, type Database } from '../../common/db/database.ts'
import { migrateToLatest } from '../../common/db/migrate.ts'
import { createApiServer } from '../../common/http/server.ts'
import type { Middleware, Route } from '../../common/http/types.ts'
import { createLogger } from '../../common/log/logger.ts'
import { createEnforcer } from '../../common/policy/policy-enforcer.ts'
import type { Caller } from '../../identity/client.ts'
import type { ComputeConfig } from '../config.ts'
import { computeMigrations } from '../db/migrations.ts'
import type { ComputeDb, InstanceRow } from '../db/schema.ts'
import { novaErrorBody } from '../errors.ts'
import { computePolicies } from '../policies.ts'
import type { ComputeApiDeps, ComputeRequest } from './context.ts'
import { requestedVersion, versionHeaders } from './microversion.ts'

export const PROJECTS = { admin: 'p-admin', demo: 'p-demo', alt: 'p-alt' } as const

const callers: Record<string, Omit<Caller, 'token' | 'expiresAt' | 'catalog' | 'userDomainId' | 'isAdminProject'>> = {
  admin: { userId: 'u-admin', userName: 'admin', projectId: PROJECTS.admin, roles: ['admin', 'manager', 'member', 'reader'] },
  demo: { userId: 'u-demo', userName: 'demo', projectId: PROJECTS.demo, roles: ['member', 'reader'] },
  demo2: { userId: 'u-demo2', userName: 'demo2', projectId: PROJECTS.demo, roles: ['member', 'reader'] },
  alt: { userId: 'u-alt', userName: 'alt', projectId: PROJECTS.alt, roles: ['member', 'reader'] },
  reader: { userId: 'u-reader', userName: 'reader', projectId: PROJECTS.demo, roles: ['reader'] },
}

export const testConfig: ComputeConfig = {
  port: 0, maxRequestBodyBytes: 114688, defaultAvailabilityZone: 'nova', defaultFloatingPool: 'public', serviceDownTimeSec: 60, reportIntervalSec: 10,
  syncPowerStateIntervalSec: 0, maxLimit: 1000, rpcTimeoutMs: 1000,
  agent: {
    virtDriver: 'fake', nodeName: '', vcpus: 16, memoryMb: 32768, diskGb: 1000, reservedHostMemoryMb: 512, reservedHostDiskMb: 0,
    cpuAllocationRatio: 16, ramAllocationRatio: 1.5, diskAllocationRatio: 1, fakeDelayMs: 0, fakeWorldDir: '', fakeHostCount: 1,
  },
  scheduler: { maxAttempts: 3, maxPlacementResults: 1000, filters: [], ramWeightMultiplier: 1, cpuWeightMultiplier: 1, diskWeightMultiplier: 1, hostSubsetSize: 1, inProcessPlacement: true,
    queryPlacementForAvailabilityZone: true, limitTenantsToPlacementAggregate: false, placementAggregateRequiredForTenants: false,
  },
  quotas: {
    instances: 10, cores: 20, ram: 51200, keyPairs: 100, metadataItems: 128, serverGroups: 10, serverGroupMembers: 10,
    injectedFiles: 5, injectedFileContentBytes: 10240, injectedFilePathBytes: 255,
  },
}

export type Reply = { status: number; body: any; headers: Headers }
export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>

export type TestApi = {
  db: Database<ComputeDb>['db']
  deps: ComputeApiDeps
  /** Requests as `who` (a token of the table above); `version` sets OpenStack-API-Version. */
  as(who: keyof typeof callers, version?: string): Call
  stop(): Promise<void>
}

export async function startTestApi(resources: (deps: ComputeApiDeps) => Route[], config: Partial<ComputeConfig> = {}): Promise<TestApi> {
  const database = openDatabase<ComputeDb>('sqlite::memory:')
  const log = createLogger({ write: () => {} })
  await migrateToLatest(database.db, 'compute', computeMigrations, log)
  const deps = {
    db: database.db, config: { ...testConfig, ...config }, log, policy: createEnforcer(computePolicies), host: 'test-host',
    rpc: undefined as never, images: undefined as never, network: undefined as never, claims: undefined as never,
  } satisfies ComputeApiDeps
  const routes = resources(deps).map((r) => ({ ...r, pattern: `/v2.1${r.pattern}` }))
  const negotiate: Middleware = (req: ComputeRequest) => {
    req.ctx.version = requestedVersion(req.headers)
  }
  const auth: Middleware = (req: ComputeRequest) => {
    const who = String(req.headers['x-auth-token'] ?? '')
    const c = callers[who]
    if (!c) throw new Unauthorized('The request you have made requires authentication.')
    req.ctx.auth = { ...c, token: who, userDomainId: 'default', isAdminProject: false, expiresAt: new Date(Date.now() + 3600_000), catalog: [] }
  }
  const server = await createApiServer({
    name: 'compute', routes, formatError: novaErrorBody, log, middleware: [negotiate, auth],
    extraHeaders: (req: ComputeRequest) => (req.ctx.version ? versionHeaders(req.ctx.version) : {}),
  }).listen(0, '127.0.0.1')
  const base = `http://127.0.0.1:${server.port}`
  return {
    db: database.db, deps,
    as: (who, version) => async (method, path, body, headers = {}) => {
      const h: Record<string, string> = { 'x-auth-token': who, ...headers }
      if (version) h['openstack-api-version'] = `compute ${version}`
      if (body !== undefined) h['content-type'] = 'application/json'
      const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
    },
    async stop() {
      await server.close()
      await database.close()
    },
  }
}

const TEMPEST = '/usr/lib/python3/dist-packages/tempest/lib/api_schema/response/compute'
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
const schemas = new Map<string, ValidateFunction | null>()

/**
 * Asserts the reply matches tempest's schema `module.name` (e.g. 'v2_55.flavors',
 * 'list_flavors_details'): status code and body. Does nothing where tempest is not installed, or
 * where the installed tempest predates that schema.
 */
export function assertTempestSchema(reply: Reply, module: string, name: string): void {
  const key = `${module}.${name}`
  if (!schemas.has(key)) {
    if (!existsSync(TEMPEST)) {
      schemas.set(key, null)
    } else {
      // An installed tempest older than the schema (Debian's lags upstream) has no opinion on it: null.
      const py = [
        'import json,importlib',
        `try: m=importlib.import_module('tempest.lib.api_schema.response.compute.${module}')`,
        'except ImportError: m=None',
        `print(json.dumps(getattr(m, '${name}', None)))`,
      ].join('\n')
      const schema = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' })) as { status_code: number[]; response_body?: object } | null
      const validate = schema && ajv.compile({ type: 'object', properties: { status: { enum: schema.status_code }, body: schema.response_body ?? {} } })
      schemas.set(key, validate)
    }
  }
  const validate = schemas.get(key)
  if (!validate) return
  const ok = validate({ status: reply.status, body: reply.body ?? null })
  assert.ok(ok, `${key}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(reply.body)}`)
}

const FLAVOR = { flavorid: '1', name: 'm1.small', memory_mb: 2048, vcpus: 2, root_gb: 20, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }

/** Puts an ACTIVE m1.small server of demo's project on host h1 straight into the database; `row` overrides any column. */
export async function insertInstance(api: Pick<TestApi, 'db'>, row: Partial<InstanceRow> = {}): Promise<string> {
  const now = new Date().toISOString()
  const uuid = row.uuid ?? crypto.randomUUID()
  await api.db.insertInto('instances').values({
    uuid, display_name: 'vm', display_description: null, project_id: PROJECTS.demo, user_id: 'u-demo', image_ref: 'img', flavorid: '1',
    flavor: JSON.stringify(FLAVOR), old_flavor: null, new_flavor: null, vcpus: 2, memory_mb: 2048, root_gb: 20, ephemeral_gb: 0, swap: 0,
    host: 'h1', node: 'h1', availability_zone: 'nova', vm_state: 'active', task_state: null, power_state: 1,
    locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null,
    access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: '{}', system_metadata: '{}',
    info_cache: '[]', security_groups: '[]', progress: 0, launched_at: now, terminated_at: null,
    created_at: now, updated_at: now, deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
    ...row,
  }).execute()
  return uuid
}
