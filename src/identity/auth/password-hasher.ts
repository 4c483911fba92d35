import bcrypt from 'bcrypt'

/** bcrypt hashing; the native addon runs on libuv's thread pool, so the event loop stays free. */
export type PasswordHasher = {
  hash(secret: string): Promise<string>
  /** False for a null hash too, after the same amount of work, so unknown users cost as much as known ones. */
  verify(secret: string, hash: string | null): Promise<boolean>
}

export function createPasswordHasher(rounds: number): PasswordHasher {
  let dummy: Promise<string> | undefined
  return {
    hash: (secret) => bcrypt.hash(secret, rounds),
    async verify(secret, hash) {
      if (!hash) {
        dummy ??= bcrypt.hash('nubis-dummy-secret', rounds)
        await bcrypt.compare(secret, await dummy)
        return false
      }
      return bcrypt.compare(secret, hash)
    },
  }
}
