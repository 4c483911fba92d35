import type { Route } from '../../../common/http/types.ts'
import type { IdentityDeps } from '../context.ts'

export function ec2CredentialsRoutes(_deps: IdentityDeps): Route[] {
  return []
}
