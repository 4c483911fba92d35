/**
 * @module GET /v2/images query parameters → a list query, with Glance's rules and messages:
 * `limit`, `marker`, `member_status`, repeated `tag`, `sort=k:d,…` or `sort_key`/`sort_dir`,
 * `visibility`, `os_hidden`, `protected`, `name|id|status|container_format|disk_format=[eq:|in:]…`,
 * `created_at|updated_at=<op>:<ISO time>`, `<column>_min/_max`, other columns by equality and
 * anything else as a custom property.
 */
import { BadRequest } from '../../common/errors.ts'
import type { ColumnFilter, FilterOp, MemberStatusFilter, SortDir } from '../db/image-list.ts'
import { numericColumns } from '../db/image-list.ts'
import type { ImageRow } from '../db/schema.ts'

export const sortKeys = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at']
const operatorColumns = new Set(['name', 'id', 'status', 'container_format', 'disk_format'])
const timeColumns = new Set(['created_at', 'updated_at'])
/** Image columns a plain `key=value` filters on (Glance: hasattr(models.Image, key)). */
const equalityColumns = new Set(['size', 'virtual_size', 'min_disk', 'min_ram', 'owner', 'checksum', 'os_hash_algo', 'os_hash_value'])
const rangeColumns = new Set(['size', 'virtual_size', 'min_disk', 'min_ram'])
const visibilityValues = ['community', 'public', 'private', 'shared', 'all']

export type ParsedListParams = {
  limit: number
  marker: string | undefined
  memberStatus: MemberStatusFilter
  visibility: string | undefined
  osHidden: boolean
  filters: ColumnFilter[]
  properties: Record<string, string>
  tags: string[]
  sortKeys: string[]
  sortDirs: SortDir[]
}

