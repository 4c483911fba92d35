/** Every per-service tempest plugin; each owns its file. */
import { computeTempest } from './compute.ts'
import { imageTempest } from './image.ts'
import { networkTempest } from './network.ts'
import type { TempestService } from './types.ts'

export const tempestServices: TempestService[] = [imageTempest, networkTempest, computeTempest]
