import type { Route } from '../../../common/http/types.ts'
import type { NetworkDeps } from '../context.ts'

export function networksRoutes(_deps: NetworkDeps): Route[] {
  return []
}
