/** POST /reshaper (1.30): inventories and allocations of a provider tree changed in one transaction. */
import type { PlacementRoute } from '../context.ts'

export const reshaperRoutes: PlacementRoute[] = []
