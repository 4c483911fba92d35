/**
 * /servers/{id}/os-interface: the server's ports listed and shown from the network service in
 * Nova's interfaceAttachment view (tags from 2.70), a network or port attached through the
 * server's compute agent (a call, answered with the new port; tags from 2.49), and a port
 * detached (a cast, 202). Nova's 400s, 404s and 409s are checked here, before anything changes.
 */
import { isIP } from 'node:net'
import { route, type Route } from '../../../common/http/types.ts'
import { validator } from '../../../common/http/validation.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import type { PortView } from '../../../network/client.ts'
import { recordAction } from '../../db/actions.ts'
import { badRequest, conflict, fromAgent, invalidState, notFound } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { VmState } from '../../model/states.ts'
import { availableNetworks } from '../../network/network-api.ts'
import { authorize, isAdmin, projectOf, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { serverForCaller } from '../server-lookup.ts'

const UUID = '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$'

const attachment = {
  type: 'object',
  properties: {
    net_id: { type: 'string', pattern: UUID },
    port_id: { type: 'string', pattern: UUID },
    fixed_ips: {
      type: 'array', minItems: 1, maxItems: 1,
      items: { type: 'object', properties: { ip_address: { type: 'string' } }, required: ['ip_address'], additionalProperties: false },
    },
  },
  additionalProperties: false,
}
const createSchema = { type: 'object', properties: { interfaceAttachment: attachment }, additionalProperties: false }
const createSchemaV249 = {
  ...createSchema,
  properties: {
    interfaceAttachment: { ...attachment, properties: { ...attachment.properties, tag: { type: 'string', maxLength: 60, pattern: '^[^,/]*$' } } },
  },
}

/** vm_states an interface may be attached or detached in (the task must be idle). */
const HOTPLUG_STATES: string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED]

type AttachBody = { net_id?: string; port_id?: string; fixed_ips?: Array<{ ip_address: string }>; tag?: string }

/** Nova's interfaceAttachment view of a port; `tag` only from 2.70 (undefined: left out). */
export function attachmentView(port: PortView, tag?: string | null): Record<string, unknown> {
  return {
    net_id: port.network_id, port_id: port.id, mac_addr: port.mac_address, port_state: port.status,
    fixed_ips: (port.fixed_ips ?? []).map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
    ...(tag !== undefined ? { tag } : {}),
  }
}

