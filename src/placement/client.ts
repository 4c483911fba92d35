/**
 * @module The Placement API as the rest of Nubis uses it (nova's report client and scheduler
 * client in one): providers kept in step with a host, allocation candidates, claims and moves of
 * allocations. It speaks HTTP with a token from the caller's supplier over one keep-alive agent,
 * so it works the same whether placement runs in this process or on another host.
 */
import { Agent, request } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

import { candidateSearchParams, PLACEMENT_VERSION, withRoots, type AllocationCandidates, type AllocationMap, type CandidateQuery, type Resources } from './candidate-query.ts'

export type { AllocationCandidates, AllocationMap, AllocationRequest, CandidateQuery, ProviderSummary, Resources } from './candidate-query.ts'

/** An inventory as a host reports it; omitted fields take placement's defaults. */
export type InventorySpec = {
  total: number
  reserved?: number
  min_unit?: number
  max_unit?: number
  step_size?: number
  allocation_ratio?: number
}

/** What a provider should look like after {@link PlacementClient.ensureProvider}. */
export type ProviderSpec = {
  uuid: string
  name: string
  inventories: Record<string, InventorySpec>
  /** The complete trait set (standard or CUSTOM_*); omitted: traits are left as they are. */
  traits?: string[]
  /** The complete aggregate set; omitted: aggregates are left as they are. */
  aggregates?: string[]
  /** Parent in a provider tree; only used when the provider is created. */
  parentProviderUuid?: string | null
}

export type ResourceProvider = {
  uuid: string
  name: string
  generation: number
  parent_provider_uuid: string | null
  root_provider_uuid: string
}

export type ConsumerAllocations = {
  allocations: Record<string, { resources: Resources; generation?: number }>
  project_id?: string
  user_id?: string
  /** Absent when the consumer has no allocations. */
  consumer_generation?: number | null
  consumer_type?: string
}

export type Claim = {
  allocations: AllocationMap
  projectId: string
  userId: string
  /** The generation the caller last saw; null (the default) claims for a consumer with no allocations yet. */
  consumerGeneration?: number | null
  /** Nova's INSTANCE (default) or MIGRATION. */
  consumerType?: string
}

/** Body of POST /allocations: consumer uuid → its complete new allocations (empty: free them). */
export type MoveBody = Record<string, {
  allocations: AllocationMap
  project_id: string
  user_id: string
  /** Omitted: the client reads the consumer's current generation itself. */
  consumer_generation?: number | null
  consumer_type?: string
}>

export type PlacementClientOptions = {
  /** Placement's root, e.g. http://127.0.0.1:8778. */
  url: string
  /** A valid token (admin or service role); asked again once when placement answers 401. */
  token: () => Promise<string>
}

/** A placement answer the client does not turn into a result; `code` is placement's error code. */
export class PlacementRequestError extends Error {
  readonly status: number
  readonly code: string | undefined
  constructor(method: string, path: string, status: number, body: unknown) {
    const first = (body as { errors?: Array<{ detail?: string; code?: string }> })?.errors?.[0]
    super(`placement ${method} ${path} answered ${status}: ${first?.detail?.replace(/\s+/g, ' ').trim() ?? JSON.stringify(body)}`)
    this.status = status
    this.code = first?.code
  }
}

