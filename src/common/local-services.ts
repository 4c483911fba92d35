/**
 * @module What services started in one process (as `nubis up` starts them) offer each other
 * directly, without going through their HTTP APIs: a hot read path such as the scheduler's
 * allocation-candidates query. A service offers an interface under its name when it starts and
 * withdraws it when it stops; a caller looks it up on each use and falls back to HTTP when the
 * service runs elsewhere, so the same code works in one process and across hosts.
 */
export type LocalServices = {
  offer(name: string, impl: unknown): void
  withdraw(name: string): void
  /** The interface offered under `name`, if a service of this process offers one now. */
  find<T>(name: string): T | undefined
}

export function createLocalServices(): LocalServices {
  const offered = new Map<string, unknown>()
  return {
    offer(name, impl) {
      offered.set(name, impl)
    },
    withdraw(name) {
      offered.delete(name)
    },
    find<T>(name: string) {
      return offered.get(name) as T | undefined
    },
  }
}
