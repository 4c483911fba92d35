import { randomUUID } from 'node:crypto'

/** Keystone's ids: a UUID4 as 32 lowercase hex digits. */
export const newId = (): string => randomUUID().replaceAll('-', '')

/** Extra attributes Keystone stores as-is on users, projects, groups and domains. */
export function extraOf(body: Record<string, unknown>, known: string[]): string {
  const extra = Object.fromEntries(Object.entries(body).filter(([k]) => !known.includes(k)))
  return JSON.stringify(extra)
}

/** Reads ?enabled= as Keystone does: anything but 0/false/no/off (case-insensitive) is true. */
export function queryBool(v: string | null): boolean | undefined {
  if (v === null) return undefined
  return !/^(0|false|no|off|n|f)$/i.test(v)
}
