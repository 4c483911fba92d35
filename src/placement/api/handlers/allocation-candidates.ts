/**
 * GET /allocation_candidates (1.10): where a request of resource groups fits now, with a summary of
 * every provider of the trees involved. Query shape by microversion: limit 1.16, required 1.17,
 * member_of 1.21, granular groups and group_policy 1.25, in_tree 1.31, string suffixes 1.33,
 * root_required 1.35; output: dict allocations 1.12, traits 1.17, tree fields 1.29, mappings 1.34.
 */
import { errorCodes, PlacementBadRequest } from '../../errors.ts'
import type { ProviderConditions, TreeInventory, TreeProvider, Trees } from '../../db/candidates.ts'
import type { IndexedProviders } from '../../db/candidate-index.ts'
import { findProvider } from '../../db/providers.ts'
import { atLeast, checkQueryKeys, enforce, json, queryValue, type PlacementDeps, type PlacementQuery, type PlacementRequest, type PlacementRoute } from '../context.ts'
import { searchCandidates, type Candidate, type SearchGroup } from '../candidate-search.ts'
import { isUuidLike } from '../json-schema.ts'
import { classIds, parseMemberOf, parseResources, parseTraits, traitIds } from '../query-params.ts'
import { canonicalUuid } from './resource-providers.ts'

/** Its fields by microversion: dict allocations from 1.12, mappings 1.34; summary traits 1.17, tree fields 1.29. */
export type CandidatesBody = {
  allocation_requests: Array<{ allocations: unknown; mappings?: Record<string, string[]> }>
  provider_summaries: Record<string, {
    resources: Record<string, { capacity: number; used: number }>
    traits?: string[]
    parent_provider_uuid?: string | null
    root_provider_uuid?: string
  }>
}

type ParsedGroup = { suffix: string; resources: Map<number, number>; conditions: ProviderConditions; requiredTraits: number[][]; forbiddenTraits: number[] }

const PREFIXES = ['resources', 'required', 'member_of', 'in_tree'] as const

function suffixPattern(req: PlacementQuery): RegExp {
  return atLeast(req, 33) ? /^[a-zA-Z0-9_-]{1,64}$/ : /^[1-9][0-9]*$/
}

/** The request groups by suffix ('' is the unnamed group), keys checked against the microversion. */
function groupKeys(req: PlacementQuery): Map<string, Set<string>> {
  const allowed: Array<string | RegExp> = ['resources']
  if (atLeast(req, 16)) allowed.push('limit')
  if (atLeast(req, 17)) allowed.push('required')
  if (atLeast(req, 21)) allowed.push('member_of')
  if (atLeast(req, 25)) allowed.push('group_policy', /^(resources|required|member_of)[a-zA-Z0-9_-]+$/)
  if (atLeast(req, 31)) allowed.push('in_tree', /^in_tree[a-zA-Z0-9_-]+$/)
  if (atLeast(req, 35)) allowed.push('root_required')
  if (atLeast(req, 36)) allowed.push('same_subtree')
  checkQueryKeys(req, allowed)
  const groups = new Map<string, Set<string>>()
  for (const key of new Set(req.query.keys())) {
    const prefix = PREFIXES.find((p) => key.startsWith(p))
    if (!prefix) continue
    const suffix = key.slice(prefix.length)
    if (suffix && !suffixPattern(req).test(suffix)) {
      throw new PlacementBadRequest(`Invalid query string parameters: Additional properties are not allowed ('${key}' was unexpected)`)
    }
    let set = groups.get(suffix)
    if (!set) groups.set(suffix, set = new Set())
    set.add(prefix)
  }
  return groups
}

