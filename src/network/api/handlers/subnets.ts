/** /v2.0/subnets: create (single and bulk, all or nothing), list, show, update, delete. */
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkRow, SubnetRow } from '../../db/schema.ts'
import { checkRevision, tagsOf } from '../standard-attrs.ts'
import { enforce, enforceAttributes, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse } from '../listing.ts'
import { explicitlySet, prepareRequestBody } from '../ports/attribute-map.ts'
import { inTransaction } from '../ports/retry.ts'
import { checkNetworkOwnership, parentNetworkKeys, visibleNetwork } from '../ports/network-access.ts'
import { checkQuota } from '../quotas/quota.ts'
import { deleteSubnet, updateSubnet } from '../subnets/change-subnet.ts'
import { createSubnet } from '../subnets/create-subnet.ts'
import { subnetAttributes } from '../subnets/subnet-attributes.ts'
import { inSubnetScope, renderSubnet, subnetTarget, subnetVisible, visibleSubnet } from '../subnets/subnet-view.ts'

const FILTERS = [
  'id', 'name', 'ip_version', 'network_id', 'subnetpool_id', 'cidr', 'gateway_ip', 'tenant_id', 'project_id', 'enable_dhcp',
  'ipv6_ra_mode', 'ipv6_address_mode', 'description', 'segment_id', 'revision_number', 'created_at', 'updated_at',
] as const

export function subnetsRoutes(deps: NetworkDeps): Route[] {
  const show = (req: NetworkRequest, s: SubnetRow, n: NetworkRow | undefined, tags: string[]) => {
    const rendered = renderSubnet(s, tags)
    return visibleFields(deps, req, 'subnet', rendered, subnetTarget(rendered, n))
  }

  async function list(req: NetworkRequest) {
    projectOf(req)
    const [subnets, networks] = await Promise.all([
      deps.db.selectFrom('subnets').selectAll().execute(),
      deps.db.selectFrom('networks').selectAll().execute(),
    ])
    const byId = new Map(networks.map((n) => [n.id, n]))
    const scoped = subnets.filter((s) => inSubnetScope(deps, req, s, byId.get(s.network_id)))
    const tags = await tagsOf(deps.db, 'subnets', scoped.map((s) => s.id))
    const items = scoped.flatMap((s) => {
      const n = byId.get(s.network_id)
      const rendered = renderSubnet(s, tags.get(s.id) ?? [])
      return subnetVisible(deps, req, s, n, rendered) ? [{ ...visibleFields(deps, req, 'subnet', rendered, subnetTarget(rendered, n)) }] : []
    })
    const shared = new Map(scoped.map((s) => [s.id, !!byId.get(s.network_id)?.shared]))
    return listResponse(req, {
      collection: 'subnets', attributes: FILTERS,
      matchers: { shared: (item, values) => values.some((v) => ['true', '1'].includes(v.toLowerCase()) === shared.get(item.id as string)) },
    }, items)
  }

  async function get(req: NetworkRequest) {
    const { network, rendered } = await visibleSubnet(deps, req, deps.db, req.params.subnet_id!)
    return showResponse(req, 'subnet', visibleFields(deps, req, 'subnet', rendered, subnetTarget(rendered, network)))
  }

  async function create(req: NetworkRequest) {
    const { items, bulk } = prepareRequestBody(deps, req, { resource: 'subnet', attrs: subnetAttributes, isCreate: true, allowBulk: true })
    const created = await inTransaction(deps.db, async (trx) => {
      const out: { row: SubnetRow; network: NetworkRow; tags: string[] }[] = []
      for (const s of items) {
        const network = await visibleNetwork(deps, req, trx, s.network_id as string)
        checkNetworkOwnership(deps, req, network, s.project_id)
        const target = { ...s, ...parentNetworkKeys(network), 'router:external': !!network.external }
        enforce(deps, req, 'create_subnet', target)
        enforceAttributes(deps, req, 'create_subnet', explicitlySet(s, subnetAttributes), target)
        await checkQuota(deps, trx, s.project_id as string, 'subnet')
        const row = await createSubnet(deps, req, trx, s, network)
        out.push({ row, network, tags: [] })
      }
      return out
    })
    for (const id of new Set(created.map((c) => c.network.id))) deps.notifier.networkUpdated(id)
    const rendered = created.map((c) => show(req, c.row, c.network, c.tags))
    return bulk ? { status: 201, body: { subnets: rendered } } : showResponse(req, 'subnet', rendered[0]!, 201)
  }

  async function update(req: NetworkRequest) {
    const { items } = prepareRequestBody(deps, req, { resource: 'subnet', attrs: subnetAttributes, isCreate: false })
    const body = items[0]!
    const result = await inTransaction(deps.db, async (trx) => {
      const { subnet, network, rendered } = await visibleSubnet(deps, req, trx, req.params.subnet_id!)
      const target = { ...subnetTarget({ ...rendered, ...body }, network), attributes_to_update: Object.keys(body) }
      enforce(deps, req, 'update_subnet', target)
      enforceAttributes(deps, req, 'update_subnet', body, target)
      checkRevision(req, subnet.revision_number)
      const row = await updateSubnet(trx, subnet, body)
      return { row, network, tags: rendered.tags as string[] }
    })
    deps.notifier.networkUpdated(result.network.id)
    return showResponse(req, 'subnet', show(req, result.row, result.network, result.tags))
  }

  async function remove(req: NetworkRequest) {
    const networkId = await inTransaction(deps.db, async (trx) => {
      const { subnet, network, rendered } = await visibleSubnet(deps, req, trx, req.params.subnet_id!)
      enforce(deps, req, 'delete_subnet', subnetTarget(rendered, network))
      checkRevision(req, subnet.revision_number)
      await deleteSubnet(trx, subnet)
      return network.id
    })
    deps.notifier.networkUpdated(networkId)
    return { status: 204 }
  }

  return [
    route('GET', '/v2.0/subnets', list),
    route('POST', '/v2.0/subnets', create),
    route('GET', '/v2.0/subnets/:subnet_id', get),
    route('PUT', '/v2.0/subnets/:subnet_id', update),
    route('DELETE', '/v2.0/subnets/:subnet_id', remove),
  ]
}
