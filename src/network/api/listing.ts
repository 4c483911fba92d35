/**
 * @module Neutron's collection conventions, one implementation for every resource: filters on any
 * attribute (repeated keys mean "any of"), tag filters, `fields=`, `sort_key`/`sort_dir`, and
 * `limit`/`marker`/`page_reverse` with `<collection>_links`.
 */
import type { ApiResponse } from '../../common/http/types.ts'
import { badRequest } from '../errors.ts'
import type { NetworkRequest } from './context.ts'

export type Item = Record<string, unknown>

export type CollectionSpec = {
  /** Plural key of the body, e.g. 'networks'. */
  collection: string
  /** Attributes a client may filter and sort on (the rendered keys). */
  attributes: readonly string[]
  /** Custom filters for attributes whose values are structured (e.g. ports' `fixed_ips=ip_address=…`). */
  matchers?: Record<string, (item: Item, values: string[]) => boolean>
}

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any'])

/** Query values as Neutron compares them: booleans case-insensitively, null as 'None'/'null'/''. */
function matches(value: unknown, wanted: string): boolean {
  if (value === null || value === undefined) return wanted === '' || wanted === 'None' || wanted === 'null'
  if (typeof value === 'boolean') {
    const w = wanted.toLowerCase()
    return ['true', 'false', '1', '0'].includes(w) && (w === 'true' || w === '1') === value
  }
  if (Array.isArray(value)) return value.some((v) => matches(v, wanted))
  if (typeof value === 'object') return false
  return String(value) === wanted
}

/** Applies attribute and tag filters from the query string; unknown attributes are a 400 as in Neutron. */
export function filterItems(req: NetworkRequest, spec: CollectionSpec, items: Item[]): Item[] {
  const allowed = new Set(spec.attributes)
  const filters = new Map<string, string[]>()
  for (const [k, v] of req.query) {
    if (CONTROL.has(k)) continue
    if (!allowed.has(k) && !spec.matchers?.[k]) throw badRequest(`[${k}] is invalid attribute for filtering`)
    filters.set(k, [...(filters.get(k) ?? []), v])
  }
  const tagSet = (k: string) => req.query.getAll(k).flatMap((v) => v.split(',')).filter(Boolean)
  const all = tagSet('tags'), any = tagSet('tags-any'), notAll = tagSet('not-tags'), notAny = tagSet('not-tags-any')
  return items.filter((item) => {
    for (const [k, values] of filters) {
      const custom = spec.matchers?.[k]
      if (custom) {
        if (!custom(item, values)) return false
      } else if (!values.some((w) => matches(item[k], w))) {
        return false
      }
    }
    if (all.length || any.length || notAll.length || notAny.length) {
      const tags = new Set((item.tags as string[] | undefined) ?? [])
      if (all.length && !all.every((t) => tags.has(t))) return false
      if (any.length && !any.some((t) => tags.has(t))) return false
      if (notAll.length && notAll.every((t) => tags.has(t))) return false
      if (notAny.length && notAny.some((t) => tags.has(t))) return false
    }
    return true
  })
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return String(a) < String(b) ? -1 : 1
}

/** Sorts by `sort_key`/`sort_dir` pairs, then by id so pages are stable. */
export function sortItems(req: NetworkRequest, spec: CollectionSpec, items: Item[]): Item[] {
  const keys = req.query.getAll('sort_key')
  const dirs = req.query.getAll('sort_dir')
  if (dirs.length > keys.length) throw badRequest('The number of sort_keys and sort_dirs must be same')
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw badRequest(`Sort direction ${d} is invalid. Must be one of asc, desc.`)
  for (const k of keys) if (!spec.attributes.includes(k)) throw badRequest(`${k} is an invalid attribute for sort_keys`)
  const order = keys.map((k, i) => ({ k, sign: dirs[i] === 'desc' ? -1 : 1 }))
  if (!keys.includes('id')) order.push({ k: 'id', sign: order[0]?.sign ?? 1 })
  return [...items].sort((a, b) => {
    for (const { k, sign } of order) {
      const c = compare(a[k], b[k])
      if (c) return c * sign
    }
    return 0
  })
}

/** Keeps only the requested `fields` (all when none are asked for). */
export function pickFields(req: NetworkRequest, item: Item): Item {
  const fields = req.query.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean)
  if (!fields.length) return item
  const out: Item = {}
  for (const f of fields) if (f in item) out[f] = item[f]
  return out
}

function parseLimit(req: NetworkRequest): number | undefined {
  const raw = req.query.get('limit')
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw badRequest(`Bad limit request: Limit must be an integer 0 or greater and not '${raw}'.`)
  const n = Number(raw)
  if (n < 0) throw badRequest(`Bad limit request: Limit must be an integer 0 or greater and not '${raw}'.`)
  return n === 0 ? undefined : n
}

/**
 * The whole list response: filter, sort, page, then pick fields. `items` are already rendered and
 * already limited to what the caller may see. Links appear only when paging is asked for, as Neutron.
 */
export function listResponse(req: NetworkRequest, spec: CollectionSpec, items: Item[]): ApiResponse {
  let rows = sortItems(req, spec, filterItems(req, spec, items))
  const limit = parseLimit(req)
  const marker = req.query.get('marker')
  const reverse = req.query.get('page_reverse')?.toLowerCase() === 'true'
  const links: { rel: string; href: string }[] = []
  if (limit !== undefined || marker) {
    if (reverse) rows = rows.reverse()
    let start = 0
    if (marker) {
      const at = rows.findIndex((r) => r.id === marker)
      if (at < 0) throw badRequest(`Marker ${marker} could not be found.`)
      start = at + 1
    }
    const page = limit === undefined ? rows.slice(start) : rows.slice(start, start + limit)
    const more = limit !== undefined && start + limit < rows.length
    const link = (rel: string, m: string, rev: boolean) => {
      const q = new URLSearchParams(req.query)
      q.set('marker', m)
      if (rev) q.set('page_reverse', 'True'); else q.delete('page_reverse')
      return { rel, href: `${req.baseUrl}${req.path}?${q}` }
    }
    const shown = reverse ? [...page].reverse() : page
    if (shown.length) {
      const first = String(shown[0].id), last = String(shown[shown.length - 1].id)
      if (reverse ? start > 0 : more) links.push(link('next', last, false))
      if (reverse ? more : start > 0) links.push(link('previous', first, true))
    }
    rows = shown
  }
  const body: Record<string, unknown> = { [spec.collection]: rows.map((r) => pickFields(req, r)) }
  if (links.length) body[`${spec.collection}_links`] = links
  return { status: 200, body }
}

/** One resource with `fields=` applied, as `{ <resource>: {...} }`. */
export function showResponse(req: NetworkRequest, resource: string, item: Item, status = 200): ApiResponse {
  return { status, body: { [resource]: pickFields(req, item) } }
}
