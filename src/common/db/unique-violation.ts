/** True when `err` is a unique-constraint failure on any of our engines. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return e?.code === '23505' || e?.errno === 1062 || e?.code === 'ER_DUP_ENTRY' ||
    (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'))
}
