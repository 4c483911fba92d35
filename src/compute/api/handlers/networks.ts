/**
 * Nova's network proxies (deprecated; only below microversion 2.36): /os-networks and
 * /os-tenant-networks list and show the networks the network service lets the caller see. What
 * only nova-network could do (create, delete, add, the associate actions) is 410 Gone at every
 * microversion, as Nova answers since its removal.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import type { NetworkClient } from '../../../network/client.ts'
import { NovaError, badRequest, notFound } from '../../errors.ts'
import { novaNetwork, tenantNetwork, visibleNetwork, visibleNetworks } from '../../network/networks-api.ts'
import { authorize, isAdmin, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'

const PROXY_GONE_AT = '2.36'
/** The actions of /os-networks/{id}/action (networks.py and networks_associate.py), all removed. */
const REMOVED_ACTIONS = ['disassociate', 'disassociate_host', 'disassociate_project', 'associate_host']

/** webob's HTTPGone, which Nova raises for the removed nova-network APIs. */
const gone = async (): Promise<never> => {
  throw new NovaError(410, 'This resource is no longer available.  No forwarding address is given.')
}

export function networksRoutes(deps: ComputeApiDeps): Route[] {
  /** The caller's network client, after the microversion and policy checks of the proxy. */
  const proxy = (req: ComputeRequest, policy: string): NetworkClient => {
    if (atLeast(versionOf(req), PROXY_GONE_AT)) throw notFound('The resource could not be found.')
    authorize(deps, req, policy, { project_id: projectOf(req) })
    return deps.network.forUser(callerOf(req).token)
  }

  return [
    route('GET', '/os-networks', async (req: ComputeRequest) => {
      const nets = await visibleNetworks(proxy(req, 'os-networks:list'))
      const admin = isAdmin(deps, req)
      return { status: 200, body: { networks: nets.map((n) => novaNetwork(n, admin)) } }
    }),
    route('GET', '/os-networks/:id', async (req: ComputeRequest) => {
      const net = await visibleNetwork(proxy(req, 'os-networks:show'), req.params.id)
      return { status: 200, body: { network: novaNetwork(net, isAdmin(deps, req)) } }
    }),
    route('POST', '/os-networks', gone),
    route('POST', '/os-networks/add', gone),
    route('DELETE', '/os-networks/:id', gone),
    route('POST', '/os-networks/:id/action', async (req: ComputeRequest) => {
      const body = req.body
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Malformed request body')
      const keys = Object.keys(body)
      if (keys.length !== 1 || !REMOVED_ACTIONS.includes(keys[0]!)) throw badRequest('There is no such action: ' + (keys[0] ?? ''))
      return gone()
    }),

    route('GET', '/os-tenant-networks', async (req: ComputeRequest) => {
      const nets = await visibleNetworks(proxy(req, 'os-tenant-networks:list'))
      return { status: 200, body: { networks: nets.map(tenantNetwork) } }
    }),
    route('GET', '/os-tenant-networks/:id', async (req: ComputeRequest) => {
      const net = await visibleNetwork(proxy(req, 'os-tenant-networks:show'), req.params.id)
      return { status: 200, body: { network: tenantNetwork(net) } }
    }),
    route('POST', '/os-tenant-networks', gone),
    route('DELETE', '/os-tenant-networks/:id', gone),
  ]
}