export type PlacementClient = {
  /**
   * Creates the provider or brings it in line with `spec`: name, inventories, and (when given)
   * traits and aggregates; missing CUSTOM_ resource classes and traits are created first.
   * Generation conflicts with other writers are retried on fresh data. Throws when an inventory
   * to remove or shrink is in use, or the name belongs to another provider.
   */
  ensureProvider(spec: ProviderSpec): Promise<void>
  /** Deletes a provider and its inventories; an unknown provider is not an error. Throws while it has allocations or children. */
  deleteProvider(uuid: string): Promise<void>
  /** Providers by name (exact) or all of them. */
  listProviders(filter?: { name?: string; inTree?: string }): Promise<ResourceProvider[]>
  /** GET /allocation_candidates: where `query.resources` fit now, with a summary of every provider involved. */
  allocationCandidates(query: CandidateQuery): Promise<AllocationCandidates>
  /**
   * Replaces the consumer's allocations with `claim.allocations` (PUT /allocations/{consumer}).
   * True when written; false when placement refused with 409: the capacity went to someone else
   * or the consumer changed meanwhile (the scheduler tries its next candidate). Other errors throw.
   */
  claim(consumerUuid: string, claim: Claim): Promise<boolean>
  /** The consumer's allocations; `allocations` is empty when it has none. */
  getAllocations(consumerUuid: string): Promise<ConsumerAllocations>
  /**
   * POST /allocations: several consumers' allocations replaced in one transaction (how a
   * migration moves the instance's allocation to the migration record and claims the target).
   * False on a capacity conflict; consumer generations the caller left out are read and the
   * write retried when another writer got in between.
   */
  moveAllocations(body: MoveBody): Promise<boolean>
  /** Frees everything the consumer holds; a consumer without allocations is not an error. */
  deleteAllocations(consumerUuid: string): Promise<void>
  /** What a project (optionally one user in it) holds in total, by resource class. */
  usages(projectId: string, userId?: string): Promise<Resources>
  /** The provider's aggregate uuids; undefined when there is no such provider. */
  providerAggregates(uuid: string): Promise<string[] | undefined>
  /**
   * Adds and removes aggregates of a provider and keeps its others (nova's aggregate_add_host /
   * aggregate_remove_host): read with the generation, write under it, read again and retry when
   * another writer got in between. Returns the set after the change, or undefined when there is
   * no such provider. Throws a PlacementRequestError (409 placement.concurrent_update) when the
   * writes kept conflicting.
   */
  changeProviderAggregates(uuid: string, change: { add?: string[]; remove?: string[] }): Promise<{ aggregates: string[]; changed: boolean } | undefined>
}

const VERSION = PLACEMENT_VERSION
const RETRIES = 5
/** Attempts of an aggregate change under generation conflicts (nova retries aggregate_add_host 4 times). */
const AGGREGATE_ATTEMPTS = 4

type Answer = { status: number; body: any }

