/** Portable column conventions: booleans are 0/1 integers, times ISO-8601 text, JSON as text. */
export const toDbBool = (b: boolean): number => (b ? 1 : 0)
export const fromDbBool = (v: unknown): boolean => v === true || v === 1 || v === '1'

/** Current time as stored: ISO-8601 UTC with milliseconds. */
export const nowIso = (): string => new Date().toISOString()

export function fromDbJson<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined || v === '') return fallback
  return JSON.parse(String(v)) as T
}

/** Parses a stored or user-given time; one without a zone is UTC, as Keystone treats it. */
export function parseUtc(s: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : s + 'Z')
}