export function interfacesRoutes(deps: ComputeApiDeps): Route[] {
  const userNetwork = (req: ComputeRequest) => deps.network.forUser(callerOf(req).token)
  const tagOf = (req: ComputeRequest, i: Instance, portId: string) =>
    atLeast(versionOf(req), '2.70') ? i.info_cache.find((v) => v.port_id === portId)?.tag ?? null : undefined

  /** The port if it is the server's (404 in Nova's words otherwise). */
  async function serverPort(req: ComputeRequest, i: Instance, portId: string): Promise<PortView> {
    const port = await userNetwork(req).getPort(portId)
    if (!port) throw notFound(`Port id ${portId} could not be found.`)
    if (port.device_id !== i.uuid) throw notFound(`Instance ${i.uuid} does not have a port with id ${portId}`)
    return port
  }

  /** Nova's check_instance_lock and check_instance_state for the two hot-plug actions. */
  function checkState(req: ComputeRequest, i: Instance, action: string): void {
    if (i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
    if (!HOTPLUG_STATES.includes(i.vm_state) || !i.host) throw invalidState(action, i.uuid, 'vm_state', i.vm_state)
    if (i.task_state !== null) throw invalidState(action, i.uuid, 'task_state', i.task_state)
  }

  /** What to attach, checked against the network service as the caller sees it (the body's own checks done). */
  async function resolveRequest(req: ComputeRequest, body: AttachBody): Promise<{ networkId?: string; portId?: string; fixedIp?: string }> {
    const fixedIp = body.fixed_ips?.[0]?.ip_address
    const user = userNetwork(req)
    if (body.port_id) {
      const port = await user.getPort(body.port_id)
      if (!port) throw notFound(`Port id ${body.port_id} could not be found.`)
      if (port.device_id) throw conflict(`Port ${body.port_id} is still in use.`)
      return { portId: port.id }
    }
    if (body.net_id) {
      const net = await user.getNetwork(body.net_id)
      if (!net) throw notFound(`Network ${body.net_id} could not be found.`)
      return { networkId: net.id, ...(fixedIp !== undefined ? { fixedIp } : {}) }
    }
    const project = projectOf(req)
    const nets = await availableNetworks(user, project)
    if (nets.length === 0) throw badRequest(`No specific network was requested and none are available for project '${project}'.`)
    if (nets.length > 1) throw badRequest('More than one possible network found. Specify network ID(s) to select which one(s) to connect to.')
    return { networkId: nets[0] }
  }

  /** Nova's 400s for a body that names too much or too little. */
  function checkBody(body: AttachBody): void {
    const fixedIp = body.fixed_ips?.[0]?.ip_address
    if (fixedIp !== undefined && !isIP(fixedIp)) {
      throw badRequest(`Invalid input for field/attribute ip_address. Value: ${fixedIp}. '${fixedIp}' is not a 'ipv4' or 'ipv6'`)
    }
    if (body.net_id && body.port_id) throw badRequest('Must not input both network_id and port_id')
    if (fixedIp !== undefined && !body.net_id) throw badRequest('Must input network_id when request IP address')
  }

  const record = (req: ComputeRequest, i: Instance, action: string) => {
    const c = callerOf(req)
    return recordAction(deps.db, { action, instanceUuid: i.uuid, requestId: req.requestId, userId: c.userId, projectId: c.projectId ?? i.project_id })
  }

  return [
    route('GET', '/servers/:server_id/os-interface', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-attach-interfaces:list', { project_id: i.project_id })
      const ports = await userNetwork(req).listPorts({ device_id: i.uuid })
      return { status: 200, body: { interfaceAttachments: ports.map((p) => attachmentView(p, tagOf(req, i, p.id))) } }
    }),
    route('GET', '/servers/:server_id/os-interface/:port_id', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-attach-interfaces:show', { project_id: i.project_id })
      const port = await serverPort(req, i, req.params.port_id)
      return { status: 200, body: { interfaceAttachment: attachmentView(port, tagOf(req, i, port.id)) } }
    }),
    route('POST', '/servers/:server_id/os-interface', async (req: ComputeRequest) => {
      const body = req.body ?? {}
      validator(atLeast(versionOf(req), '2.49') ? createSchemaV249 : createSchema)(body)
      const a: AttachBody = (body as { interfaceAttachment?: AttachBody }).interfaceAttachment ?? {}
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-attach-interfaces:create', { project_id: i.project_id })
      checkBody(a)
      checkState(req, i, 'attach_interface')
      const wanted = await resolveRequest(req, a)
      await record(req, i, 'attach_interface')
      let vif
      try {
        vif = await deps.rpc.agent(i.host!).attachInterface({ context: requestContext(deps, req), instance: i, ...wanted, ...(a.tag !== undefined ? { tag: a.tag } : {}) })
      } catch (err) {
        throw fromAgent(err)
      }
      const port = await userNetwork(req).getPort(vif.port_id)
      if (!port) throw notFound(`Port id ${vif.port_id} could not be found.`)
      return { status: 200, body: { interfaceAttachment: attachmentView(port, atLeast(versionOf(req), '2.70') ? vif.tag : undefined) } }
    }),
    route('DELETE', '/servers/:server_id/os-interface/:port_id', async (req: ComputeRequest) => {
      const i = await serverForCaller(deps, req, req.params.server_id)
      authorize(deps, req, 'os-attach-interfaces:delete', { project_id: i.project_id })
      const portId = req.params.port_id
      checkState(req, i, 'detach_interface')
      if (!i.info_cache.some((v) => v.port_id === portId)) throw notFound(`Port ${portId} is not attached`)
      await record(req, i, 'detach_interface')
      await deps.rpc.castAgent(i.host!, 'detachInterface', { context: requestContext(deps, req), instance: i, portId })
      return { status: 202 }
    }),
  ]
}