export function parseListParams(query: URLSearchParams, limits: { defaultLimit: number; maxLimit: number }): ParsedListParams {
  const params = new Map<string, string[]>()
  for (const [k, v] of query) params.set(k, [...(params.get(k) ?? []), v])
  const take = (k: string): string | undefined => {
    const v = params.get(k)?.[0]
    params.delete(k)
    return v
  }
  const takeAll = (k: string): string[] => {
    const v = params.get(k) ?? []
    params.delete(k)
    return v
  }

  const limitRaw = take('limit')
  const marker = take('marker')
  const memberStatus = take('member_status') ?? 'accepted'
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw new BadRequest(`Invalid status: ${memberStatus}`)
  const tags = takeAll('tag').map((t) => t.trim())
  const { keys, dirs } = sorting(params, take, takeAll)

  const visibility = take('visibility')
  if (visibility && !visibilityValues.includes(visibility)) throw new BadRequest(`Invalid visibility value: ${visibility}`)
  if (params.has('changes-since')) throw new BadRequest('The "changes-since" filter is no longer available on v2.')
  const osHidden = (take('os_hidden') ?? 'false').toLowerCase()
  if (osHidden !== 'true' && osHidden !== 'false') {
    throw new BadRequest(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`)
  }
  const filters: ColumnFilter[] = []
  const isProtected = take('protected')
  if (isProtected !== undefined) {
    if (isProtected !== 'true' && isProtected !== 'false') {
      throw new BadRequest(`Invalid value '${isProtected}' for 'protected' filter. Valid values are 'true' or 'false'.`)
    }
    filters.push({ column: 'protected', op: 'eq', value: isProtected === 'true' ? 1 : 0 })
  }

  const properties: Record<string, string> = {}
  for (const [key, values] of params) {
    const value = values[0]
    const rangeBase = key.replace(/_(min|max)$/, '')
    if (rangeBase !== key && rangeColumns.has(rangeBase)) {
      if (!/^\s*[-+]?\d+\s*$/.test(value)) throw new BadRequest('Unable to filter on a range with a non-numeric value.')
      filters.push({ column: rangeBase as keyof ImageRow, op: key.endsWith('_min') ? 'gte' : 'lte', value: Number(value) })
    } else if (timeColumns.has(key)) {
      filters.push(timeFilter(key, value))
    } else if (operatorColumns.has(key)) {
      filters.push(operatorFilter(key, value))
    } else if (equalityColumns.has(key)) {
      filters.push({ column: key as keyof ImageRow, op: 'eq', value: numericColumns.has(key) ? Number(value) : value })
    } else {
      properties[key] = value
    }
  }

  let limit = limits.defaultLimit
  if (limitRaw !== undefined) {
    if (!/^\s*[-+]?\d+\s*$/.test(limitRaw)) throw new BadRequest('limit param must be an integer')
    limit = Number(limitRaw)
    if (limit < 0) throw new BadRequest('limit param must be positive')
  }
  return {
    limit: Math.min(limits.maxLimit, limit), marker, memberStatus: memberStatus as MemberStatusFilter, visibility,
    osHidden: osHidden === 'true', filters, properties, tags, sortKeys: keys, sortDirs: dirs,
  }
}

/** `sort=name:asc,size` (new syntax) or repeated sort_key/sort_dir (classic); never both. */
function sorting(
  params: Map<string, string[]>, take: (k: string) => string | undefined, takeAll: (k: string) => string[],
): { keys: string[]; dirs: SortDir[] } {
  const keys: string[] = []
  const dirs: SortDir[] = []
  const sort = take('sort')
  if (sort !== undefined) {
    if (params.has('sort_key') || params.has('sort_dir')) throw new BadRequest('Old and new sorting syntax cannot be combined')
    for (const part of sort.trim().split(',')) {
      const [key, dir] = [part.split(':')[0], part.includes(':') ? part.slice(part.indexOf(':') + 1) : '']
      keys.push(sortKey(key.trim()))
      dirs.push(sortDir((dir || 'desc').trim()))
    }
  } else {
    keys.push(...takeAll('sort_key').map((k) => sortKey(k.trim())))
    dirs.push(...takeAll('sort_dir').map((d) => sortDir(d.trim())))
    if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys')
  }
  return { keys: keys.length ? keys : ['created_at'], dirs: dirs.length ? dirs : ['desc'] }
}

function sortKey(key: string): string {
  if (!sortKeys.includes(key)) {
    throw new BadRequest(`Invalid sort key: ${key}. It must be one of the following: ${sortKeys.join(', ')}.`)
  }
  return key
}

function sortDir(dir: string): SortDir {
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction: ${dir}`)
  return dir
}

/** Glance's split_filter_op: `op:value`, except that a bare ISO time (which has colons) means eq. */
function splitOperator(expression: string): { op: string; value: string } {
  const colon = expression.indexOf(':')
  if (colon < 0 || parseIsoTime(expression) !== undefined) return { op: 'eq', value: expression }
  return { op: expression.slice(0, colon), value: expression.slice(colon + 1) }
}

function operatorFilter(column: string, expression: string): ColumnFilter {
  const { op, value } = splitOperator(expression)
  if (op === 'in') return { column: column as keyof ImageRow, op: 'in', value: splitQuoted(value) }
  if (op === 'eq') return { column: column as keyof ImageRow, op: 'eq', value }
  throw new BadRequest(`Unable to filter by unknown operator '${op}'.`)
}

function timeFilter(column: string, expression: string): ColumnFilter {
  const { op, value } = splitOperator(expression)
  const time = parseIsoTime(value)
  if (time === undefined) throw new BadRequest(`Bad "${column}" query filter format. Use ISO 8601 DateTime notation.`)
  if (!['gt', 'gte', 'lt', 'lte', 'neq', 'eq'].includes(op)) throw new BadRequest('Unable to filter on a unknown operator.')
  return { column: column as keyof ImageRow, op: op as FilterOp, value: time.toISOString() }
}

/** ISO 8601 as oslo's parse_isotime reads it (a time without zone is UTC); undefined when it is not one. */
export function parseIsoTime(s: string): Date | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s.trim())
  if (!m) return undefined
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m
  const tz = /^z$/i.test(zone) ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  const ms = frac ? frac.slice(0, 4).padEnd(4, '0') : ''
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}${ms}${tz}`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Glance's split_filter_value_for_quotes: comma-separated values, double quotes protect commas. */
export function splitQuoted(value: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < value.length) {
    if (value[i] === '"') {
      let j = i + 1
      let token = ''
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < value.length) {
          token += value[j] + value[j + 1]
          j += 2
          continue
        }
        token += value[j++]
      }
      if (j >= value.length) throw new BadRequest(`Invalid filter value ${value}. The quote is not closed.`)
      out.push(token)
      i = j + 1
      if (i < value.length && value[i] !== ',') {
        throw new BadRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`)
      }
      i++
    } else {
      const comma = value.indexOf(',', i)
      const token = comma < 0 ? value.slice(i) : value.slice(i, comma)
      if (token.includes('"')) throw new BadRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`)
      out.push(token)
      i = comma < 0 ? value.length : comma + 1
    }
  }
  return out
}
