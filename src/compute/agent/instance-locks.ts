/** One operation at a time per instance on this host (Nova's per-instance synchronized lock). */
export function createInstanceLocks() {
  const tails = new Map<string, Promise<unknown>>()
  return async function withLock<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const prev = tails.get(uuid) ?? Promise.resolve()
    const run = prev.catch(() => {}).then(fn)
    const tail = run.catch(() => {})
    tails.set(uuid, tail)
    try {
      return await run
    } finally {
      if (tails.get(uuid) === tail) tails.delete(uuid)
    }
  }
}
