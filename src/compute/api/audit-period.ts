/**
 * @module Nova's audit periods (utils.last_completed_audit_period and the
 * instance_usage_audit_period option): `hour`, `day`, `month` or `year`, optionally with an
 * offset (`day@18` starts days at 18:00 UTC, `month@15` on the 15th, `year@3` on March 1st).
 * Times are naive UTC, counted in microseconds since the epoch so that a `before` with
 * microseconds compares as Python's datetimes do.
 */

/** A naive UTC time in microseconds since the epoch. */
export type Micros = number

const US_PER_MS = 1000
const HOUR = 3600 * 1000 * US_PER_MS
const DAY = 24 * HOUR

/** Date.UTC without its mapping of years 0-99 to 1900-1999. */
function utc(year: number, month1: number, day: number, hour = 0, minute = 0): Micros {
  const d = new Date(0)
  d.setUTCFullYear(year, month1 - 1, day)
  d.setUTCHours(hour, minute, 0, 0)
  return d.getTime() * US_PER_MS
}

/** The audit period most recently completed before `before` (default now): [begin, end). */
export function lastCompletedAuditPeriod(unitSpec: string, before: Micros = Date.now() * US_PER_MS): { begin: Micros; end: Micros } {
  const [unit, off] = unitSpec.split('@', 2)
  let offset = off === undefined ? 0 : Number.parseInt(off, 10)
  const now = new Date(Math.floor(before / US_PER_MS))
  const year = now.getUTCFullYear()
  const month = now.getUTCMonth() + 1
  if (unit === 'month') {
    if (offset === 0) offset = 1
    let end = utc(year, month, offset)
    if (end >= before) end = month === 1 ? utc(year - 1, 12, offset) : utc(year, month - 1, offset)
    const e = new Date(end / US_PER_MS)
    const endMonth = e.getUTCMonth() + 1
    const begin = endMonth === 1 ? utc(e.getUTCFullYear() - 1, 12, offset) : utc(e.getUTCFullYear(), endMonth - 1, offset)
    return { begin, end }
  }
  if (unit === 'year') {
    if (offset === 0) offset = 1
    const end = utc(year, offset, 1)
    if (end >= before) return { begin: utc(year - 2, offset, 1), end: utc(year - 1, offset, 1) }
    return { begin: utc(year - 1, offset, 1), end }
  }
  if (unit === 'day') {
    let end = utc(year, month, now.getUTCDate(), offset)
    if (end >= before) end -= DAY
    return { begin: end - DAY, end }
  }
  // hour
  let end = utc(year, month, now.getUTCDate(), now.getUTCHours(), offset)
  if (end >= before) end -= HOUR
  return { begin: end - HOUR, end }
}

/** Python's str() of a naive datetime: `2012-06-01 00:00:00`, with `.ffffff` only when there are microseconds. */
export function pythonDatetimeText(t: Micros): string {
  const ms = Math.floor(t / US_PER_MS)
  const micros = t - ms * US_PER_MS + (ms % 1000) * US_PER_MS
  const base = new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
  return micros ? `${base}.${String(micros).padStart(6, '0')}` : base
}

/** Python's strptime patterns for %Y-%m-%d %H:%M:%S and the same with .%f (one to six digits). */
const TIMESTAMP = /^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\s+(2[0-3]|[01]\d|\d):([0-5]\d|\d):(6[01]|[0-5]\d|\d)$/
const TIMESTAMP_US = /^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\s+(2[0-3]|[01]\d|\d):([0-5]\d|\d):(6[01]|[0-5]\d|\d)\.(\d{1,6})$/

/**
 * A timestamp as Nova's audit log API parses it: `%Y-%m-%d %H:%M:%S.%f` when it has a dot,
 * `%Y-%m-%d %H:%M:%S` otherwise; undefined where Python's strptime or datetime would refuse it.
 */
export function parseAuditTimestamp(text: string): Micros | undefined {
  const m = (text.includes('.') ? TIMESTAMP_US : TIMESTAMP).exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((s) => Number(s.trim()))
  const fraction = m[7] ? Number(m[7].padEnd(6, '0')) : 0
  const daysInMonth = new Date(utc(year, month + 1, 0) / US_PER_MS).getUTCDate()
  if (year < 1 || day > daysInMonth || second > 59) return undefined
  return utc(year, month, day, hour, minute) + second * 1_000_000 + fraction
}
