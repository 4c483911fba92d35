/** The Identity API (Keystone v3): the route table of every resource and token authentication. */
import { createApiServer, type ApiServer } from '../../common/http/server.ts'
import type { Route } from '../../common/http/types.ts'
import { NotFound } from '../../common/errors.ts'
import { AuthFailed, keystoneErrorBody } from '../errors.ts'
import type { IdentityDeps, IdentityRequest } from './context.ts'
import { authRoutes } from './handlers/auth.ts'
import { discoveryRoutes } from './handlers/discovery.ts'
import { userRoutes } from './handlers/users.ts'
import { domainsRoutes } from './handlers/domains.ts'
import { projectsRoutes } from './handlers/projects.ts'
import { projectTagsRoutes } from './handlers/project-tags.ts'
import { groupsRoutes } from './handlers/groups.ts'
import { regionsRoutes } from './handlers/regions.ts'
import { servicesEndpointsRoutes } from './handlers/services-endpoints.ts'
import { rolesRoutes } from './handlers/roles.ts'
import { grantsRoutes } from './handlers/grants.ts'
import { roleAssignmentsRoutes } from './handlers/role-assignments.ts'
import { credentialsRoutes } from './handlers/credentials.ts'
import { applicationCredentialsRoutes } from './handlers/application-credentials.ts'
import { policiesRoutes } from './handlers/policies.ts'
import { endpointFilterRoutes } from './handlers/endpoint-filter.ts'
import { oauthConsumersRoutes } from './handlers/oauth-consumers.ts'
import { domainConfigsRoutes } from './handlers/domain-configs.ts'
import { ec2CredentialsRoutes } from './handlers/ec2-credentials.ts'

/** Every identity route; each resource file contributes its part. */
export function identityRoutes(deps: IdentityDeps): Route[] {
  return [
    ...discoveryRoutes(),
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...domainsRoutes(deps),
    ...projectsRoutes(deps),
    ...projectTagsRoutes(deps),
    ...groupsRoutes(deps),
    ...regionsRoutes(deps),
    ...servicesEndpointsRoutes(deps),
    ...rolesRoutes(deps),
    ...grantsRoutes(deps),
    ...roleAssignmentsRoutes(deps),
    ...credentialsRoutes(deps),
    ...applicationCredentialsRoutes(deps),
    ...policiesRoutes(deps),
    ...endpointFilterRoutes(deps),
    ...oauthConsumersRoutes(deps),
    ...domainConfigsRoutes(deps),
    ...ec2CredentialsRoutes(deps),
  ]
}

export function createIdentityApi(deps: IdentityDeps): ApiServer {
  return createApiServer({
    name: 'identity',
    routes: identityRoutes(deps),
    formatError: keystoneErrorBody,
    log: deps.log,
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    // Any successful change may alter what a token means; issuing a token changes nothing.
    onAnswered: (req, status) => {
      if (status >= 400 || req.method === 'GET' || req.method === 'HEAD') return
      if (req.method === 'POST' && req.path === '/v3/auth/tokens') return
      deps.tokens.invalidateCache()
    },
    middleware: [
      async (req: IdentityRequest) => {
        const token = req.headers['x-auth-token']
        if (typeof token !== 'string' || !token) throw new AuthFailed()
        req.ctx.auth = await deps.tokens.validate(token).catch((err) => {
          if (err instanceof NotFound) throw new AuthFailed()
          throw err
        })
      },
    ],
  })
}
