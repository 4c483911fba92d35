/**
 * @module Ports as the L3 calls see them: Neutron's add_router_interface and floating IP
 * association fetch the port with the caller's context, so a port outside the caller's view is
 * PortNotFound there too (the ports API's scope, then get_port on the port).
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { can, isAdmin, projectOf, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { portDetail, portTarget, renderPort, type PortDetail } from '../ports/port-view.ts'

type Db = Kysely<NetworkDb> | Transaction<NetworkDb>

export async function visiblePort(deps: NetworkDeps, req: NetworkRequest, db: Db, id: string): Promise<PortDetail> {
  const project = projectOf(req)
  const detail = await portDetail(db, id)
  const network = detail && await db.selectFrom('networks').select(['project_id', 'shared']).where('id', '=', detail.row.network_id).executeTakeFirst()
  const inScope = !!detail && (isAdmin(deps, req) || detail.row.project_id === project || network?.project_id === project)
  if (!detail || !inScope || !can(deps, req, 'get_port', portTarget(renderPort(detail), network))) throw notFound('port', id)
  return detail
}
