/**
 * Updating a network as Neutron's ML2 plugin does: name, description, admin state, port security,
 * DNS domain; `shared` (not off while other projects use the network), `router:external` (not off
 * while routers have their gateway on it) and `is_default`; `mtu` within what the segments allow;
 * a VLAN network's segmentation id. Other provider changes are refused.
 */
import type { Transaction } from 'kysely'
import { fromDbBool, toDbBool } from '../../../common/db/columns.ts'
import type { NetworkDb, NetworkRow } from '../../db/schema.ts'
import { invalidInput, NeutronError, notFound } from '../../errors.ts'
import { enforce, enforceAttributes, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Item } from '../listing.ts'
import { bumped, checkRevision } from '../standard-attrs.ts'
import { checkSingleDefault } from './create-network.ts'
import { parseUpdate, PROVIDER_ATTRS, type NetworkUpdate, type RequestedSegment } from './network-body.ts'
import { canSee, networkRow, renderNetworks } from './network-view.ts'
import { retryingSegmentRaces } from './segment-allocations.ts'
import { changeSegmentationId, networkMtu, segmentsOf } from './segments.ts'
import { typeDriversOf } from './type-drivers.ts'

const IPV4_MIN_MTU = 68
const IPV6_MIN_MTU = 1280

const unsupportedProviderChange = () => invalidInput(
  'Plugin does not support updating the following provider network attributes: provider:network_type, provider:physical_network')

/** provider:* or segments that differ from what the network has. */
function checkProviderChange(u: NetworkUpdate, current: Item): void {
  const p = u.provider
  if (p) {
    const multi = 'segments' in current
    if ((p.networkType !== null && (multi || p.networkType !== current['provider:network_type'])) ||
        (p.physicalNetwork !== null && (multi || p.physicalNetwork !== current['provider:physical_network']))) {
      throw unsupportedProviderChange()
    }
  }
  if (u.segments) {
    const asAttrs = (t: unknown, n: unknown, i: unknown) => ({ 'provider:network_type': t, 'provider:physical_network': n, 'provider:segmentation_id': i })
    const have = (current.segments as Item[] | undefined) ?? [asAttrs(...PROVIDER_ATTRS.map((k) => current[k]) as [unknown, unknown, unknown])]
    const want = u.segments.map((s: RequestedSegment) => asAttrs(s.networkType, s.physicalNetwork, s.segmentationId))
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      throw invalidInput('Plugin does not support updating the following provider network attributes: segments')
    }
  }
}

/** Neutron's _validate_shared_update: turning sharing off fails while other projects have ports or subnets on the network. */
async function checkUnshare(trx: Transaction<NetworkDb>, row: NetworkRow): Promise<void> {
  const port = await trx.selectFrom('ports').select('id').where('network_id', '=', row.id)
    .where('project_id', '!=', row.project_id).where('device_owner', 'not like', 'network:%').executeTakeFirst()
  const subnet = await trx.selectFrom('subnets').select('id').where('network_id', '=', row.id)
    .where('project_id', '!=', row.project_id).executeTakeFirst()
  if (port || subnet) {
    throw new NeutronError(409, 'InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${row.name}. Multiple projects are using it.`)
  }
}

/** Neutron's _validate_change_network_mtu: subnets need 68 (IPv4) or 1280 (IPv6). */
async function checkMtuForSubnets(trx: Transaction<NetworkDb>, id: string, mtu: number): Promise<void> {
  if (mtu >= IPV6_MIN_MTU) return
  const versions = (await trx.selectFrom('subnets').select('ip_version').where('network_id', '=', id).execute()).map((s) => Number(s.ip_version))
  if (!versions.length) return
  const need = mtu < IPV4_MIN_MTU ? IPV4_MIN_MTU : versions.includes(6) ? IPV6_MIN_MTU : 0
  if (need) throw new NeutronError(409, 'NetworkMTUSubnetConflict', `MTU of ${id} is not valid, subnet requires a minimum of ${need}`)
}

async function apply(deps: NetworkDeps, trx: Transaction<NetworkDb>, row: NetworkRow, u: NetworkUpdate): Promise<void> {
  const drivers = typeDriversOf(deps.config)
  const [current] = await renderNetworks(deps, trx, [row])
  checkProviderChange(u, current)
  if (u.provider?.segmentationId) await changeSegmentationId(drivers, trx, row.id, u.provider.segmentationId)
  if (u.shared === false && fromDbBool(row.shared)) await checkUnshare(trx, row)
  const set: Partial<NetworkRow> = {}
  if (u.mtu !== undefined) {
    const segments = (await segmentsOf(trx, [row.id])).get(row.id)!
      .map((s) => ({ networkType: s.network_type, physicalNetwork: s.physical_network }))
    await checkMtuForSubnets(trx, row.id, u.mtu)
    set.mtu = networkMtu(drivers, segments, u.mtu)
  }
  let external = fromDbBool(row.external)
  if (u.external !== undefined && u.external !== external) {
    if (!u.external) {
      const gateway = await trx.selectFrom('ports').select('id').where('network_id', '=', row.id)
        .where('device_owner', '=', 'network:router_gateway').executeTakeFirst()
      if (gateway) {
        throw new NeutronError(409, 'ExternalNetworkInUse',
          `External network ${row.id} cannot be updated to be made non-external, since it has existing gateway ports.`)
      }
      set.is_default = 0
    }
    external = u.external
    set.external = toDbBool(external)
  }
  if (u.isDefault !== undefined && external) {
    set.is_default = toDbBool(u.isDefault)
    if (u.isDefault) await checkSingleDefault(trx, row.id)
  }
  if (u.name !== undefined) set.name = u.name
  if (u.description !== undefined) set.description = u.description
  if (u.adminStateUp !== undefined) set.admin_state_up = toDbBool(u.adminStateUp)
  if (u.shared !== undefined) set.shared = toDbBool(u.shared)
  if (u.portSecurityEnabled !== undefined) set.port_security_enabled = toDbBool(u.portSecurityEnabled)
  if (u.dnsDomain !== undefined) set.dns_domain = u.dnsDomain
  await trx.updateTable('networks').set({ ...set, ...bumped(Number(row.revision_number)) }).where('id', '=', row.id).execute()
}

/** Applies a PUT body to a network; 404 when the caller cannot see it, 403 when it may not change what it asks to. */
export async function updateNetwork(deps: NetworkDeps, req: NetworkRequest, id: string, item: Record<string, unknown>): Promise<void> {
  const row = await networkRow(deps.db, id)
  if (!row) throw notFound('network', id)
  const [network] = await renderNetworks(deps, deps.db, [row])
  const u = parseUpdate(item)
  const target = { ...network, ...u.converted, attributes_to_update: u.keys }
  enforce(deps, req, 'update_network', target, () => (canSee(deps, req, network) ? undefined : notFound('network', id)))
  enforceAttributes(deps, req, 'update_network', u.converted, target)
  await retryingSegmentRaces(() => deps.db.transaction().execute(async (trx) => {
    const fresh = await networkRow(trx, id)
    if (!fresh) throw notFound('network', id)
    checkRevision(req, Number(fresh.revision_number))
    await apply(deps, trx, fresh, u)
  }))
}
