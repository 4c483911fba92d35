/**
 * `/v2.0/networks`: list, show, create (one or bulk), update, delete. The work is in ../networks/;
 * agents hear of updates and deletes once they are committed.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest } from '../../errors.ts'
import type { NetworkDeps, NetworkRequest } from '../context.ts'
import { listResponse, showResponse } from '../listing.ts'
import { createNetworks } from '../networks/create-network.ts'
import { deleteNetwork } from '../networks/delete-network.ts'
import { checkObject, unwrap } from '../networks/network-body.ts'
import { candidateRows, canSee, NETWORK_FILTERS, present, renderNetworks, visibleNetwork } from '../networks/network-view.ts'
import { updateNetwork } from '../networks/update-network.ts'

const spec = { collection: 'networks', attributes: NETWORK_FILTERS }

/** The items of a create body: `{"network": {...}}` or a bulk `{"networks": [...]}`. */
function createItems(body: unknown): { items: Record<string, unknown>[]; bulk: boolean } {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'networks' in body) {
    const list = (body as { networks: unknown }).networks
    if (!Array.isArray(list) || !list.length) throw badRequest('Resources required')
    return { items: list.map((i) => checkObject(i && typeof i === 'object' && 'network' in i ? (i as { network: unknown }).network : i, 'network')), bulk: true }
  }
  return { items: [unwrap(body, 'network')], bulk: false }
}

export function networksRoutes(deps: NetworkDeps): Route[] {
  const shown = async (req: NetworkRequest, ids: string[]) => {
    const rows = await deps.db.selectFrom('networks').selectAll().where('id', 'in', ids).execute()
    const byId = new Map((await renderNetworks(deps, deps.db, rows)).map((n) => [n.id, n]))
    return ids.map((id) => present(deps, req, byId.get(id)!))
  }

  return [
    route('GET', '/v2.0/networks', async (req: NetworkRequest) => {
      const rows = await candidateRows(deps, req)
      const networks = (await renderNetworks(deps, deps.db, rows)).filter((n) => canSee(deps, req, n)).map((n) => present(deps, req, n))
      return listResponse(req, spec, networks)
    }),

    route('GET', '/v2.0/networks/:network_id', async (req: NetworkRequest) => {
      const { network } = await visibleNetwork(deps, req, req.params.network_id)
      return showResponse(req, 'network', present(deps, req, network))
    }),

    route('POST', '/v2.0/networks', async (req: NetworkRequest) => {
      const { items, bulk } = createItems(req.body)
      const created = await shown(req, await createNetworks(deps, req, items))
      return bulk ? { status: 201, body: { networks: created } } : showResponse(req, 'network', created[0], 201)
    }),

    route('PUT', '/v2.0/networks/:network_id', async (req: NetworkRequest) => {
      const id = req.params.network_id
      await updateNetwork(deps, req, id, unwrap(req.body, 'network'))
      deps.notifier.networkUpdated(id)
      return showResponse(req, 'network', (await shown(req, [id]))[0])
    }),

    route('DELETE', '/v2.0/networks/:network_id', async (req: NetworkRequest) => {
      await deleteNetwork(deps, req, req.params.network_id)
      deps.notifier.networkDeleted(req.params.network_id)
      return { status: 204 }
    }),
  ]
}
