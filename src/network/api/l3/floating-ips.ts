/**
 * @module Creating, updating and deleting floating IPs (l3_db _create_floatingip,
 * _update_floatingip, _delete_floatingip). A floating IP holds a `network:floatingip` port on its
 * external network (owned by no project, device_id = the floating IP) whose first IPv4 address is
 * the floating address; deleting the floating IP deletes that port.
 */
import { randomUUID } from 'node:crypto'
import type { FloatingIpRow } from '../../db/schema.ts'
import { notFound } from '../../errors.ts'
import { parseIp } from '../../ipam/index.ts'
import { enforce, enforceAttributes, type NetworkDeps, type NetworkRequest } from '../context.ts'
import {
  explicitlySet, orNone, ownerAttrs, prepareRequestBody, validateIpOrNone, validateUuid, type AttrMap,
} from '../ports/attribute-map.ts'
import { createPort, deletePort, type FixedIpRequest } from '../ports/create-port.ts'
import { DEVICE_OWNER_FLOATINGIP } from '../ports/device-owners.ts'
import { findNetwork, networkVisible } from '../ports/network-access.ts'
import { insertUnlessTaken } from '../ports/savepoint.ts'
import { checkQuota } from '../quotas/quota.ts'
import { bumped, checkRevision, deleteTags, newStandardAttrs } from '../standard-attrs.ts'
import { badRequest, externalIpAddressExhausted, floatingIpNotFound } from './errors.ts'
import { alreadyAssociated, resolveAssociation, type FloatingIpState } from './floating-ip-association.ts'
import { canSeeFloatingIp, FLOATING_IP_TAG_TYPE, floatingIpDetail, renderFloatingIp, statusFor } from './floating-ip-view.ts'
import { markFloatingPortNotApplicable } from './router-port-status.ts'

/** The floating IP attribute map (neutron_lib/api/definitions/l3.py FLOATINGIPS + standard attributes). */
export const FLOATING_IP_ATTRS: AttrMap = {
  id: {},
  floating_ip_address: { post: true, default: null, validate: validateIpOrNone },
  subnet_id: { post: true, default: null, validate: orNone(validateUuid) },
  floating_network_id: { post: true, validate: validateUuid },
  router_id: {},
  port_id: { post: true, put: true, default: null, validate: orNone(validateUuid) },
  fixed_ip_address: { post: true, put: true, default: null, validate: validateIpOrNone },
  status: {},
  port_details: {},
  ...ownerAttrs,
}

/** Creates the floating IP a request body describes (associated when it names a port); returns its id. */
export async function createFloatingIp(deps: NetworkDeps, req: NetworkRequest): Promise<string> {
  const body = prepareRequestBody(deps, req, { resource: 'floatingip', attrs: FLOATING_IP_ATTRS, isCreate: true }).items[0]!
  enforce(deps, req, 'create_floatingip', body)
  enforceAttributes(deps, req, 'create_floatingip', explicitlySet(body, FLOATING_IP_ATTRS), body)
  const id = randomUUID()
  const projectId = body.project_id as string
  const networkId = body.floating_network_id as string
  const changedPorts: Array<string | null> = []
  await deps.db.transaction().execute(async (trx) => {
    await checkQuota(deps, trx, projectId, 'floatingip')
    const network = await findNetwork(trx, networkId)
    if (!network || !networkVisible(deps, req, network)) throw notFound('network', networkId)
    if (!network.external) throw badRequest('floatingip', `Network ${networkId} is not a valid external network`)
    const v4 = await trx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('ip_version', '=', 4).executeTakeFirst()
    if (!v4) throw badRequest('floatingip', `Network ${networkId} does not contain any IPv4 subnet`)
    const fixed: FixedIpRequest = {
      ...(body.subnet_id ? { subnet_id: body.subnet_id as string } : {}),
      ...(body.floating_ip_address ? { ip_address: body.floating_ip_address as string } : {}),
    }
    // The port belongs to no project: it is never shown to users, as Neutron's.
    const port = await createPort(deps, trx, {
      projectId: '', networkId, name: '', adminStateUp: true, deviceId: id, deviceOwner: DEVICE_OWNER_FLOATINGIP,
      fixedIps: Object.keys(fixed).length ? [fixed] : undefined,
    })
    await markFloatingPortNotApplicable(trx, port.id)
    const address = port.fixedIps.find((ip) => parseIp(ip.ip_address)?.version === 4)
    if (!address) throw externalIpAddressExhausted(networkId)
    const state: FloatingIpState = {
      id, project_id: projectId, floating_network_id: networkId, floating_ip_address: address.ip_address, fixed_port_id: null, fixed_ip_address: null,
    }
    const assoc = await resolveAssociation(deps, req, trx, state, body)
    const row: FloatingIpRow = {
      ...state, ...assoc, floating_port_id: port.id, status: statusFor(assoc.fixed_port_id), dns_name: '', dns_domain: '',
      ...newStandardAttrs(body.description as string),
    }
    if (!await insertUnlessTaken(trx, () => trx.insertInto('floating_ips').values(row).execute())) throw alreadyAssociated(state, assoc)
    changedPorts.push(assoc.fixed_port_id)
  })
  await tellCompute(deps, changedPorts)
  return id
}

