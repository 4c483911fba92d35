/** The Network API (Neutron v2.0): the route table of every resource, behind token authentication. */
import { createApiServer, type ApiServer } from '../../common/http/server.ts'
import type { Route } from '../../common/http/types.ts'
import type { Middleware } from '../../common/http/types.ts'
import { neutronErrorBody } from '../errors.ts'
import type { NetworkDeps } from './context.ts'
import { agentsRoutes } from './handlers/agents.ts'
import { availabilityZonesRoutes } from './handlers/availability-zones.ts'
import { discoveryRoutes } from './handlers/discovery.ts'
import { extensionsRoutes } from './handlers/extensions.ts'
import { floatingIpsRoutes } from './handlers/floating-ips.ts'
import { ipAvailabilityRoutes } from './handlers/ip-availability.ts'
import { networksRoutes } from './handlers/networks.ts'
import { portsRoutes } from './handlers/ports.ts'
import { quotasRoutes } from './handlers/quotas.ts'
import { routersRoutes } from './handlers/routers.ts'
import { securityGroupsRoutes } from './handlers/security-groups.ts'
import { subnetpoolsRoutes } from './handlers/subnetpools.ts'
import { subnetsRoutes } from './handlers/subnets.ts'
import { tagsRoutes } from './handlers/tags.ts'

/** Every network route; each resource file contributes its part. */
export function networkRoutes(deps: NetworkDeps): Route[] {
  return [
    ...discoveryRoutes(),
    ...extensionsRoutes(),
    ...networksRoutes(deps),
    ...subnetsRoutes(deps),
    ...subnetpoolsRoutes(deps),
    ...portsRoutes(deps),
    ...securityGroupsRoutes(deps),
    ...routersRoutes(deps),
    ...floatingIpsRoutes(deps),
    ...quotasRoutes(deps),
    ...agentsRoutes(deps),
    ...availabilityZonesRoutes(deps),
    ...ipAvailabilityRoutes(deps),
    ...tagsRoutes(deps),
  ]
}

export function createNetworkApi(deps: NetworkDeps, auth: Middleware): ApiServer {
  return createApiServer({
    name: 'network',
    routes: networkRoutes(deps),
    formatError: neutronErrorBody,
    log: deps.log,
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    middleware: [auth],
  })
}
