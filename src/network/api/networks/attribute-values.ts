/**
 * Neutron's attribute converters and validators (neutron_lib/api/converters.py, validators) with
 * their messages, for request bodies: a converter failure is 400 InvalidInput, a validator failure
 * 400 HTTPBadRequest "Invalid input for <attr>. Reason: <why>.".
 */
import { badRequest, invalidInput } from '../../errors.ts'

/** Python's str() of a JSON value, as Neutron's messages show it ('%s' % data). */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : py(x))).join(', ')}]`
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `'${k}': ${typeof x === 'string' ? `'${x}'` : py(x)}`).join(', ')}}`
  return String(v)
}

/** convert_to_boolean: booleans, 0/1 and the strings oslo accepts ('true', 'yes', 'on', '1', …). */
export function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v
  const s = (typeof v === 'string' ? v : py(v)).trim().toLowerCase()
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false
  throw invalidInput(`'${py(v)}' cannot be converted to boolean`)
}

/** convert_to_int: Python's int() of the value (numbers truncate, numeric strings parse). */
export function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v)
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v)
  throw invalidInput(`'${py(v)}' is not an integer`)
}

/** Raises the validator's 400 for `attr` when `why` is set. */
export function check(attr: string, why: string | undefined): void {
  if (why) throw badRequest(`Invalid input for ${attr}. Reason: ${why}.`)
}

/** type:string with an optional maximum length. */
export function stringProblem(v: unknown, maxLen?: number): string | undefined {
  if (typeof v !== 'string') return `'${py(v)}' is not a valid string`
  if (maxLen !== undefined && v.length > maxLen) return `'${v}' exceeds maximum length of ${maxLen}`
  return undefined
}

/** type:list_of_unique_strings. */
export function uniqueStringsProblem(v: unknown, maxLen?: number): string | undefined {
  if (!Array.isArray(v)) return `'${py(v)}' is not a list`
  const seen = new Set<unknown>(), dups = new Set<unknown>()
  for (const x of v) (seen.has(x) ? dups : seen).add(x)
  if (dups.size) return `Duplicate items in the list: '${[...dups].map(py).join(', ')}'`
  for (const x of v) {
    const p = stringProblem(x, maxLen)
    if (p) return p
  }
  return undefined
}

/** type:dns_domain_name: a PQDN or FQDN of at most 255 characters ('' is allowed). */
export function dnsDomainProblem(v: unknown): string | undefined {
  const p = stringProblem(v, 255)
  if (p || !v) return p
  const data = v as string
  const trimmed = data.endsWith('.') ? data.slice(0, -1) : data
  const labels = trimmed.split('.')
  let reason: string | undefined
  for (const label of labels) {
    if (!label) reason = 'Encountered an empty component'
    else if (label.startsWith('-') || label.endsWith('-')) reason = `Name '${label}' must not start or end with a hyphen`
    else if (!/^[a-zA-Z0-9-]{1,63}$/.test(label)) reason = `Name '${label}' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen`
    if (reason) break
  }
  if (!reason && labels.length > 1 && /^[0-9]+$/.test(labels[labels.length - 1])) reason = `TLD '${labels[labels.length - 1]}' must not be all numeric`
  return reason ? `'${data}' not a valid PQDN or FQDN. Reason: ${reason}` : undefined
}
