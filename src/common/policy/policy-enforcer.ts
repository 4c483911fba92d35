import { evaluateRule, type CredentialDict } from './evaluate-rule.ts'
import { parseRule, PolicyParseError, type RuleAst } from './parse-rule.ts'

/** Token scope kinds, as in oslo.policy's `scope_types`. */
export type ScopeType = 'system' | 'domain' | 'project'

/** A registered default rule (oslo.policy's RuleDefault / DocumentedRuleDefault). */
export type PolicyDefault = {
  rule: string
  scopeTypes?: ScopeType[]
  description?: string
}

/**
 * Who is acting. `domainId` is the domain *scope* of a domain-scoped token (ignored when a
 * project or system scope is present); use `projectDomainId` for the scoped project's domain.
 * Extra keys are copied verbatim into the credential dict, e.g. `is_admin` or `service_roles`.
 */
export type PolicyCredentials = {
  userId: string
  userDomainId?: string
  projectId?: string
  projectDomainId?: string
  domainId?: string
  /** 'all' when system scoped. */
  system?: string
  roles: string[]
  /** Defaults to true, like oslo.context when no admin project is configured. */
  isAdminProject?: boolean
  /** Rendered token body for `token.*` checks; synthesized from the fields above when absent. */
  token?: Record<string, unknown>
  [k: string]: unknown
}

/** One rule as the enforcer will apply it. */
export type EffectiveRule = {
  name: string
  rule: string
  scopeTypes?: ScopeType[]
  description?: string
  /** True when the check string comes from `overrides` rather than the defaults. */
  overridden: boolean
}

/** Options for {@link createEnforcer}. */
export type EnforcerOptions = {
  /** Builds the error `enforce` throws; defaults to {@link PolicyForbiddenError}. */
  forbidden?: (action: string) => Error
}

/** Evaluates named policy rules against a target and the caller's credentials. */
export type PolicyEnforcer = {
  /** True when `action` is defined, the token scope fits its scopeTypes and its rule passes. */
  authorize(action: string, target: Record<string, unknown>, creds: PolicyCredentials): boolean
  /** Like authorize, but throws `options.forbidden(action)` instead of returning false. */
  enforce(action: string, target: Record<string, unknown>, creds: PolicyCredentials): void
  /** Every effective rule, defaults first then override-only rules, in insertion order. */
  rules(): EffectiveRule[]
  /** Whether a rule of this name exists (attribute-level rules are optional in Neutron). */
  has(action: string): boolean
}

/** Default error thrown by `enforce` when the caller is not allowed. */
export class PolicyForbiddenError extends Error {
  readonly action: string
  constructor(action: string) {
    super(`Policy does not allow ${action} to be performed.`)
    this.name = 'PolicyForbiddenError'
    this.action = action
  }
}

/** The scope of the token behind `creds`, decided in oslo.policy's order: system, domain, project. */
export function tokenScope(creds: PolicyCredentials): ScopeType {
  if (creds.system) return 'system'
  if (creds.domainId && !creds.projectId) return 'domain'
  return 'project'
}

const KNOWN_KEYS = new Set([
  'userId', 'userDomainId', 'projectId', 'projectDomainId', 'domainId', 'system', 'roles', 'isAdminProject', 'token',
])

/** Drops undefined entries so absent token parts fail path lookups instead of matching 'None'. */
function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined))
}

/** Keystone-shaped token body, so rules like `token.project.domain.id:%(...)s` work without one. */
function synthesizeToken(creds: PolicyCredentials, scope: ScopeType): Record<string, unknown> {
  const domain = (id: string | undefined) => (id === undefined ? undefined : { id })
  return compact({
    user: compact({ id: creds.userId, domain: domain(creds.userDomainId) }),
    roles: creds.roles.map((name) => ({ name })),
    project: scope === 'project' && creds.projectId !== undefined
      ? compact({ id: creds.projectId, domain: domain(creds.projectDomainId) })
      : undefined,
    domain: scope === 'domain' ? domain(creds.domainId) : undefined,
    system: scope === 'system' && creds.system ? { [creds.system]: true } : undefined,
    is_admin_project: scope === 'project' ? (creds.isAdminProject ?? true) : undefined,
  })
}

