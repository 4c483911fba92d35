/** Placeholder replaced by the host doctor; keeps the CLI compiling meanwhile. */
import type { Logger } from '../log/logger.ts'
export async function runDoctor(_o: { print: (l: string) => void }): Promise<{ ok: boolean }> { return { ok: true } }
export async function ensureHostPackages(_o: { log: Logger; packages: string[] }): Promise<void> {}
