/** The Compute API (Nova v2.1): the route table of every resource, behind token authentication. */
import { createApiServer, type ApiServer } from '../../common/http/server.ts'
import type { Middleware, Route } from '../../common/http/types.ts'
import { novaErrorBody } from '../errors.ts'
import type { ComputeApiDeps, ComputeRequest } from './context.ts'
import { requestedVersion, versionHeaders } from './microversion.ts'
import { versionsRoutes } from './handlers/versions.ts'
import { serversRoutes } from './handlers/servers.ts'
import { serverActionsRoutes } from './handlers/server-actions.ts'
import { flavorsRoutes } from './handlers/flavors.ts'
import { flavorExtraSpecsRoutes } from './handlers/flavor-extra-specs.ts'
import { flavorAccessRoutes } from './handlers/flavor-access.ts'
import { keypairsRoutes } from './handlers/keypairs.ts'
import { osServicesRoutes } from './handlers/os-services.ts'
import { hypervisorsRoutes } from './handlers/hypervisors.ts'
import { hostsRoutes } from './handlers/hosts.ts'
import { serverGroupsRoutes } from './handlers/server-groups.ts'
import { aggregatesRoutes } from './handlers/aggregates.ts'
import { migrationsRoutes } from './handlers/migrations.ts'
import { usageRoutes } from './handlers/usage.ts'
import { instanceUsageAuditLogRoutes } from './handlers/instance-usage-audit-log.ts'
import { serverIpsRoutes } from './handlers/server-ips.ts'
import { serverTagsRoutes } from './handlers/server-tags.ts'
import { availabilityZoneRoutes } from './handlers/availability-zones.ts'
import { imagesRoutes } from './handlers/images.ts'
import { quotaSetsRoutes } from './handlers/quota-sets.ts'
import { limitsRoutes } from './handlers/limits.ts'
import { instanceActionsRoutes } from './handlers/instance-actions.ts'
import { serverMetadataRoutes } from './handlers/server-metadata.ts'
import { securityGroupsRoutes } from './handlers/security-groups.ts'
import { floatingIpsRoutes } from './handlers/floating-ips.ts'
import { serverExternalEventsRoutes } from './handlers/server-external-events.ts'
import { interfacesRoutes } from './handlers/interfaces.ts'
import { networksRoutes } from './handlers/networks.ts'
import { serverDiagnosticsRoutes } from './handlers/server-diagnostics.ts'
import { serverPasswordRoutes } from './handlers/server-password.ts'
import { volumeAttachmentRoutes } from './handlers/volume-attachments.ts'
import { extensionsRoutes } from './handlers/extensions.ts'

/**
 * Every compute route; each resource file contributes its part with paths below /v2.1, served
 * both there and below /v2.1/{project_id} (the older URL form some clients still use).
 */
export function computeRoutes(deps: ComputeApiDeps): Route[] {
  const resources = [
    ...serversRoutes(deps),
    ...serverActionsRoutes(deps),
    ...flavorsRoutes(deps),
    ...flavorExtraSpecsRoutes(deps),
    ...flavorAccessRoutes(deps),
    ...keypairsRoutes(deps),
    ...osServicesRoutes(deps),
    ...hypervisorsRoutes(deps),
    ...hostsRoutes(deps),
    ...serverGroupsRoutes(deps),
    ...aggregatesRoutes(deps),
    ...migrationsRoutes(deps),
    ...usageRoutes(deps),
    ...instanceUsageAuditLogRoutes(deps),
    ...serverIpsRoutes(deps),
    ...serverTagsRoutes(deps),
    ...availabilityZoneRoutes(deps),
    ...imagesRoutes(deps),
    ...quotaSetsRoutes(deps),
    ...limitsRoutes(deps),
    ...instanceActionsRoutes(deps),
    ...serverMetadataRoutes(deps),
    ...securityGroupsRoutes(deps),
    ...floatingIpsRoutes(deps),
    ...serverExternalEventsRoutes(deps),
    ...interfacesRoutes(deps),
    ...networksRoutes(deps),
    ...serverDiagnosticsRoutes(deps),
    ...serverPasswordRoutes(deps),
    ...volumeAttachmentRoutes(deps),
    ...extensionsRoutes(deps),
  ]
  return [
    ...versionsRoutes(),
    ...resources.map((r) => ({ ...r, pattern: `/v2.1${r.pattern}` })),
    ...resources.map((r) => ({ ...r, pattern: `/v2.1/:project_id${r.pattern}` })),
  ]
}

/** Negotiates the microversion of every authenticated request (errors answer at the base version). */
const negotiate: Middleware = (req: ComputeRequest) => {
  req.ctx.version = requestedVersion(req.headers)
}

export function createComputeApi(deps: ComputeApiDeps, auth: Middleware): ApiServer {
  return createApiServer({
    name: 'compute',
    routes: computeRoutes(deps),
    formatError: novaErrorBody,
    unknownMethod: 404,
    log: deps.log,
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    middleware: [negotiate, auth],
    extraHeaders: (req: ComputeRequest) => ({
      'x-compute-request-id': req.requestId,
      ...(req.ctx.version ? versionHeaders(req.ctx.version) : {}),
    }),
  })
}