/**
 * Builds the credential dict checks run against (oslo.context `to_policy_values()` keys).
 * Unscoped fields are present as null so that e.g. `domain_id:None` behaves as in Keystone.
 */
export function buildCredentialDict(creds: PolicyCredentials): CredentialDict {
  const scope = tokenScope(creds)
  const extras = Object.fromEntries(Object.entries(creds).filter(([k]) => !KNOWN_KEYS.has(k)))
  return {
    ...extras,
    user_id: creds.userId,
    user_domain_id: creds.userDomainId ?? null,
    project_id: scope === 'project' ? (creds.projectId ?? null) : null,
    project_domain_id: scope === 'project' ? (creds.projectDomainId ?? null) : null,
    domain_id: scope === 'domain' ? (creds.domainId ?? null) : null,
    system_scope: scope === 'system' ? (creds.system ?? null) : null,
    system: scope === 'system' ? (creds.system ?? null) : null,
    roles: [...creds.roles],
    is_admin_project: creds.isAdminProject ?? true,
    token: creds.token ?? synthesizeToken(creds, scope),
  }
}

/** Parses one rule, naming the offending action when it is malformed. */
function parseNamed(name: string, rule: string, origin: string): RuleAst {
  try {
    return parseRule(rule)
  } catch (err) {
    if (err instanceof PolicyParseError) {
      throw new Error(`invalid ${origin} policy rule for "${name}": ${err.message}`, { cause: err })
    }
    throw err
  }
}

/**
 * Creates an enforcer from registered defaults plus operator overrides (policy file semantics:
 * an override replaces the check string but keeps the default's scopeTypes).
 * Every rule is parsed up front; a malformed rule throws naming its action.
 */
export function createEnforcer(
  defaults: Record<string, PolicyDefault>,
  overrides: Record<string, string> = {},
  options: EnforcerOptions = {},
): PolicyEnforcer {
  const parsed = new Map<string, RuleAst>()
  const effective = new Map<string, EffectiveRule>()
  for (const [name, def] of Object.entries(defaults)) {
    const override = Object.hasOwn(overrides, name) ? overrides[name] : undefined
    const rule = override ?? def.rule
    parsed.set(name, parseNamed(name, rule, override === undefined ? 'default' : 'override'))
    effective.set(name, compact({
      name, rule, scopeTypes: def.scopeTypes ? [...def.scopeTypes] : undefined,
      description: def.description, overridden: override !== undefined,
    }) as EffectiveRule)
  }
  for (const [name, rule] of Object.entries(overrides)) {
    if (effective.has(name)) continue
    parsed.set(name, parseNamed(name, rule, 'override'))
    effective.set(name, { name, rule, overridden: true })
  }
  const resolve = (name: string) => parsed.get(name)
  const forbidden = options.forbidden ?? ((action: string) => new PolicyForbiddenError(action))

  // Credentials are treated as immutable once checked: one caller's dict is built once, not per check
  // (a list response checks several field rules for every item).
  const dicts = new WeakMap<PolicyCredentials, { scope: ScopeType; dict: CredentialDict }>()
  const prepared = (creds: PolicyCredentials) => {
    let p = dicts.get(creds)
    if (!p) dicts.set(creds, p = { scope: tokenScope(creds), dict: buildCredentialDict(creds) })
    return p
  }

  const authorize = (action: string, target: Record<string, unknown>, creds: PolicyCredentials): boolean => {
    const ast = parsed.get(action)
    if (ast === undefined) return false
    const { scope, dict } = prepared(creds)
    const scopeTypes = effective.get(action)?.scopeTypes
    if (scopeTypes && scopeTypes.length > 0 && !scopeTypes.includes(scope)) return false
    return evaluateRule(ast, target, dict, resolve, new Set([action]))
  }

  return {
    authorize,
    enforce(action, target, creds) {
      if (!authorize(action, target, creds)) throw forbidden(action)
    },
    rules() {
      return [...effective.values()].map((r) => structuredClone(r))
    },
    has(action) {
      return effective.has(action)
    },
  }
}
