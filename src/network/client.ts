/**
 * @module The Network API (Neutron v2.0) as the rest of Nubis calls it (compute creating, binding
 * and releasing an instance's ports; later block storage). Plain HTTP with a token over one
 * module-wide keep-alive agent, so it works the same in one process or across hosts.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import {
  BadRequest, CloudError, Conflict, Forbidden, MethodNotAllowed, NotAcceptable, NotFound, NotImplemented, PayloadTooLarge,
  PreconditionFailed, ServiceUnavailable, Unauthorized, UnsupportedMediaType,
} from '../common/errors.ts'

export type NetworkView = {
  id: string
  name: string
  project_id: string
  status: string
  admin_state_up: boolean
  shared: boolean
  'router:external': boolean
  subnets: string[]
  mtu?: number
  [attribute: string]: unknown
}

export type SubnetView = {
  id: string
  name: string
  network_id: string
  project_id: string
  ip_version: 4 | 6
  cidr: string
  gateway_ip: string | null
  enable_dhcp: boolean
  [attribute: string]: unknown
}

export type FixedIp = { subnet_id: string; ip_address: string }

export type PortView = {
  id: string
  name: string
  network_id: string
  project_id: string
  mac_address: string
  fixed_ips: FixedIp[]
  device_id: string
  device_owner: string
  status: string
  admin_state_up: boolean
  security_groups: string[]
  /** The binding:* attributes are shown to admins and the service role only. */
  'binding:host_id'?: string
  'binding:vif_type'?: string
  'binding:vif_details'?: Record<string, unknown>
  'binding:vnic_type'?: string
  'binding:profile'?: Record<string, unknown>
  [attribute: string]: unknown
}

export type SecurityGroupRuleView = {
  id: string
  security_group_id: string
  project_id: string
  direction: 'ingress' | 'egress'
  ethertype: 'IPv4' | 'IPv6'
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  description: string
  [attribute: string]: unknown
}

export type SecurityGroupView = {
  id: string
  name: string
  description: string
  project_id: string
  security_group_rules: SecurityGroupRuleView[]
  [attribute: string]: unknown
}

export type FloatingIpView = {
  id: string
  floating_ip_address: string
  floating_network_id: string
  fixed_ip_address: string | null
  port_id: string | null
  router_id: string | null
  project_id: string
  status: string
  [attribute: string]: unknown
}

export type ExtensionView = { alias: string; name: string; description: string; [attribute: string]: unknown }

/** Request bodies: the attributes to set, as Neutron names them (the client adds the `{"port": …}` wrapper). */
export type Attributes = Record<string, unknown>

/**
 * List filters as Neutron takes them: a value matches exactly, an array matches any of its
 * values (`?id=a&id=b`), and `fields` picks the attributes returned. Without `limit` every page
 * is fetched.
 */
export type ListQuery = Record<string, string | string[] | boolean>

/** What a failed call throws: the CloudError of its status, carrying Neutron's error type. */
export type NetworkApiError = CloudError & {
  /** Neutron's exception name, e.g. PortNotFound, IpAddressAlreadyAllocated, OverQuota, SecurityGroupInUse. */
  readonly neutronType: string
}

