/**
 * @module What every network handler gets (database, config, policy, message bus) and the per-request
 * helpers: who is calling, Neutron's policy checks (action, attribute and field level), ownership.
 */
import type { Kysely } from 'kysely'
import type { ApiRequest } from '../../common/http/types.ts'
import type { Logger } from '../../common/log/logger.ts'
import type { PolicyCredentials, PolicyEnforcer } from '../../common/policy/policy-enforcer.ts'
import type { Transport } from '../../common/rpc/transport.ts'
import { callerOf, policyCredentials, type AuthCtx } from '../../identity/auth-middleware.ts'
import type { NetworkConfig } from '../config.ts'
import type { NetworkDb } from '../db/schema.ts'
import { NeutronError, policyForbidden } from '../errors.ts'
import type { PortBinder } from '../ml2/binding.ts'
import type { NovaNotifier } from '../nova/notifier.ts'
import type { AgentNotifier } from '../rpc/notifier.ts'

export type NetworkDeps = {
  db: Kysely<NetworkDb>
  config: NetworkConfig
  log: Logger
  policy: PolicyEnforcer
  transport: Transport
  /** This host's name, for agents and bindings. */
  host: string
  /** ML2 port binding with the configured mechanism drivers. */
  binder: PortBinder
  /** Server → agent notifications; call after the transaction commits. */
  notifier: AgentNotifier
  /** Network → compute events (floating IP and port changes of servers); absent when turned off. */
  nova?: NovaNotifier
}

export type NetworkRequest = ApiRequest<AuthCtx>

const credsByCaller = new WeakMap<object, PolicyCredentials>()

/** The caller's policy credentials, built once per validated token (the middleware caches callers). */
export function credsOf(req: NetworkRequest): PolicyCredentials {
  const caller = callerOf(req)
  let creds = credsByCaller.get(caller)
  if (!creds) credsByCaller.set(caller, creds = policyCredentials(caller))
  return creds
}

/** True for cloud admins (Neutron's `context_is_admin`). */
export function isAdmin(deps: NetworkDeps, req: NetworkRequest): boolean {
  return deps.policy.authorize('context_is_admin', {}, credsOf(req))
}

/** The caller's project; Neutron resources always belong to one. */
export function projectOf(req: NetworkRequest): string {
  const p = callerOf(req).projectId
  if (!p) throw new NeutronError(403, 'HTTPForbidden', 'A project-scoped token is required for this request.')
  return p
}

export function can(deps: NetworkDeps, req: NetworkRequest, action: string, target: Record<string, unknown>): boolean {
  return deps.policy.authorize(action, target, credsOf(req))
}

/**
 * Throws unless policy allows `action`. When the caller may not even see the resource
 * (`hidden` is given and returns true), Neutron answers 404 rather than 403, so existence is not leaked.
 */
export function enforce(
  deps: NetworkDeps, req: NetworkRequest, action: string, target: Record<string, unknown>,
  hidden?: () => NeutronError | undefined,
): void {
  if (can(deps, req, action, target)) return
  const nf = hidden?.()
  throw nf ?? policyForbidden(action)
}

/**
 * Neutron's attribute-level rules: for every attribute present in the request body that has its own
 * rule (`create_network:shared`, `update_port:binding:host_id`, `create_port:fixed_ips:ip_address`…),
 * that rule must pass too. `nested` lists sub-keys checked inside list-of-object attributes
 * (e.g. `fixed_ips` → ['ip_address', 'subnet_id']).
 */
export function enforceAttributes(
  deps: NetworkDeps, req: NetworkRequest, action: string, body: Record<string, unknown>,
  target: Record<string, unknown>, nested: Record<string, string[]> = {},
): void {
  for (const key of Object.keys(body)) {
    const rule = `${action}:${key}`
    if (deps.policy.has(rule) && !can(deps, req, rule, target)) {
      throw policyForbidden(`${action} and rule:${rule}`)
    }
    for (const sub of nested[key] ?? []) {
      const subRule = `${rule}:${sub}`
      const items = Array.isArray(body[key]) ? body[key] as Record<string, unknown>[] : []
      if (items.some((i) => i && typeof i === 'object' && sub in i) && deps.policy.has(subRule) && !can(deps, req, subRule, target)) {
        throw policyForbidden(`${action} and rule:${subRule}`)
      }
    }
  }
}

/** Removes the fields whose `get_<resource>:<field>` rule the caller fails (e.g. provider attributes for non-admins). */
export function visibleFields<T extends Record<string, unknown>>(
  deps: NetworkDeps, req: NetworkRequest, resource: string, item: T, target: Record<string, unknown>,
): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(item)) {
    const rule = `get_${resource}:${k}`
    if (deps.policy.has(rule) && !can(deps, req, rule, target)) continue
    out[k] = v
  }
  return out as T
}