export function createPlacementClient(opts: PlacementClientOptions): PlacementClient {
  const base = new URL(opts.url.replace(/\/+$/, '') + '/')
  const secure = base.protocol === 'https:'
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 16 }) : new Agent({ keepAlive: true, maxSockets: 16 })
  const prefix = base.pathname.replace(/\/$/, '')

  function send(method: string, path: string, token: string, body?: unknown, version = VERSION): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers: Record<string, string | number> = {
      'x-auth-token': token, accept: 'application/json', 'openstack-api-version': `placement ${version}`,
    }
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length })
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : request)({
        agent, host: base.hostname, port: base.port || (secure ? 443 : 80), method, path: prefix + path, headers,
      }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {
            parsed = text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  async function call(method: string, path: string, body?: unknown, version?: string): Promise<Answer> {
    const first = await send(method, path, await opts.token(), body, version)
    if (first.status !== 401) return first
    return send(method, path, await opts.token(), body, version)
  }

  /** The answer when its status is one of `ok`, else a thrown PlacementRequestError. */
  async function expect(method: string, path: string, ok: number[], body?: unknown, version?: string): Promise<Answer> {
    const res = await call(method, path, body, version)
    if (!ok.includes(res.status)) throw new PlacementRequestError(method, path, res.status, res.body)
    return res
  }

  const isConcurrentUpdate = (res: Answer) =>
    res.status === 409 && res.body?.errors?.[0]?.code === 'placement.concurrent_update'

  /** Runs `attempt` again (with fresh reads inside it) while placement says another writer got in first. */
  async function retryingGenerations(what: string, attempt: () => Promise<Answer | undefined>): Promise<void> {
    for (let i = 0; ; i++) {
      const res = await attempt()
      if (!res || !isConcurrentUpdate(res)) return
      if (i >= RETRIES) throw new Error(`placement: ${what} kept conflicting with other writers`)
    }
  }

  async function ensureCustom(kind: 'resource_classes' | 'traits', names: Iterable<string>): Promise<void> {
    for (const n of names) if (n.startsWith('CUSTOM_')) await expect('PUT', `/${kind}/${n}`, [201, 204])
  }

  async function provider(uuid: string): Promise<ResourceProvider | undefined> {
    const res = await call('GET', `/resource_providers/${uuid}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new PlacementRequestError('GET', `/resource_providers/${uuid}`, res.status, res.body)
    return res.body as ResourceProvider
  }

  async function createOrRename(spec: ProviderSpec): Promise<void> {
    const found = await provider(spec.uuid)
    if (!found) {
      const res = await call('POST', '/resource_providers', {
        uuid: spec.uuid, name: spec.name, ...(spec.parentProviderUuid ? { parent_provider_uuid: spec.parentProviderUuid } : {}),
      })
      if (res.status === 200) return
      // Someone else created it meanwhile (same uuid): carry on with theirs; a name clash throws below.
      if (res.status !== 409 || !(await provider(spec.uuid))) throw new PlacementRequestError('POST', '/resource_providers', res.status, res.body)
      return createOrRename(spec)
    }
    if (found.name !== spec.name) await expect('PUT', `/resource_providers/${spec.uuid}`, [200], { name: spec.name })
  }

  const withDefaults = (i: InventorySpec) => ({
    total: i.total, reserved: i.reserved ?? 0, min_unit: i.min_unit ?? 1, max_unit: i.max_unit ?? 2147483647,
    step_size: i.step_size ?? 1, allocation_ratio: i.allocation_ratio ?? 1,
  })

  async function syncInventories(uuid: string, wanted: Record<string, InventorySpec>): Promise<void> {
    const inventories = Object.fromEntries(Object.entries(wanted).map(([rc, i]) => [rc, withDefaults(i)]))
    await retryingGenerations(`inventories of ${uuid}`, async () => {
      const cur = (await expect('GET', `/resource_providers/${uuid}/inventories`, [200])).body
      if (sameJson(cur.inventories, inventories)) return undefined
      const res = await call('PUT', `/resource_providers/${uuid}/inventories`, {
        resource_provider_generation: cur.resource_provider_generation, inventories,
      })
      if (res.status !== 200 && !isConcurrentUpdate(res)) {
        throw new PlacementRequestError('PUT', `/resource_providers/${uuid}/inventories`, res.status, res.body)
      }
      return res
    })
  }

  async function syncSet(uuid: string, kind: 'traits' | 'aggregates', wanted: string[]): Promise<void> {
    const want = [...new Set(wanted)].sort()
    await retryingGenerations(`${kind} of ${uuid}`, async () => {
      const cur = (await expect('GET', `/resource_providers/${uuid}/${kind}`, [200])).body
      if (sameJson([...cur[kind]].sort(), want)) return undefined
      const res = await call('PUT', `/resource_providers/${uuid}/${kind}`, {
        [kind]: want, resource_provider_generation: cur.resource_provider_generation,
      })
      if (res.status !== 200 && !isConcurrentUpdate(res)) {
        throw new PlacementRequestError('PUT', `/resource_providers/${uuid}/${kind}`, res.status, res.body)
      }
      return res
    })
  }

  async function generationOf(consumer: string): Promise<number | null> {
    const got = await getAllocations(consumer)
    return got.consumer_generation ?? null
  }

  async function getAllocations(consumerUuid: string): Promise<ConsumerAllocations> {
    return (await expect('GET', `/allocations/${consumerUuid}`, [200])).body as ConsumerAllocations
  }

  return {
    async ensureProvider(spec) {
      await createOrRename(spec)
      await ensureCustom('resource_classes', Object.keys(spec.inventories))
      await syncInventories(spec.uuid, spec.inventories)
      if (spec.traits) {
        await ensureCustom('traits', spec.traits)
        await syncSet(spec.uuid, 'traits', spec.traits)
      }
      if (spec.aggregates) await syncSet(spec.uuid, 'aggregates', spec.aggregates)
    },

    async deleteProvider(uuid) {
      await expect('DELETE', `/resource_providers/${uuid}`, [204, 404])
    },

    async listProviders(filter = {}) {
      const q = new URLSearchParams()
      if (filter.name !== undefined) q.set('name', filter.name)
      if (filter.inTree !== undefined) q.set('in_tree', filter.inTree)
      const qs = q.size ? `?${q}` : ''
      return (await expect('GET', `/resource_providers${qs}`, [200])).body.resource_providers as ResourceProvider[]
    },

    async allocationCandidates(query) {
      return withRoots((await expect('GET', `/allocation_candidates?${candidateSearchParams(query)}`, [200])).body)
    },

    async claim(consumerUuid, c) {
      const res = await call('PUT', `/allocations/${consumerUuid}`, {
        allocations: c.allocations, project_id: c.projectId, user_id: c.userId,
        consumer_generation: c.consumerGeneration ?? null, consumer_type: c.consumerType ?? 'INSTANCE',
      })
      if (res.status === 204) return true
      if (res.status === 409) return false
      throw new PlacementRequestError('PUT', `/allocations/${consumerUuid}`, res.status, res.body)
    },

    getAllocations,

    async moveAllocations(body) {
      const guessed = Object.entries(body).filter(([, v]) => v.consumer_generation === undefined).map(([c]) => c)
      for (let i = 0; ; i++) {
        const generations = new Map(await Promise.all(guessed.map(async (c) => [c, await generationOf(c)] as const)))
        const payload = Object.fromEntries(Object.entries(body).map(([c, v]) => [c, {
          ...v, consumer_type: v.consumer_type ?? 'INSTANCE',
          consumer_generation: v.consumer_generation === undefined ? generations.get(c) ?? null : v.consumer_generation,
        }]))
        const res = await call('POST', '/allocations', payload)
        if (res.status === 204) return true
        // A consumer generation we read ourselves went stale: read again. Any other 409 is a lost race for capacity.
        const staleGuess = isConcurrentUpdate(res) && guessed.length > 0 && /consumer generation conflict/.test(res.body?.errors?.[0]?.detail ?? '')
        if (res.status === 409 && (!staleGuess || i >= RETRIES)) return false
        if (res.status !== 409) throw new PlacementRequestError('POST', '/allocations', res.status, res.body)
      }
    },

    async deleteAllocations(consumerUuid) {
      await expect('DELETE', `/allocations/${consumerUuid}`, [204, 404])
    },

    async usages(projectId, userId) {
      const q = new URLSearchParams({ project_id: projectId })
      if (userId) q.set('user_id', userId)
      // 1.37: the flat { class: amount } form, before usages were grouped by consumer type.
      return (await expect('GET', `/usages?${q}`, [200], undefined, '1.37')).body.usages as Resources
    },

    async providerAggregates(uuid) {
      const res = await call('GET', `/resource_providers/${uuid}/aggregates`)
      if (res.status === 404) return undefined
      if (res.status !== 200) throw new PlacementRequestError('GET', `/resource_providers/${uuid}/aggregates`, res.status, res.body)
      return res.body.aggregates as string[]
    },

    async changeProviderAggregates(uuid, change) {
      const path = `/resource_providers/${uuid}/aggregates`
      const add = new Set(change.add ?? [])
      const remove = new Set(change.remove ?? [])
      for (let attempt = 1; ; attempt++) {
        const cur = await call('GET', path)
        if (cur.status === 404) return undefined
        if (cur.status !== 200) throw new PlacementRequestError('GET', path, cur.status, cur.body)
        const had = cur.body.aggregates as string[]
        const want = [...new Set([...had.filter((a) => !remove.has(a)), ...add])]
        if (sameJson([...had].sort(), [...want].sort())) return { aggregates: had, changed: false }
        const res = await call('PUT', path, { aggregates: want, resource_provider_generation: cur.body.resource_provider_generation })
        if (res.status === 200) return { aggregates: res.body.aggregates as string[], changed: true }
        if (res.status === 404) return undefined
        if (!isConcurrentUpdate(res) || attempt >= AGGREGATE_ATTEMPTS) throw new PlacementRequestError('PUT', path, res.status, res.body)
      }
    },
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as any)[k])]))
  return v
}