export type NetworkClient = {
  /** Undefined when the network does not exist or the caller may not see it (404); likewise for every get. */
  getNetwork(id: string): Promise<NetworkView | undefined>
  listNetworks(query?: ListQuery): Promise<NetworkView[]>
  getSubnet(id: string): Promise<SubnetView | undefined>
  listSubnets(query?: ListQuery): Promise<SubnetView[]>
  getPort(id: string): Promise<PortView | undefined>
  listPorts(query?: ListQuery): Promise<PortView[]>
  createPort(body: Attributes): Promise<PortView>
  updatePort(id: string, body: Attributes): Promise<PortView>
  /** Succeeds when the port is already gone. */
  deletePort(id: string): Promise<void>
  getSecurityGroup(id: string): Promise<SecurityGroupView | undefined>
  listSecurityGroups(query?: ListQuery): Promise<SecurityGroupView[]>
  createSecurityGroup(body: Attributes): Promise<SecurityGroupView>
  updateSecurityGroup(id: string, body: Attributes): Promise<SecurityGroupView>
  /** A missing group is NotFound (SecurityGroupNotFound); one still used by ports is Conflict (SecurityGroupInUse). */
  deleteSecurityGroup(id: string): Promise<void>
  getSecurityGroupRule(id: string): Promise<SecurityGroupRuleView | undefined>
  createSecurityGroupRule(body: Attributes): Promise<SecurityGroupRuleView>
  /** A missing rule is NotFound (SecurityGroupRuleNotFound). */
  deleteSecurityGroupRule(id: string): Promise<void>
  getFloatingIp(id: string): Promise<FloatingIpView | undefined>
  listFloatingIps(query?: ListQuery): Promise<FloatingIpView[]>
  createFloatingIp(body: Attributes): Promise<FloatingIpView>
  updateFloatingIp(id: string, body: Attributes): Promise<FloatingIpView>
  /** A missing floating IP is NotFound (FloatingIPNotFound). */
  deleteFloatingIp(id: string): Promise<void>
  listExtensions(): Promise<ExtensionView[]>
}

export type NetworkClientOptions = {
  /** The network endpoint as in the catalog, e.g. http://127.0.0.1:9696 (a trailing /v2.0 is accepted). */
  url: string
  /** The token, or a supplier asked once per request (a service token source renews behind it). */
  token: () => Promise<string> | string
  /** Per request, from sending to the last byte of the answer; default 30 s. */
  timeoutMs?: number
}

// One pool per process: every client (they are made per caller) reuses the same connections.
const httpAgent = new Agent({ keepAlive: true, maxSockets: 32 })
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 })

const errorsByStatus: Record<number, new (message: string) => CloudError> = {
  400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed, 406: NotAcceptable,
  409: Conflict, 412: PreconditionFailed, 413: PayloadTooLarge, 415: UnsupportedMediaType, 501: NotImplemented,
  502: ServiceUnavailable, 503: ServiceUnavailable, 504: ServiceUnavailable,
}

