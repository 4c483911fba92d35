/** Every per-service tempest plugin; each owns its file. */
import { networkTempest } from './network.ts'
import type { TempestService } from './types.ts'

export const tempestServices: TempestService[] = [networkTempest]
