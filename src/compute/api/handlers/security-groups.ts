/**
 * Nova's security group proxy (deprecated; only below microversion 2.36): /os-security-groups and
 * /os-security-group-rules passed to the network service with the caller's token and shown in
 * Nova's terms, and /servers/{id}/os-security-groups (every microversion): the groups of the
 * server's ports.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import type { NetworkClient } from '../../../network/client.ts'
import { badRequest, notFound } from '../../errors.ts'
import {
  checkCidrPrefix, getGroup, instanceGroups, neutronRuleBody, newIngressRule, novaGroup, novaRule, parseCidr, rethrowAs,
  ruleExists, validateId, validateProperty,
} from '../../network/security-group-api.ts'
import { authorize, isAdmin, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { intQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'
import { groupRefsOf, securityGroupRuleView, securityGroupView, securityGroupViews } from '../views/security-group.ts'

/** The value under `key` of a request body, with Nova's words for a missing one. */
function fromBody(body: unknown, key: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.keys(body).length) throw badRequest("The request body can't be empty")
  const value = (body as Record<string, unknown>)[key]
  if (value === undefined || value === null) throw badRequest(`Missing parameter ${key}`)
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(value)}. It is not an object.`)
  return value as Record<string, unknown>
}

export function securityGroupsRoutes(deps: ComputeApiDeps): Route[] {
  /** The caller's network client, after the microversion and policy checks of a proxy API. */
  const proxy = (req: ComputeRequest, action: string): NetworkClient => {
    if (atLeast(versionOf(req), '2.36')) throw notFound('The resource could not be found.')
    authorize(deps, req, `os-security-groups:${action}`)
    return deps.network.forUser(callerOf(req).token)
  }
  const shown = async (client: NetworkClient, group: ReturnType<typeof novaGroup>) =>
    ({ status: 200, body: { security_group: securityGroupView(group, await groupRefsOf(client, [group])) } })

  return [
    route('GET', '/os-security-groups', async (req: ComputeRequest) => {
      const client = proxy(req, 'get')
      const allProjects = isAdmin(deps, req) && req.query.has('all_tenants')
      const groups = await client.listSecurityGroups(allProjects ? {} : { project_id: projectOf(req) })
      const offset = intQuery(req, 'offset') ?? 0
      const limit = Math.min(intQuery(req, 'limit') || deps.config.maxLimit, deps.config.maxLimit)
      const page = groups.slice(offset, offset + limit).map(novaGroup)
      return { status: 200, body: { security_groups: await securityGroupViews(client, page) } }
    }),
    route('POST', '/os-security-groups', async (req: ComputeRequest) => {
      const client = proxy(req, 'create')
      const data = fromBody(req.body, 'security_group')
      const name = validateProperty(data.name, 'name')
      const description = validateProperty(data.description, 'description')
      const created = await client.createSecurityGroup({ name, description }).catch((err) => rethrowAs(err, { 400: 400, 409: 403 }))
      return shown(client, novaGroup(created))
    }),
    route('GET', '/os-security-groups/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'show')
      return shown(client, await getGroup(client, validateId(req.params.id)))
    }),
    route('PUT', '/os-security-groups/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'update')
      const group = await getGroup(client, validateId(req.params.id))
      const data = fromBody(req.body, 'security_group')
      const name = validateProperty(data.name, 'name')
      const description = validateProperty(data.description, 'description')
      const updated = await client.updateSecurityGroup(group.id, { name, description })
        .catch((err) => rethrowAs(err, { 400: 400, 404: 404, 409: 400 }))
      return shown(client, novaGroup(updated))
    }),
    route('DELETE', '/os-security-groups/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'delete')
      const group = await getGroup(client, validateId(req.params.id))
      // A group still on ports (or the default group) is Neutron's 409, Nova's 400.
      await client.deleteSecurityGroup(group.id).catch((err) => rethrowAs(err, { 404: 404, 409: 400 }))
      return { status: 202 }
    }),

    route('POST', '/os-security-group-rules', async (req: ComputeRequest) => {
      const client = proxy(req, 'rule:create')
      const data = fromBody(req.body, 'security_group_rule')
      const parent = await getGroup(client, validateId(data.parent_group_id))
      const groupId = data.group_id === undefined || data.group_id === null ? undefined : validateId(data.group_id)
      if (groupId) await getGroup(client, groupId)
      const rule = newIngressRule({
        ip_protocol: data.ip_protocol, from_port: data.from_port, to_port: data.to_port, group_id: groupId,
        cidr: groupId ? undefined : parseCidr(data.cidr),
      })
      if (!rule) throw badRequest('Not enough parameters to build a valid rule.')
      if (rule.cidr) checkCidrPrefix(rule.cidr)
      if (ruleExists(parent, rule)) throw badRequest(`This rule already exists in group ${parent.id}`)
      const created = await client.createSecurityGroupRule(neutronRuleBody(parent.id, rule))
        .catch((err) => rethrowAs(err, { 400: 400, 404: 404, 409: 403 }))
      const nova = novaRule(created)
      const view = securityGroupRuleView(nova, await groupRefsOf(client, [{ ...parent, rules: [nova] }]))
      return { status: 200, body: { security_group_rule: view } }
    }),
    route('DELETE', '/os-security-group-rules/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'rule:delete')
      const id = validateId(req.params.id)
      const rule = await client.getSecurityGroupRule(id)
      if (!rule) throw notFound(`Security group rule ${id} does not exist`)
      await getGroup(client, rule.security_group_id)
      await client.deleteSecurityGroupRule(id).catch((err) => rethrowAs(err, { 404: 404 }))
      return { status: 202 }
    }),

    route('GET', '/servers/:server_id/os-security-groups', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-security-groups:list', { project_id: i.project_id })
      const client = deps.network.forUser(callerOf(req).token)
      return { status: 200, body: { security_groups: await securityGroupViews(client, await instanceGroups(client, i.uuid)) } }
    }),
  ]
}
