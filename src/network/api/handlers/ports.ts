/** /v2.0/ports: create (single and bulk, all or nothing), list with fixed_ips filters, show, update, delete. */
import type { Transaction } from 'kysely'
import { route, type Route } from '../../../common/http/types.ts'
import type { NetworkDb, NetworkRow, PortRow } from '../../db/schema.ts'
import { NeutronError, notFound } from '../../errors.ts'
import { sanitizeMacAddress } from '../../ipam/index.ts'
import { can, enforce, enforceAttributes, isAdmin, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse, type Item } from '../listing.ts'
import { explicitlySet, prepareRequestBody } from '../ports/attribute-map.ts'
import { inTransaction } from '../ports/retry.ts'
import { createPort, deletePort, type PortSpec } from '../ports/create-port.ts'
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_GW, ROUTER_INTERFACE_OWNERS } from '../ports/device-owners.ts'
import { canonicalIpText } from '../ports/ip-requests.ts'
import { checkNetworkOwnership, visibleNetwork } from '../ports/network-access.ts'
import { portAttributes } from '../ports/port-attributes.ts'
import { portDetail, portDetails, portTarget, renderPort, type PortDetail } from '../ports/port-view.ts'
import { updatePort } from '../ports/update-port.ts'
import { checkQuota } from '../quotas/quota.ts'
import { checkRevision } from '../standard-attrs.ts'

type Trx = Transaction<NetworkDb>

const FILTERS = [
  'id', 'name', 'network_id', 'tenant_id', 'project_id', 'admin_state_up', 'status', 'device_id', 'device_owner',
  'port_security_enabled', 'binding:host_id', 'binding:vif_type', 'binding:vnic_type', 'description', 'revision_number',
  'created_at', 'updated_at',
] as const

/** Attributes with sub-keys that have their own policy rules. */
const NESTED = { fixed_ips: ['ip_address', 'subnet_id'], allowed_address_pairs: ['ip_address', 'mac_address'] }

/** `fixed_ips=ip_address=…`, `fixed_ips=subnet_id=…`, `fixed_ips=ip_address_substr=…`, each list OR'd, the kinds AND'ed. */
function fixedIpsMatcher(item: Item, values: string[]): boolean {
  const wanted: Record<string, string[]> = {}
  for (const v of values) {
    const at = v.indexOf('=')
    if (at < 0) throw new NeutronError(400, 'InvalidInput', `Invalid input for operation: '${v}' is not of the form <key>=[value].`)
    const key = v.slice(0, at)
    ;(wanted[key] ??= []).push(key === 'ip_address' ? canonicalIpText(v.slice(at + 1)) : v.slice(at + 1))
  }
  const ips = item.fixed_ips as { subnet_id: string; ip_address: string }[] | undefined ?? []
  if (wanted.ip_address && !ips.some((ip) => wanted.ip_address!.includes(ip.ip_address))) return false
  if (wanted.subnet_id && !ips.some((ip) => wanted.subnet_id!.includes(ip.subnet_id))) return false
  if (wanted.ip_address_substr && !ips.some((ip) => wanted.ip_address_substr!.some((s) => ip.ip_address.includes(s)))) return false
  return true
}

