/**
 * Nova's floating IP proxy (deprecated; only below microversion 2.36): /os-floating-ips and
 * /os-floating-ip-pools passed to the network service with the caller's token, and the
 * addFloatingIp / removeFloatingIp server actions (below 2.44). After each change the server's
 * cached network info is read again, so its addresses show the floating IP at once.
 */
import { isIP } from 'node:net'
import { route, type Route } from '../../../common/http/types.ts'
import { validator } from '../../../common/http/validation.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import type { FloatingIpView, NetworkClient } from '../../../network/client.ts'
import { findInstance, updateInstance } from '../../db/instances.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import {
  allocateFloatingIp, associate, fixedAddressFor, floatingIpByAddress, floatingIpById, novaFloatingIp, novaFloatingIps,
  withCurrentFloatingIps,
} from '../../network/floating-ip-api.ts'
import { accepted, type ServerAction } from '../actions/action.ts'
import { authorize, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'

const PROXY_GONE_AT = '2.36'
const ACTIONS_GONE_AT = '2.44'

export function floatingIpsRoutes(deps: ComputeApiDeps): Route[] {
  /** The caller's network client, after the microversion and policy checks of the proxy. */
  const proxy = (req: ComputeRequest, policy: string): NetworkClient => {
    if (atLeast(versionOf(req), PROXY_GONE_AT)) throw notFound('The resource could not be found.')
    authorize(deps, req, policy, { project_id: projectOf(req) })
    return deps.network.forUser(callerOf(req).token)
  }
  const shown = async (client: NetworkClient, fip: FloatingIpView) =>
    ({ status: 200, body: { floating_ip: novaFloatingIp(fip, await client.getNetwork(fip.floating_network_id)) } })

  return [
    route('GET', '/os-floating-ips', async (req: ComputeRequest) => {
      const client = proxy(req, 'os-floating-ips:list')
      const fips = await client.listFloatingIps({ project_id: projectOf(req) })
      return { status: 200, body: { floating_ips: await novaFloatingIps(client, fips) } }
    }),
    route('POST', '/os-floating-ips', async (req: ComputeRequest) => {
      const client = proxy(req, 'os-floating-ips:create')
      const body = req.body as { pool?: unknown } | null | undefined
      const pool = body && typeof body === 'object' && body.pool !== undefined && body.pool !== null ? String(body.pool) : deps.config.defaultFloatingPool
      return shown(client, await allocateFloatingIp(client, pool))
    }),
    route('GET', '/os-floating-ips/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'os-floating-ips:show')
      return shown(client, await floatingIpById(client, req.params.id))
    }),
    route('DELETE', '/os-floating-ips/:id', async (req: ComputeRequest) => {
      const client = proxy(req, 'os-floating-ips:delete')
      const fip = await floatingIpById(client, req.params.id)
      const instance = await instanceOf(deps, client, fip)
      await client.deleteFloatingIp(fip.id).catch((err) => {
        if ((err as { status?: number }).status === 404) throw notFound(`Floating IP not found for address ${fip.floating_ip_address}.`)
        throw err
      })
      if (instance) await refreshFloatingIps(deps, client, instance)
      return { status: 202 }
    }),
    route('GET', '/os-floating-ip-pools', async (req: ComputeRequest) => {
      const client = proxy(req, 'os-floating-ip-pools')
      const nets = await client.listNetworks({ 'router:external': true })
      return { status: 200, body: { floating_ip_pools: nets.map((n) => ({ name: n.name || n.id })) } }
    }),
  ]
}

/** The instance whose port holds the floating IP, if any (Nova's get_instance_by_floating_ip_addr). */
async function instanceOf(deps: ComputeApiDeps, client: NetworkClient, fip: FloatingIpView): Promise<Instance | undefined> {
  if (!fip.port_id) return undefined
  const port = await client.getPort(fip.port_id)
  return port?.device_id ? findInstance(deps.db, port.device_id) : undefined
}

/** Re-reads the instance's floating addresses into its cached network info. */
async function refreshFloatingIps(deps: ComputeApiDeps, client: NetworkClient, instance: Instance): Promise<void> {
  const info = await withCurrentFloatingIps(client, instance.info_cache)
  await updateInstance(deps.db, instance.uuid, { info_cache: info })
}

/** Nova's schemas of the two actions (schemas/floating_ips.py); addresses must also be IP addresses. */
const actionSchema = (action: string, keys: string[]) => ({
  type: 'object',
  properties: {
    [action]: {
      type: 'object',
      properties: Object.fromEntries(keys.map((k) => [k, { type: 'string' }])),
      required: ['address'],
      additionalProperties: false,
    },
  },
  required: [action],
  additionalProperties: false,
})
const ADD_SCHEMA = actionSchema('addFloatingIp', ['address', 'fixed_address'])
const REMOVE_SCHEMA = actionSchema('removeFloatingIp', ['address'])

function addressBody(action: string, schema: object, body: unknown): Record<string, string> {
  validator(schema)({ [action]: body })
  const b = body as Record<string, string>
  for (const [k, v] of Object.entries(b)) {
    if (!isIP(v)) throw badRequest(`Invalid input for field/attribute ${k}. Value: ${v}. '${v}' is not a 'ip-address'`)
  }
  return b
}

const gone = (req: ComputeRequest) => {
  if (atLeast(versionOf(req), ACTIONS_GONE_AT)) throw notFound('The resource could not be found.')
}

export const floatingIpActions: Record<string, ServerAction> = {
  async addFloatingIp(deps, req, i, body) {
    gone(req)
    authorize(deps, req, 'os-floating-ips:add', { project_id: i.project_id })
    const b = addressBody('addFloatingIp', ADD_SCHEMA, body)
    const target = fixedAddressFor(i.info_cache, i.uuid, b.address!, b.fixed_address)
    const client = deps.network.forUser(callerOf(req).token)
    const fip = await floatingIpByAddress(client, b.address!).catch((err) => {
      if ((err as { status?: number }).status === 404) throw notFound('floating IP not found')
      throw err
    })
    const previous = await instanceOf(deps, client, fip)
    await associate(client, fip, target)
    await refreshFloatingIps(deps, client, i)
    if (previous && previous.uuid !== i.uuid) await refreshFloatingIps(deps, client, previous)
    return accepted()
  },
  async removeFloatingIp(deps, req, i, body) {
    gone(req)
    const b = addressBody('removeFloatingIp', REMOVE_SCHEMA, body)
    const client = deps.network.forUser(callerOf(req).token)
    const fip = await floatingIpByAddress(client, b.address!)
    const holder = await instanceOf(deps, client, fip)
    authorize(deps, req, 'os-floating-ips:remove', holder ? { project_id: holder.project_id } : {})
    if (!holder || !fip.port_id || holder.uuid !== i.uuid) {
      throw conflict(`Floating IP ${b.address} is not associated with instance ${i.uuid}.`)
    }
    await client.updateFloatingIp(fip.id, { port_id: null })
    await refreshFloatingIps(deps, client, i)
    return accepted()
  },
}