/** The CloudError for a Neutron error answer, with Neutron's message and `neutronType`. */
export function networkApiError(status: number, body: unknown, what: string): NetworkApiError {
  const e = (body as { NeutronError?: { type?: unknown; message?: unknown } } | undefined)?.NeutronError
  const type = typeof e?.type === 'string' ? e.type : ''
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : ''
  const message = typeof e?.message === 'string' && e.message ? e.message : `${what} failed with ${status}${text ? `: ${text}` : ''}`
  const Err = errorsByStatus[status] ?? (status >= 400 && status < 500 ? BadRequest : CloudError)
  const err = new Err(message)
  Object.defineProperty(err, 'neutronType', { value: type, enumerable: true })
  return err as NetworkApiError
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE'])

type Answer = { status: number; body: any }

export function createNetworkClient({ url, token, timeoutMs = 30_000 }: NetworkClientOptions): NetworkClient {
  const base = new URL(url.replace(/\/+$/, '').replace(/\/v2\.0$/, '') + '/')
  const secure = base.protocol === 'https:'
  const prefix = base.pathname.replace(/\/$/, '')

  function send(method: string, path: string, authToken: string, payload?: Buffer): Promise<Answer> {
    const headers: Record<string, string | number> = { 'x-auth-token': authToken, accept: 'application/json' }
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length })
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)({
        agent: secure ? httpsAgent : httpAgent, protocol: base.protocol, hostname: base.hostname, port: base.port || undefined,
        method, path: prefix + path, headers, signal: AbortSignal.timeout(timeoutMs),
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {
            // not JSON: keep the text for the error message
          }
          resolve({ status: res.statusCode ?? 0, body: parsed })
        })
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive connection just as we reused it: safe to resend once.
        if (req.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { retryable: true })
        reject(err)
      })
      req.end(payload)
    })
  }

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const authToken = await token()
    try {
      return await send(method, path, authToken, payload).catch((err: { retryable?: boolean }) => {
        if (err.retryable && IDEMPOTENT.has(method)) return send(method, path, authToken, payload)
        throw err
      })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : e.message
      throw new ServiceUnavailable(`The Network service at ${base.origin}${prefix} cannot be reached: ${reason}`, { cause: err })
    }
  }

  async function expect(method: string, path: string, ok: number, what: string, body?: unknown): Promise<any> {
    const res = await call(method, path, body)
    if (res.status !== ok) throw networkApiError(res.status, res.body, what)
    return res.body
  }

  /** GET /v2.0/<collection>/<id>, undefined on 404. */
  async function show<T>(collection: string, resource: string, id: string): Promise<T | undefined> {
    const res = await call('GET', `/v2.0/${collection}/${encodeURIComponent(id)}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw networkApiError(res.status, res.body, `${resource} show`)
    return res.body[resource] as T
  }

  /** GET /v2.0/<path>?query, every page unless the query sets `limit`. */
  async function list<T>(path0: string, collection: string, query: ListQuery = {}): Promise<T[]> {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one))
    }
    const all: T[] = []
    let path: string | undefined = `/v2.0/${path0}${params.size ? `?${params}` : ''}`
    while (path) {
      const page = await expect('GET', path, 200, `${collection} list`)
      all.push(...(page[collection] as T[]))
      const next = (page[`${collection}_links`] as { rel: string; href: string }[] | undefined)?.find((l) => l.rel === 'next')
      // A caller's own limit asks for one page; otherwise follow the links (on our base: the href has the public host).
      path = next && !('limit' in query) ? nextPath(next.href) : undefined
    }
    return all
  }

  const nextPath = (href: string) => {
    const u = new URL(href, base)
    return u.pathname.slice(u.pathname.indexOf('/v2.0/')) + u.search
  }

  const create = async <T>(collection: string, resource: string, body: Attributes): Promise<T> =>
    (await expect('POST', `/v2.0/${collection}`, 201, `${resource} create`, { [resource]: body }))[resource] as T

  const update = async <T>(collection: string, resource: string, id: string, body: Attributes): Promise<T> =>
    (await expect('PUT', `/v2.0/${collection}/${encodeURIComponent(id)}`, 200, `${resource} update`, { [resource]: body }))[resource] as T

  const remove = async (collection: string, resource: string, id: string, goneIsFine: boolean): Promise<void> => {
    const res = await call('DELETE', `/v2.0/${collection}/${encodeURIComponent(id)}`)
    if (res.status === 204 || (goneIsFine && res.status === 404)) return
    throw networkApiError(res.status, res.body, `${resource} delete`)
  }

  return {
    getNetwork: (id) => show('networks', 'network', id),
    listNetworks: (query) => list('networks', 'networks', query),
    getSubnet: (id) => show('subnets', 'subnet', id),
    listSubnets: (query) => list('subnets', 'subnets', query),
    getPort: (id) => show('ports', 'port', id),
    listPorts: (query) => list('ports', 'ports', query),
    createPort: (body) => create('ports', 'port', body),
    updatePort: (id, body) => update('ports', 'port', id, body),
    deletePort: (id) => remove('ports', 'port', id, true),
    getSecurityGroup: (id) => show('security-groups', 'security_group', id),
    listSecurityGroups: (query) => list('security-groups', 'security_groups', query),
    createSecurityGroup: (body) => create('security-groups', 'security_group', body),
    updateSecurityGroup: (id, body) => update('security-groups', 'security_group', id, body),
    deleteSecurityGroup: (id) => remove('security-groups', 'security_group', id, false),
    getSecurityGroupRule: (id) => show('security-group-rules', 'security_group_rule', id),
    createSecurityGroupRule: (body) => create('security-group-rules', 'security_group_rule', body),
    deleteSecurityGroupRule: (id) => remove('security-group-rules', 'security_group_rule', id, false),
    getFloatingIp: (id) => show('floatingips', 'floatingip', id),
    listFloatingIps: (query) => list('floatingips', 'floatingips', query),
    createFloatingIp: (body) => create('floatingips', 'floatingip', body),
    updateFloatingIp: (id, body) => update('floatingips', 'floatingip', id, body),
    deleteFloatingIp: (id) => remove('floatingips', 'floatingip', id, false),
    listExtensions: () => list('extensions', 'extensions'),
  }
}
