/**
 * Networks as the API shows them, and who sees which: a project sees its own networks, shared ones
 * and external ones (Neutron's get_network rule on the network itself as target); admins see all.
 * Provider attributes and `segments` are stripped by their get_network:* rules.
 */
import type { Kysely, Transaction } from 'kysely'
import { fromDbBool, fromDbJson } from '../../../common/db/columns.ts'
import type { NetworkDb, NetworkRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { can, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import type { Item } from '../listing.ts'
import { renderStandard, tagsOf } from '../standard-attrs.ts'
import { zonesOf } from './availability-zones.ts'
import { providerAttributes, segmentsOf } from './segments.ts'
import { tagTypeOf } from './tag-resources.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export const NETWORK_TAG_TYPE = tagTypeOf('networks')

/** Attributes a network list can be filtered and sorted on. */
export const NETWORK_FILTERS = [
  'id', 'name', 'admin_state_up', 'status', 'tenant_id', 'project_id', 'shared', 'router:external', 'is_default', 'mtu',
  'port_security_enabled', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id',
  'availability_zone_hints', 'dns_domain', 'description', 'created_at', 'updated_at', 'revision_number',
] as const

export async function subnetIdsOf(db: Db, networkIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(networkIds.map((id) => [id, []]))
  for (let i = 0; i < networkIds.length; i += 500) {
    const rows = await db.selectFrom('subnets').select(['id', 'network_id']).where('network_id', 'in', networkIds.slice(i, i + 500))
      .orderBy('created_at').orderBy('id').execute()
    for (const r of rows) out.get(r.network_id)?.push(r.id)
  }
  return out
}

/** Full network dicts (before field-level policy), in the order of `rows`. */
export async function renderNetworks(deps: NetworkDeps, db: Db, rows: NetworkRow[]): Promise<Item[]> {
  const ids = rows.map((r) => r.id)
  const [segments, subnets, tags] = await Promise.all([segmentsOf(db, ids), subnetIdsOf(db, ids), tagsOf(db, NETWORK_TAG_TYPE, ids)])
  return rows.map((r) => {
    const external = fromDbBool(r.external)
    const hints = fromDbJson<string[]>(r.availability_zone_hints, [])
    return {
      id: r.id,
      name: r.name,
      tenant_id: r.project_id,
      project_id: r.project_id,
      admin_state_up: fromDbBool(r.admin_state_up),
      status: r.status,
      shared: fromDbBool(r.shared),
      'router:external': external,
      is_default: external && fromDbBool(r.is_default),
      mtu: Number(r.mtu),
      port_security_enabled: fromDbBool(r.port_security_enabled),
      availability_zone_hints: hints,
      availability_zones: zonesOf(deps, hints),
      dns_domain: r.dns_domain,
      subnets: subnets.get(r.id)!,
      ...providerAttributes(segments.get(r.id)!),
      ...renderStandard(r, tags.get(r.id)!),
    }
  })
}

/** Whether the caller may see this rendered network (get_network with the network as target). */
export const canSee = (deps: NetworkDeps, req: NetworkRequest, network: Item) => can(deps, req, 'get_network', network)

/** What the caller gets to read of a network it can see. */
export const present = (deps: NetworkDeps, req: NetworkRequest, network: Item) => visibleFields(deps, req, 'network', network, network)

/** Rows the caller might see: all for callers whose rule passes on someone else's private network, else own, shared and external ones. */
export async function candidateRows(deps: NetworkDeps, req: NetworkRequest, db: Db = deps.db): Promise<NetworkRow[]> {
  const q = db.selectFrom('networks').selectAll()
  const seesAll = can(deps, req, 'get_network', { project_id: '', tenant_id: '', shared: false, 'router:external': false })
  if (seesAll) return q.execute()
  const project = projectOf(req)
  return q.where((eb) => eb.or([eb('project_id', '=', project), eb('shared', '=', 1), eb('external', '=', 1)])).execute()
}

export async function networkRow(db: Db, id: string): Promise<NetworkRow | undefined> {
  return db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The row and full dict of a network the caller can see; 404 NetworkNotFound otherwise. */
export async function visibleNetwork(deps: NetworkDeps, req: NetworkRequest, id: string, db: Db = deps.db): Promise<{ row: NetworkRow; network: Item }> {
  const row = await networkRow(db, id)
  if (!row) throw notFound('network', id)
  const [network] = await renderNetworks(deps, db, [row])
  if (!canSee(deps, req, network)) throw notFound('network', id)
  return { row, network }
}
