/**
 * @module GET /allocation_candidates as a caller asks it and reads it: the query string built from
 * a {@link CandidateQuery}, and the answer with each request's root provider. Shared by the HTTP
 * client and the in-process path (local.ts), so both ask the same question and read the same answer.
 */
export type Resources = Record<string, number>

/** provider uuid → what the consumer takes from it. */
export type AllocationMap = Record<string, { resources: Resources }>

export type AllocationRequest = { allocations: AllocationMap; mappings?: Record<string, string[]> }

export type ProviderSummary = {
  resources: Record<string, { capacity: number; used: number }>
  traits: string[]
  parent_provider_uuid: string | null
  root_provider_uuid: string
}

export type AllocationCandidates = {
  /** The root provider of each allocation request, in the order placement returned them. */
  providers: string[]
  allocation_requests: AllocationRequest[]
  provider_summaries: Record<string, ProviderSummary>
}

export type CandidateQuery = {
  resources: Resources
  /** Traits the providers must have; a nested list is one any-of group (`in:A,B`). */
  required?: Array<string | string[]>
  forbidden?: string[]
  /** Each inner list: member of at least one of these aggregates; the lists are AND'ed. */
  memberOf?: string[][]
  /** Only providers in the tree of this provider. */
  inTree?: string
  limit?: number
}

/** The microversion compute asks placement for. */
export const PLACEMENT_VERSION = '1.39'

/** The query string of GET /allocation_candidates for `query`. */
export function candidateSearchParams(query: CandidateQuery): URLSearchParams {
  const q = new URLSearchParams()
  q.set('resources', Object.entries(query.resources).map(([rc, n]) => `${rc}:${n}`).join(','))
  const plain = (query.required ?? []).filter((r): r is string => typeof r === 'string')
  const traits = [...plain, ...(query.forbidden ?? []).map((t) => `!${t}`)]
  if (traits.length) q.append('required', traits.join(','))
  for (const any of query.required ?? []) if (Array.isArray(any)) q.append('required', `in:${any.join(',')}`)
  for (const aggs of query.memberOf ?? []) q.append('member_of', aggs.length > 1 ? `in:${aggs.join(',')}` : aggs[0])
  if (query.inTree) q.set('in_tree', query.inTree)
  if (query.limit !== undefined) q.set('limit', String(query.limit))
  return q
}

/** The answer's body with the root provider of each allocation request. */
export function withRoots(body: { allocation_requests: AllocationRequest[]; provider_summaries: Record<string, ProviderSummary> }): AllocationCandidates {
  const summaries = body.provider_summaries
  const providers = body.allocation_requests.map((r) => {
    let first: string | undefined
    for (const p in r.allocations) {
      first = p
      break
    }
    return (first !== undefined && summaries[first]?.root_provider_uuid) || first!
  })
  return { providers, allocation_requests: body.allocation_requests, provider_summaries: summaries }
}