/** After commit: compute hears which servers' ports gained or lost a floating IP. */
async function tellCompute(deps: NetworkDeps, portIds: Array<string | null>): Promise<void> {
  const ids = [...new Set(portIds.filter((p): p is string => Boolean(p)))]
  if (!deps.nova || !ids.length) return
  deps.nova.portsChanged(await deps.db.selectFrom('ports').select(['id', 'device_id', 'device_owner']).where('id', 'in', ids).execute())
}

/** The stored floating IP as a policy target; 404 when missing. */
async function target(deps: NetworkDeps, id: string): Promise<Record<string, unknown>> {
  const detail = await floatingIpDetail(deps.db, id)
  if (!detail) throw floatingIpNotFound(id)
  return renderFloatingIp(detail)
}

/** PUT /floatingips/{id}: associate, re-associate, disassociate (port_id / fixed_ip_address) and description. */
export async function updateFloatingIp(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<void> {
  const body = prepareRequestBody(deps, req, { resource: 'floatingip', attrs: FLOATING_IP_ATTRS, isCreate: false }).items[0]!
  const fip = await target(deps, id)
  const policyTarget = { ...fip, ...body, attributes_to_update: Object.keys(body) }
  enforce(deps, req, 'update_floatingip', policyTarget, () => (canSeeFloatingIp(deps, req, fip) ? undefined : floatingIpNotFound(id)))
  enforceAttributes(deps, req, 'update_floatingip', body, policyTarget)
  const changedPorts: Array<string | null> = []
  await deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('floating_ips').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw floatingIpNotFound(id)
    checkRevision(req, row.revision_number)
    const assoc = await resolveAssociation(deps, req, trx, row, body)
    const set: Partial<FloatingIpRow> = {
      ...assoc, status: statusFor(assoc.fixed_port_id), ...bumped(row.revision_number),
      ...(body.description !== undefined ? { description: body.description as string } : {}),
    }
    const done = await insertUnlessTaken(trx, () => trx.updateTable('floating_ips').set(set).where('id', '=', id).execute())
    if (!done) throw alreadyAssociated(row, assoc)
    if (row.fixed_port_id !== assoc.fixed_port_id || row.fixed_ip_address !== assoc.fixed_ip_address) changedPorts.push(row.fixed_port_id, assoc.fixed_port_id)
  })
  await tellCompute(deps, changedPorts)
}

/** DELETE /floatingips/{id}: the floating IP and its port. */
export async function deleteFloatingIp(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<void> {
  const fip = await target(deps, id)
  enforce(deps, req, 'delete_floatingip', fip, () => (canSeeFloatingIp(deps, req, fip) ? undefined : floatingIpNotFound(id)))
  const changedPorts: Array<string | null> = []
  await deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('floating_ips').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw floatingIpNotFound(id)
    checkRevision(req, row.revision_number)
    await deleteTags(trx, FLOATING_IP_TAG_TYPE, id)
    await trx.deleteFrom('floating_ips').where('id', '=', id).execute()
    const port = await trx.selectFrom('ports').select('id').where('id', '=', row.floating_port_id).executeTakeFirst()
    if (port) await deletePort(deps, trx, port.id)
    changedPorts.push(row.fixed_port_id)
  })
  await tellCompute(deps, changedPorts)
}
