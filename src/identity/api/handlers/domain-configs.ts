import type { Route } from '../../../common/http/types.ts'
import type { IdentityDeps } from '../context.ts'

export function domainConfigsRoutes(_deps: IdentityDeps): Route[] {
  return []
}
