/**
 * @module Query parameters and links of Nova's list APIs: limit and marker, strict booleans
 * (oslo's bool_from_string), ISO times, the 2.75-style refusal of unknown parameters, and the
 * self/bookmark/next links of collections.
 */
import { parseUtc } from '../../common/db/columns.ts'
import { badRequest } from '../errors.ts'
import { linkBase, versionOf, type ComputeRequest } from './context.ts'
import { atLeast } from './microversion.ts'

/** A non-negative integer parameter, worded as Nova's query schema words a bad one. */
export function intQuery(req: ComputeRequest, name: string, min = 0): number | undefined {
  const v = req.query.get(name)
  if (v === null) return undefined
  if (!/^\d+$/.test(v.trim())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' does not match '^[0-9]*$'`)
  const n = Number(v)
  if (n < min) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. ${n} is less than the minimum of ${min}`)
  return n
}

/** `limit` (capped at maxLimit, as osapi_max_limit) and `marker`. */
export function limitAndMarker(req: ComputeRequest, maxLimit: number): { limit: number; marker: string | undefined } {
  const limit = Math.min(intQuery(req, 'limit') ?? maxLimit, maxLimit)
  return { limit, marker: req.query.get('marker') ?? undefined }
}

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes'])
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no'])

/** oslo's bool_from_string(strict=True): undefined when unrecognised. */
export function strictBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase()
  if (TRUE.has(s)) return true
  if (FALSE.has(s)) return false
  return undefined
}

/** oslo's bool_from_string(strict=False): anything unrecognised is false. */
export const looseBool = (v: string | null | undefined): boolean => v !== null && v !== undefined && TRUE.has(v.trim().toLowerCase())

/** A time parameter (ISO 8601; a space stands for the '+' a URL turned into one). */
/** ISO 8601 as Python's iso8601.parse_date takes it: a date, optionally a time, optionally a zone. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i

/** A time parameter (changes-since, changes-before), in UTC; anything but ISO 8601 is a 400. */
export function timeQuery(req: ComputeRequest, name: string): string | undefined {
  const v = req.query.get(name)
  if (v === null) return undefined
  // A '+' of the zone arrives as a space when the client did not escape it.
  const text = v.replace(/(\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}(?::?\d{2})?)$/, '$1+$2')
  const t = ISO_8601.test(text) ? parseUtc(text.replace(',', '.')) : NaN
  if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`)
  return new Date(t).toISOString()
}

/** From microversion `since` on (2.75 for most lists), parameters a list does not know are a 400. */
export function rejectUnknownQuery(req: ComputeRequest, known: readonly string[], since: string): void {
  if (!atLeast(versionOf(req), since)) return
  for (const k of new Set(req.query.keys())) {
    if (!known.includes(k)) throw badRequest(`Invalid input for query parameters ${k}. Additional properties are not allowed ('${k}' was unexpected)`)
  }
}

/** Query parameters given more than once or not at all: the last one wins, as webob's `GET.get`. */
export const lastQuery = (req: ComputeRequest, name: string): string | null => req.query.getAll(name).at(-1) ?? null

/** A resource's self and bookmark links. */
export function resourceLinks(req: ComputeRequest, collection: string, id: string | number): Array<{ rel: string; href: string }> {
  const base = linkBase(req)
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ]
}

/** The `next` link when a page is full (Nova's _get_collection_links), else undefined. */
export function nextLinks(req: ComputeRequest, path: string, page: number, limit: number, lastId: string | undefined): Array<{ rel: string; href: string }> | undefined {
  if (!limit || page !== limit || lastId === undefined) return undefined
  const params = new URLSearchParams([...req.query].filter(([k]) => k !== 'marker').sort(([a], [b]) => a.localeCompare(b)))
  params.set('marker', lastId)
  return [{ rel: 'next', href: `${linkBase(req)}/v2.1/${path}?${params}` }]
}
