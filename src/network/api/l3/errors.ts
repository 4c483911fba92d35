/**
 * @module Neutron's L3 exceptions (neutron_lib/exceptions/l3.py, extraroute.py and the core ones the
 * L3 plugin raises): class name as the error type, upstream wording, status by base class
 * (NotFound 404, BadRequest/InvalidInput 400, InUse/Conflict 409).
 */
import { NeutronError } from '../../errors.ts'
import { pyRepr } from '../ports/attribute-map.ts'

/** neutron_lib BadRequest(resource=…, msg=…): "Bad router request: …." */
export const badRequest = (resource: 'router' | 'floatingip' | 'port', msg: string) =>
  new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`)

export const routerNotFound = (id: string) => new NeutronError(404, 'RouterNotFound', `Router ${id} could not be found`)

export const floatingIpNotFound = (id: string) => new NeutronError(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`)

export const routerInUse = (routerId: string, reason = 'still has ports') =>
  new NeutronError(409, 'RouterInUse', `Router ${routerId} ${reason}`)

export const routerInterfaceNotFound = (routerId: string, portId: string) =>
  new NeutronError(404, 'RouterInterfaceNotFound', `Router ${routerId} does not have an interface with id ${portId}`)

export const routerInterfaceNotFoundForSubnet = (routerId: string, subnetId: string) =>
  new NeutronError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${routerId} has no interface on subnet ${subnetId}`)

export const routerInterfaceInUseByFloatingIp = (routerId: string, subnetId: string) =>
  new NeutronError(409, 'RouterInterfaceInUseByFloatingIP',
    `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`)

export const routerInterfaceInUseByRoute = (routerId: string, subnetId: string) =>
  new NeutronError(409, 'RouterInterfaceInUseByRoute',
    `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more routes.`)

export const routerExternalGatewayInUseByFloatingIp = (routerId: string, networkId: string) =>
  new NeutronError(409, 'RouterExternalGatewayInUseByFloatingIp',
    `Gateway cannot be updated for router ${routerId}, since a gateway to external network ${networkId} is required by one or more floating IPs.`)

export const externalGatewayForFloatingIpNotFound = (subnetId: string, externalNetworkId: string, portId: string) =>
  new NeutronError(404, 'ExternalGatewayForFloatingIPNotFound',
    `External network ${externalNetworkId} is not reachable from subnet ${subnetId}.  Therefore, cannot associate Port ${portId} with a Floating IP.`)

export const floatingIpPortAlreadyAssociated = (a: { fipId: string; floatingIp: string; portId: string; fixedIp: string; networkId: string }) =>
  new NeutronError(409, 'FloatingIPPortAlreadyAssociated',
    `Cannot associate floating IP ${a.floatingIp} (${a.fipId}) with port ${a.portId} using fixed IP ${a.fixedIp}, ` +
    `as that fixed IP already has a floating IP on external network ${a.networkId}.`)

/** InvalidRoutes (an InvalidInput with its own message): the routes as the request gave them, in Python's repr. */
export const invalidRoutes = (routes: unknown, reason: string) =>
  new NeutronError(400, 'InvalidRoutes', `Invalid format for routes: ${pyRepr(routes)}, ${reason}`)

export const portInUse = (networkId: string, portId: string, deviceId: string) =>
  new NeutronError(409, 'PortInUse',
    `Unable to complete operation on port ${portId} for network ${networkId}. Port already has an attached device ${deviceId}.`)

export const servicePortInUse = (portId: string, reason: string) =>
  new NeutronError(409, 'ServicePortInUse', `Port ${portId} cannot be deleted directly via the port API: ${reason}.`)

export const subnetMismatchForPort = (portId: string, subnetId: string) =>
  new NeutronError(400, 'SubnetMismatchForPort', `Subnet on port ${portId} does not match the requested subnet ${subnetId}`)

export const externalIpAddressExhausted = (networkId: string) =>
  new NeutronError(400, 'ExternalIpAddressExhausted', `Unable to find any IP address on external network ${networkId}.`)