export function portsRoutes(deps: NetworkDeps): Route[] {
  /** Neutron's port query scope: admins see all; others their ports and the ports on their networks. */
  const inScope = (req: NetworkRequest, p: PortRow, n: NetworkRow | undefined) =>
    isAdmin(deps, req) || p.project_id === req.ctx.auth?.projectId || n?.project_id === req.ctx.auth?.projectId

  const rendered = (req: NetworkRequest, d: PortDetail, n: NetworkRow | undefined) => {
    const item = renderPort(d)
    return visibleFields(deps, req, 'port', item, portTarget(item, n))
  }

  const networkOf = (db: NetworkDeps['db'] | Trx, id: string) => db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst()

  /** The port when the caller may see it (scope and get_port), else 404 PortNotFound. */
  async function visiblePort(req: NetworkRequest, db: NetworkDeps['db'] | Trx, id: string) {
    projectOf(req)
    const detail = await portDetail(db, id)
    const network = detail && await networkOf(db, detail.row.network_id)
    if (!detail || !inScope(req, detail.row, network) || !can(deps, req, 'get_port', portTarget(renderPort(detail), network))) throw notFound('port', id)
    return { detail, network }
  }

  async function list(req: NetworkRequest) {
    const project = projectOf(req)
    let query = deps.db.selectFrom('ports').selectAll()
    if (!isAdmin(deps, req)) {
      query = query.where((eb) => eb.or([
        eb('project_id', '=', project),
        eb('network_id', 'in', eb.selectFrom('networks').select('id').where('project_id', '=', project)),
      ]))
    }
    const networkIds = req.query.getAll('network_id')
    if (networkIds.length) query = query.where('network_id', 'in', networkIds)
    const deviceIds = req.query.getAll('device_id')
    if (deviceIds.length) query = query.where('device_id', 'in', deviceIds)
    const rows = await query.execute()
    const networks = new Map((await deps.db.selectFrom('networks').selectAll().execute()).map((n) => [n.id, n]))
    const items = (await portDetails(deps.db, rows)).flatMap((d) => {
      const n = networks.get(d.row.network_id)
      const item = renderPort(d)
      return can(deps, req, 'get_port', portTarget(item, n)) ? [visibleFields(deps, req, 'port', item, portTarget(item, n))] : []
    })
    return listResponse(req, {
      collection: 'ports', attributes: FILTERS,
      matchers: {
        fixed_ips: fixedIpsMatcher,
        mac_address: (item, values) => values.map((v) => sanitizeMacAddress(v).toLowerCase()).includes(String(item.mac_address)),
        security_groups: (item, values) => values.some((v) => (item.security_groups as string[] | undefined)?.includes(v)),
      },
    }, items)
  }

  async function get(req: NetworkRequest) {
    const { detail, network } = await visiblePort(req, deps.db, req.params.port_id!)
    return showResponse(req, 'port', rendered(req, detail, network))
  }

  /** _enforce_device_owner_not_router_intf_or_device_id. */
  async function checkRouterDevice(req: NetworkRequest, db: Trx, deviceOwner: string, deviceId: string, projectId: string) {
    if (!ROUTER_INTERFACE_OWNERS.includes(deviceOwner) || isAdmin(deps, req) || !deviceId) return
    const router = await db.selectFrom('routers').select('project_id').where('id', '=', deviceId).executeTakeFirst()
    if (router && router.project_id !== projectId) {
      throw new NeutronError(409, 'DeviceIDNotOwnedByTenant',
        `The following device_id ${deviceId} is not owned by your project or matches another project router.`)
    }
  }

  async function create(req: NetworkRequest) {
    const { items, bulk } = prepareRequestBody(deps, req, { resource: 'port', attrs: portAttributes, isCreate: true, allowBulk: true })
    const admin = isAdmin(deps, req)
    const created = await inTransaction(deps.db, async (trx) => {
      const out: { id: string; network: NetworkRow }[] = []
      for (const s of items) {
        const network = await visibleNetwork(deps, req, trx, s.network_id as string)
        checkNetworkOwnership(deps, req, network, s.project_id)
        const target = portTarget(s, network)
        enforce(deps, req, 'create_port', target)
        enforceAttributes(deps, req, 'create_port', explicitlySet(s, portAttributes), target, NESTED)
        await checkRouterDevice(req, trx, s.device_owner as string, s.device_id as string, s.project_id as string)
        await checkQuota(deps, trx, s.project_id as string, 'port')
        const port = await createPort(deps, trx, specOf(s, admin))
        out.push({ id: port.id, network })
      }
      return out
    })
    const details = new Map((await portDetails(deps.db, await deps.db.selectFrom('ports').selectAll()
      .where('id', 'in', created.map((c) => c.id)).execute())).map((d) => [d.row.id, d]))
    for (const d of details.values()) notifyPort(d.row, d.securityGroups)
    const out = created.map((c) => rendered(req, details.get(c.id)!, c.network))
    return bulk ? { status: 201, body: { ports: out } } : showResponse(req, 'port', out[0]!, 201)
  }

  async function update(req: NetworkRequest) {
    const { items } = prepareRequestBody(deps, req, { resource: 'port', attrs: portAttributes, isCreate: false })
    const body = items[0]!
    const { network, before } = await inTransaction(deps.db, async (trx) => {
      const { detail, network } = await visiblePort(req, trx, req.params.port_id!)
      const target = { ...portTarget({ ...renderPort(detail), ...body }, network), attributes_to_update: Object.keys(body) }
      enforce(deps, req, 'update_port', target)
      enforceAttributes(deps, req, 'update_port', body, target, NESTED)
      checkRevision(req, detail.row.revision_number)
      const owner = (body.device_owner ?? detail.row.device_owner) as string
      const deviceChanged = body.device_id !== undefined && body.device_id !== detail.row.device_id
      if ((owner && deviceChanged) || body.device_owner !== undefined) {
        await checkRouterDevice(req, trx, owner, (body.device_id ?? detail.row.device_id) as string, detail.row.project_id)
      }
      await updatePort(deps, trx, detail, body, isAdmin(deps, req))
      return { network, before: detail }
    })
    const detail = (await portDetail(deps.db, req.params.port_id!))!
    notifyPort(detail.row, [...before.securityGroups, ...detail.securityGroups])
    const addresses = (d: typeof detail) => d.fixedIps.map((ip) => ip.ip_address).sort().join(',')
    if (addresses(before) !== addresses(detail)) deps.nova?.portsChanged([detail.row])
    return showResponse(req, 'port', rendered(req, detail, network))
  }

  async function remove(req: NetworkRequest) {
    const gone = await inTransaction(deps.db, async (trx) => {
      const { detail, network } = await visiblePort(req, trx, req.params.port_id!)
      enforce(deps, req, 'delete_port', portTarget(renderPort(detail), network))
      checkRevision(req, detail.row.revision_number)
      await preventL3PortDeletion(trx, detail.row)
      await deletePort(deps, trx, detail.row.id)
      return detail
    })
    deps.notifier.portDeleted(gone.row)
    deps.notifier.securityGroupMembersUpdated(gone.securityGroups)
    deps.nova?.portDeleted(gone.row)
    return { status: 204 }
  }

  /** After commit: agents hear about the port, and groups it is in about their membership. */
  function notifyPort(port: PortRow, groups: string[]) {
    deps.notifier.portUpdated(port)
    deps.notifier.securityGroupMembersUpdated(groups)
  }

  return [
    route('GET', '/v2.0/ports', list),
    route('POST', '/v2.0/ports', create),
    route('GET', '/v2.0/ports/:port_id', get),
    route('PUT', '/v2.0/ports/:port_id', update),
    route('DELETE', '/v2.0/ports/:port_id', remove),
  ]
}