async function parseGroups(deps: PlacementDeps, req: PlacementQuery): Promise<ParsedGroup[]> {
  const keys = groupKeys(req)
  const out: ParsedGroup[] = []
  for (const [suffix, prefixes] of keys) {
    if (!prefixes.has('resources')) {
      if (prefixes.has('required')) {
        throw new PlacementBadRequest(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: required${suffix}`)
      }
      if (prefixes.has('member_of')) {
        throw new PlacementBadRequest(`All member_of parameters must be associated with resources. Found the following orphaned member_of keys: member_of${suffix}`)
      }
      throw new PlacementBadRequest('All request groups must specify resources.')
    }
    const resources = await classIds(deps.names, parseResources(queryValue(req, `resources${suffix}`)!))
    const traits = prefixes.has('required')
      ? await traitIds(deps.names, parseTraits(req, `required${suffix}`), '')
      : { required: [], forbidden: [] }
    const conflicts = traits.required.filter((any) => any.every((t) => traits.forbidden.includes(t)))
    if (conflicts.length) {
      const names = await Promise.all(conflicts.map(async (any) => `required${suffix}: (${(await Promise.all(any.map((t) => deps.names.traits.name(t)))).sort().join(', ')})`))
      throw new PlacementBadRequest(`Conflicting required and forbidden traits found in the following traits keys: ${names.sort().join(', ')}`)
    }
    const conditions: ProviderConditions = {}
    if (prefixes.has('member_of')) {
      const m = parseMemberOf(req, `member_of${suffix}`)
      conditions.memberOf = m.required
      conditions.forbiddenAggregates = m.forbidden
    }
    if (prefixes.has('in_tree')) {
      const v = queryValue(req, `in_tree${suffix}`)!
      if (!isUuidLike(v)) throw new PlacementBadRequest(`Expected in_tree${suffix} parameter to be a format of uuid. Got: ${v}`)
      const anchor = await findProvider(deps.db, canonicalUuid(v))
      conditions.rootId = anchor ? anchor.root_id : -1
    }
    if (suffix !== '') {
      // A granular group's provider must itself carry the traits: filter in SQL.
      conditions.requiredTraits = traits.required
      conditions.forbiddenTraits = traits.forbidden
      out.push({ suffix, resources, conditions, requiredTraits: [], forbiddenTraits: [] })
    } else {
      conditions.forbiddenTraits = traits.forbidden
      out.push({ suffix, resources, conditions, requiredTraits: traits.required, forbiddenTraits: traits.forbidden })
    }
  }
  if (!out.length) {
    throw new PlacementBadRequest('There must be at least one resources or resources[$S] parameter.', errorCodes.queryMissingValue)
  }
  return out.sort((a, b) => (a.suffix === '' ? -1 : b.suffix === '' ? 1 : a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0))
}

async function rootTraits(deps: PlacementDeps, req: PlacementQuery): Promise<{ required: number[]; forbidden: number[] }> {
  const values = req.query.getAll('root_required')
  if (!values.length) return { required: [], forbidden: [] }
  if (values.length > 1) throw new PlacementBadRequest("Query parameter 'root_required' may be specified only once.", errorCodes.duplicateQueryParam)
  const all = values[0].split(',').map((s) => s.trim())
  const required = all.filter((t) => !t.startsWith('!'))
  const forbidden = all.filter((t) => t.startsWith('!')).map((t) => t.slice(1))
  if (all.some((t) => !t || t === '!')) {
    throw new PlacementBadRequest(`Invalid query string parameters: Expected 'root_required' parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got an empty trait in: ${values[0]}`)
  }
  const clash = required.filter((t) => forbidden.includes(t))
  if (clash.length) throw new PlacementBadRequest(`Conflicting required and forbidden traits found in root_required: ${clash.join(', ')}`)
  const ids = await traitIds(deps.names, { required: required.map((t) => [t]), forbidden }, '')
  return { required: ids.required.map((a) => a[0]), forbidden: ids.forbidden }
}

function parseLimit(req: PlacementQuery): number | undefined {
  const v = queryValue(req, 'limit')
  if (v === undefined) return undefined
  if (!/^[1-9][0-9]*$/.test(v)) throw new PlacementBadRequest(`Invalid query string parameters: '${v}' does not match '^[1-9][0-9]*$'`)
  return Number(v)
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

async function list(deps: PlacementDeps, req: PlacementRequest) {
  enforce(deps, req, 'placement:allocation_candidates:list')
  return json(req, await allocationCandidatesFor(deps, req))
}

/**
 * The answer's body (allocation_requests and provider_summaries) to a query at a microversion;
 * the caller has been authorized. The in-process path (../../local.ts) asks it directly.
 */
export async function allocationCandidatesFor(deps: PlacementDeps, req: PlacementQuery): Promise<CandidatesBody> {
  const groups = await parseGroups(deps, req)
  const policy = queryValue(req, 'group_policy')
  if (policy !== undefined && !['none', 'isolate'].includes(policy)) {
    throw new PlacementBadRequest(`Invalid query string parameters: '${policy}' is not one of ['none', 'isolate']`)
  }
  if (policy === undefined && groups.filter((g) => g.suffix !== '').length > 1) {
    throw new PlacementBadRequest('The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.')
  }
  if (req.query.has('same_subtree')) {
    // Not built yet: refusing beats answering as if the constraint were met.
    throw new PlacementBadRequest('The same_subtree parameter is not supported by this placement service yet.', errorCodes.queryBadValue)
  }
  const limit = parseLimit(req)
  const root = await rootTraits(deps, req)

  const index = await deps.candidates.current()
  // The trees with room for the first group's first class; the rest is decided on their providers.
  const [anchorRc, anchorAmount] = [...groups[0].resources][0]
  const roots = rootsWithRoom(index, anchorRc, anchorAmount, groups[0].conditions.rootId)
  const randomize = deps.config.randomizeAllocationCandidates
  const breadthFirst = deps.config.allocationCandidatesGenerationStrategy === 'breadth-first'
  const search = (trees: Trees, max: number) => searchTrees(req, groups, trees, { policy, root, max, breadthFirst })

  if (limit === undefined || breadthFirst || deps.config.maxAllocationCandidates >= 0) {
    const trees = treesOf(index, roots)
    const found = search(trees, deps.config.maxAllocationCandidates)
    let candidates = randomize ? shuffle(found.candidates) : found.candidates
    if (limit !== undefined) candidates = candidates.slice(0, limit)
    return render(deps, req, groups, candidates, found.providers, trees.inventories, trees.traits)
  }

  // Under a limit only as many trees are searched as the answer needs, a page at a time: the
  // scheduler's cost then follows its limit, not the size of the cloud. Random order samples the trees uniformly.
  if (randomize) shuffle(roots)
  const providers = new Map<number, TreeProvider>()
  const inventories: TreeInventory[] = []
  let candidates: Candidate[] = []
  for (let at = 0, size = Math.max(limit, 16); at < roots.length && candidates.length < limit; at += size, size = Math.min(size * 2, 2000)) {
    const page = roots.slice(at, at + size)
    if (randomize) page.sort((a, b) => a - b)
    const trees = treesOf(index, page)
    // In id order a page may stop at what is still needed; a random page is kept whole so the sample stays uniform.
    const found = search(trees, randomize ? -1 : limit - candidates.length)
    candidates.push(...found.candidates)
    for (const [id, p] of found.providers) providers.set(id, p)
    inventories.push(...trees.inventories)
  }
  candidates = (randomize ? shuffle(candidates) : candidates).slice(0, limit)
  return render(deps, req, groups, candidates, providers, inventories, index.traits)
}

/** Roots (ascending) of the trees where some provider has room for `amount` of class `rc`. */
function rootsWithRoom(index: IndexedProviders, rc: number, amount: number, rootId: number | undefined): number[] {
  const roots = new Set<number>()
  for (const [id, list] of index.inventories) {
    const i = list.find((x) => x.rc === rc)
    if (!i || i.used + amount > (i.total - i.reserved) * i.ratio) continue
    const root = index.providers.get(id)?.rootId
    if (root !== undefined && (rootId === undefined || root === rootId)) roots.add(root)
  }
  return [...roots].sort((a, b) => a - b)
}

/** The providers, inventories, traits and aggregates of these trees, taken from the index now. */
function treesOf(index: IndexedProviders, roots: number[]): Trees {
  const t: Trees = { providers: [], inventories: [], traits: index.traits, aggregates: index.aggregates }
  for (const root of roots) {
    for (const id of index.trees.get(root) ?? []) {
      t.providers.push(index.providers.get(id)!)
      t.inventories.push(...(index.inventories.get(id) ?? []))
    }
  }
  return t
}

/** The candidates of some trees, and the providers they may be drawn from. */
function searchTrees(
  req: PlacementQuery, groups: ParsedGroup[], trees: Trees,
  o: { policy: string | undefined; root: { required: number[]; forbidden: number[] }; max: number; breadthFirst: boolean },
): { candidates: Candidate[]; providers: Map<number, TreeProvider> } {
  let providers = new Map(trees.providers.map((p) => [p.id, p]))
  if (!atLeast(req, 29)) {
    // Before 1.29 placement was not nested-aware: trees of more than one provider take no part.
    const size = new Map<number, number>()
    for (const p of providers.values()) size.set(p.rootId, (size.get(p.rootId) ?? 0) + 1)
    providers = new Map([...providers].filter(([, p]) => size.get(p.rootId) === 1))
  }
  const inventories = new Map(trees.inventories.map((i) => [`${i.providerId}:${i.rc}`, i]))
  const searchGroups: SearchGroup[] = groups.map((g) => ({
    suffix: g.suffix, resources: g.resources, requiredTraits: g.requiredTraits, forbiddenTraits: g.forbiddenTraits,
    fits: fitting(g, trees),
  }))
  const candidates = searchCandidates({
    groups: searchGroups, isolate: o.policy === 'isolate', providers, inventories, traits: trees.traits,
    rootRequired: o.root.required, rootForbidden: o.root.forbidden, max: o.max, breadthFirst: o.breadthFirst,
  })
  return { candidates, providers }
}

/** Per class of the group: the providers whose inventory alone has room and that meet the group's conditions. */
function fitting(g: ParsedGroup, trees: Trees): Map<number, Set<number>> {
  const c = g.conditions
  const rootOf = new Map(trees.providers.map((p) => [p.id, p.rootId]))
  const aggregatesOf = (id: number) => {
    const own = trees.aggregates.get(id)
    const root = trees.aggregates.get(rootOf.get(id)!)
    return (u: string) => own?.has(u) === true || root?.has(u) === true
  }
  const meets = (id: number): boolean => {
    if (c.rootId !== undefined && rootOf.get(id) !== c.rootId) return false
    const traits = trees.traits.get(id)
    if (c.requiredTraits?.some((any) => !any.some((t) => traits?.has(t)))) return false
    if (c.forbiddenTraits?.some((t) => traits?.has(t))) return false
    if (c.memberOf?.length || c.forbiddenAggregates?.length) {
      const inAgg = aggregatesOf(id)
      if (c.memberOf?.some((any) => !any.some(inAgg))) return false
      if (c.forbiddenAggregates?.some(inAgg)) return false
    }
    return true
  }
  const out = new Map<number, Set<number>>([...g.resources.keys()].map((rc) => [rc, new Set<number>()]))
  const verdict = new Map<number, boolean>()
  for (const i of trees.inventories) {
    const amount = g.resources.get(i.rc)
    if (amount === undefined) continue
    if (i.used + amount > (i.total - i.reserved) * i.ratio || amount < i.min || amount > i.max || amount % i.step !== 0) continue
    let ok = verdict.get(i.providerId)
    if (ok === undefined) verdict.set(i.providerId, ok = meets(i.providerId))
    if (ok) out.get(i.rc)!.add(i.providerId)
  }
  return out
}

async function render(
  deps: PlacementDeps, req: PlacementQuery, groups: ParsedGroup[], candidates: Candidate[],
  providers: Map<number, TreeProvider>, inventories: TreeInventory[], traits: Map<number, Set<number>>,
): Promise<CandidatesBody> {
  const uuid = (id: number) => providers.get(id)!.uuid
  await deps.names.classes.ensureIds(inventories.map((i) => i.rc))
  const rcName = (rc: number) => deps.names.classes.nameOf(rc)
  const requests = candidates.map((c) => {
    const byProvider = new Map<number, Record<string, number>>()
    const mappings: Record<string, string[]> = {}
    c.picks.forEach((pick, gi) => {
      const g = groups[gi]
      for (const [rc, rp] of pick) {
        const res = byProvider.get(rp) ?? {}
        res[rcName(rc)] = (res[rcName(rc)] ?? 0) + g.resources.get(rc)!
        byProvider.set(rp, res)
        const m = (mappings[g.suffix] ??= [])
        if (!m.includes(uuid(rp))) m.push(uuid(rp))
      }
    })
    const ordered = [...byProvider].sort((a, b) => a[0] - b[0])
    if (!atLeast(req, 12)) {
      return { allocations: ordered.map(([rp, resources]) => ({ resource_provider: { uuid: uuid(rp) }, resources })) }
    }
    return {
      allocations: Object.fromEntries(ordered.map(([rp, resources]) => [uuid(rp), { resources }])),
      ...(atLeast(req, 34) ? { mappings } : {}),
    }
  })
  // Summaries: from 1.29 every provider of the trees in the answer, before only those in a request.
  const inAnswer = new Set<number>()
  const rootsInAnswer = new Set(candidates.map((c) => c.rootId))
  for (const c of candidates) for (const pick of c.picks) for (const rp of pick.values()) inAnswer.add(rp)
  const summarised = [...providers.values()].filter((p) => (atLeast(req, 29) ? rootsInAnswer.has(p.rootId) : inAnswer.has(p.id)))
  const requested = new Set(groups.flatMap((g) => [...g.resources.keys()]))
  const invByProvider = new Map<number, TreeInventory[]>()
  for (const i of inventories) {
    if (!atLeast(req, 27) && !requested.has(i.rc)) continue
    const l = invByProvider.get(i.providerId) ?? []
    l.push(i)
    invByProvider.set(i.providerId, l)
  }
  const traitIdsInUse = new Set(summarised.flatMap((p) => [...(traits.get(p.id) ?? [])]))
  await deps.names.traits.ensureIds(traitIdsInUse)
  const summaries: CandidatesBody['provider_summaries'] = {}
  for (const p of summarised) {
    const s: CandidatesBody['provider_summaries'][string] = {
      resources: Object.fromEntries((invByProvider.get(p.id) ?? []).map((i) => [rcName(i.rc), {
        capacity: Math.trunc((i.total - i.reserved) * i.ratio), used: i.used,
      }])),
    }
    if (atLeast(req, 17)) s.traits = [...(traits.get(p.id) ?? [])].map((t) => deps.names.traits.nameOf(t)).sort()
    if (atLeast(req, 29)) {
      s.parent_provider_uuid = p.parentId === null ? null : providers.get(p.parentId)?.uuid ?? null
      s.root_provider_uuid = providers.get(p.rootId)?.uuid ?? p.uuid
    }
    summaries[p.uuid] = s
  }
  return { allocation_requests: requests, provider_summaries: summaries }
}

export const allocationCandidateRoutes: PlacementRoute[] = [
  ['GET', '/allocation_candidates', list, { minMinor: 10 }],
]
