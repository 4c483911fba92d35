/**
 * GET /limits: the caller's project's absolute limits and what it uses (an admin may name
 * another project with tenant_id), as Nova's limits view names them; rate limits are gone
 * upstream and always an empty list. 2.36 drops nova-network's, 2.39 maxImageMeta, 2.57 the
 * personality files'.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { quotaLimits, quotaUsages, type QuotaResource } from '../../db/quotas.ts'
import { authorize, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { lastQuery, rejectUnknownQuery } from '../list-query.ts'
import { atLeast, type Microversion } from '../microversion.ts'

/** Each absolute limit and the quota it shows. */
const ABSOLUTE: ReadonlyArray<[string, QuotaResource]> = [
  ['maxTotalRAMSize', 'ram'], ['maxTotalInstances', 'instances'], ['maxTotalCores', 'cores'], ['maxTotalKeypairs', 'key_pairs'],
  ['maxTotalFloatingIps', 'floating_ips'], ['maxServerMeta', 'metadata_items'], ['maxImageMeta', 'metadata_items'],
  ['maxPersonality', 'injected_files'], ['maxPersonalitySize', 'injected_file_content_bytes'],
  ['maxSecurityGroups', 'security_groups'], ['maxSecurityGroupRules', 'security_group_rules'],
  ['maxServerGroups', 'server_groups'], ['maxServerGroupMembers', 'server_group_members'],
]
/** Each usage shown and the quota it counts. */
const USED: ReadonlyArray<[string, QuotaResource]> = [
  ['totalRAMUsed', 'ram'], ['totalCoresUsed', 'cores'], ['totalInstancesUsed', 'instances'],
  ['totalFloatingIpsUsed', 'floating_ips'], ['totalSecurityGroupsUsed', 'security_groups'], ['totalServerGroupsUsed', 'server_groups'],
]

function filtered(v: Microversion): QuotaResource[] {
  const out: QuotaResource[] = []
  if (atLeast(v, '2.36')) out.push('floating_ips', 'security_groups', 'security_group_rules')
  if (atLeast(v, '2.57')) out.push('injected_files', 'injected_file_content_bytes')
  return out
}

export function limitsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/limits', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['tenant_id'], '2.75')
      authorize(deps, req, 'limits')
      let projectId = projectOf(req)
      // As Nova, naming any project, the caller's own included, takes the admin rule.
      if (req.query.has('tenant_id')) {
        authorize(deps, req, 'limits:other_project')
        projectId = lastQuery(req, 'tenant_id')!
      }
      const v = versionOf(req)
      const drop = filtered(v)
      const limits = await quotaLimits(deps.db, deps.config, projectId)
      const used = await quotaUsages(deps.db, projectId)
      const absolute: Record<string, number> = {}
      for (const [name, r] of ABSOLUTE) {
        if (drop.includes(r) || (name === 'maxImageMeta' && atLeast(v, '2.39'))) continue
        absolute[name] = limits[r]
      }
      for (const [name, r] of USED) if (!drop.includes(r)) absolute[name] = used[r]
      return { status: 200, body: { limits: { rate: [], absolute } } }
    }),
  ]
}
