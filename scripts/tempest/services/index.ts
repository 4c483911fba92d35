/** Every per-service tempest plugin; each owns its file. */
import type { TempestService } from './types.ts'

export const tempestServices: TempestService[] = []
