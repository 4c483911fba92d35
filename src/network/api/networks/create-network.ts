/**
 * Creating networks, one or a bulk, all or nothing: policy (action and attribute rules), provider
 * checks by the type drivers, availability zone hints, quota, then one transaction that inserts the
 * rows and reserves the segments (rerun when it lost a segmentation id race).
 */
import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { toDbBool } from '../../../common/db/columns.ts'
import type { NetworkDb } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import type { SegmentRequest } from '../../ml2/types/type-driver.ts'
import { can, enforce, enforceAttributes, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { checkQuota } from '../quotas/quota.ts'
import { newStandardAttrs } from '../standard-attrs.ts'
import { checkAvailabilityZoneHints } from './availability-zones.ts'
import { parseCreate, type NetworkCreate } from './network-body.ts'
import { retryingSegmentRaces } from './segment-allocations.ts'
import { createNetworkSegments, networkMtu, validateProviderSegments } from './segments.ts'
import { typeDriversOf } from './type-drivers.ts'

export const defaultExternalNetworkExists = (networkId: string) =>
  new NeutronError(409, 'DefaultExternalNetworkExists', `A default external network already exists: ${networkId}.`)

/** 409 when another network than `networkId` is the default external network. */
export async function checkSingleDefault(trx: Transaction<NetworkDb>, networkId: string): Promise<void> {
  const other = await trx.selectFrom('networks').select('id')
    .where('external', '=', 1).where('is_default', '=', 1).where('id', '!=', networkId).executeTakeFirst()
  if (other) throw defaultExternalNetworkExists(other.id)
}

type Prepared = NetworkCreate & { provider: SegmentRequest[] | undefined }

/** Parses and authorizes every item before anything is written; returns them ready to insert. */
async function prepare(deps: NetworkDeps, req: NetworkRequest, items: Record<string, unknown>[]): Promise<Prepared[]> {
  const canSetProject = can(deps, req, 'context_is_admin', {}) || can(deps, req, 'service_api', {})
  const drivers = typeDriversOf(deps.config)
  const out: Prepared[] = []
  for (const item of items) {
    const spec = parseCreate(item, projectOf(req), canSetProject)
    enforce(deps, req, 'create_network', spec.target)
    enforceAttributes(deps, req, 'create_network', spec.explicit, spec.target)
    const provider = spec.segments ? validateProviderSegments(drivers, spec.segments) : undefined
    await checkAvailabilityZoneHints(deps, deps.db, 'network', spec.azHints)
    out.push({ ...spec, provider })
  }
  return out
}

async function insertNetwork(deps: NetworkDeps, trx: Transaction<NetworkDb>, spec: Prepared): Promise<string> {
  const drivers = typeDriversOf(deps.config)
  const id = randomUUID()
  await trx.insertInto('networks').values({
    id, project_id: spec.projectId, name: spec.name, status: 'ACTIVE', mtu: 0,
    availability_zone_hints: JSON.stringify(spec.azHints), dns_domain: spec.dnsDomain,
    admin_state_up: toDbBool(spec.adminStateUp), shared: toDbBool(spec.shared), external: toDbBool(spec.external),
    is_default: toDbBool(spec.external && spec.isDefault), port_security_enabled: toDbBool(spec.portSecurityEnabled),
    ...newStandardAttrs(spec.description),
  }).execute()
  const segments = await createNetworkSegments(drivers, trx, id, spec.provider)
  await trx.updateTable('networks').set({ mtu: networkMtu(drivers, segments, spec.mtu) }).where('id', '=', id).execute()
  if (spec.external && spec.isDefault) await checkSingleDefault(trx, id)
  return id
}

/** Creates the networks of a POST body item list; returns their ids in order. Nothing is left behind on failure. */
export async function createNetworks(deps: NetworkDeps, req: NetworkRequest, items: Record<string, unknown>[]): Promise<string[]> {
  const specs = await prepare(deps, req, items)
  return retryingSegmentRaces(() => deps.db.transaction().execute(async (trx) => {
    const perProject = new Map<string, number>()
    for (const s of specs) perProject.set(s.projectId, (perProject.get(s.projectId) ?? 0) + 1)
    for (const [project, n] of perProject) await checkQuota(deps, trx, project, 'network', n)
    const ids: string[] = []
    for (const spec of specs) ids.push(await insertNetwork(deps, trx, spec))
    return ids
  }))
}