/** l3_db prevent_l3_port_deletion: router and floating IP ports go through their own APIs while the owner exists. */
async function preventL3PortDeletion(trx: Trx, port: PortRow): Promise<void> {
  const owners = [...ROUTER_INTERFACE_OWNERS, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_FLOATINGIP]
  if (!owners.includes(port.device_owner)) return
  const exists = port.device_owner === DEVICE_OWNER_FLOATINGIP
    ? await trx.selectFrom('floating_ips').select('id').where('id', '=', port.device_id).executeTakeFirst()
    : await trx.selectFrom('routers').select('id').where('id', '=', port.device_id).executeTakeFirst()
  if (exists) {
    throw new NeutronError(409, 'ServicePortInUse',
      `Port ${port.id} cannot be deleted directly via the port API: has device owner ${port.device_owner}.`)
  }
}

/** The createPort spec of a validated request body. */
function specOf(s: Record<string, any>, admin: boolean): PortSpec {
  return {
    projectId: s.project_id, networkId: s.network_id, name: s.name, description: s.description, deviceId: s.device_id,
    deviceOwner: s.device_owner, macAddress: s.mac_address, adminStateUp: s.admin_state_up,
    fixedIps: s.fixed_ips?.map((f: Record<string, string>) => ({
      ...(f.subnet_id !== undefined && { subnet_id: f.subnet_id }), ...(f.ip_address !== undefined && { ip_address: f.ip_address }),
    })),
    securityGroups: s.security_groups, portSecurityEnabled: s.port_security_enabled, allowedAddressPairs: s.allowed_address_pairs,
    extraDhcpOpts: s.extra_dhcp_opts ?? undefined, hostId: s['binding:host_id'] ?? undefined, vnicType: s['binding:vnic_type'],
    profile: s['binding:profile'] ?? undefined, tags: s.tags, anyProjectSecurityGroups: admin,
  }
}
