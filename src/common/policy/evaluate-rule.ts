import { pythonFloatStr, type RuleAst, type Template } from './parse-rule.ts'

/** Credential dictionary seen by checks (oslo.context's `to_policy_values()` shape). */
export type CredentialDict = Record<string, unknown>

/** Looks up another named rule for `rule:<name>` checks; undefined when no such rule exists. */
export type RuleResolver = (name: string) => RuleAst | undefined

/** Python's str() of a JSON-ish value, so comparisons match oslo.policy's string equality. */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value
  return pythonRepr(value)
}

/** Python's repr() of a JSON-ish value (strings single-quoted, None/True/False spelled Python-style). */
function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : pythonFloatStr(value)
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`
  if (typeof value === 'object') {
    const items = Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
    return `{${items.join(', ')}}`
  }
  return String(value)
}

/** Sentinel for "key not present" (distinct from a present null, which renders as 'None'). */
const MISSING = Symbol('missing')

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Resolves a `%(key)s` reference: the literal key first (Keystone passes flattened dicts),
 * then the dotted path through nested objects.
 */
export function lookupTarget(target: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(target, key)) return target[key] === undefined ? MISSING : target[key]
  let current: unknown = target
  for (const segment of key.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return MISSING
    current = current[segment]
  }
  return current === undefined ? MISSING : current
}

/** Applies Python %-substitution; undefined when a referenced key is missing (the check fails). */
export function substitute(template: Template, target: Record<string, unknown>): string | undefined {
  let out = ''
  for (const part of template) {
    if (typeof part === 'string') {
      out += part
      continue
    }
    const value = lookupTarget(target, part.ref)
    if (value === MISSING) return undefined
    out += pythonStr(value)
  }
  return out
}

/** GenericCheck._find_in_dict: walk the path; any list element along the way may match. */
function findInCredentials(value: unknown, path: readonly string[], match: string): boolean {
  if (path.length === 0) return value !== undefined && match === pythonStr(value)
  if (!isRecord(value) || !Object.hasOwn(value, path[0])) return false
  const next = value[path[0]]
  const rest = path.slice(1)
  if (Array.isArray(next)) return next.some((item) => findInCredentials(item, rest, match))
  return findInCredentials(next, rest, match)
}

/**
 * Evaluates a parsed rule. `rule:` references resolve through `resolve`; a reference to a rule
 * already being evaluated (a cycle) counts as false instead of recursing forever.
 */
export function evaluateRule(
  ast: RuleAst,
  target: Record<string, unknown>,
  creds: CredentialDict,
  resolve: RuleResolver,
  active: Set<string> = new Set(),
): boolean {
  switch (ast.type) {
    case 'always':
      return true
    case 'never':
      return false
    case 'not':
      return !evaluateRule(ast.check, target, creds, resolve, active)
    case 'and':
      return ast.checks.every((c) => evaluateRule(c, target, creds, resolve, active))
    case 'or':
      return ast.checks.some((c) => evaluateRule(c, target, creds, resolve, active))
    case 'rule': {
      const referenced = resolve(ast.name)
      if (referenced === undefined || active.has(ast.name)) return false
      active.add(ast.name)
      try {
        return evaluateRule(referenced, target, creds, resolve, active)
      } finally {
        active.delete(ast.name)
      }
    }
    case 'role': {
      const wanted = substitute(ast.role, target)
      const roles = creds['roles']
      if (wanted === undefined || !Array.isArray(roles)) return false
      const lowered = wanted.toLowerCase()
      return roles.some((r) => typeof r === 'string' && r.toLowerCase() === lowered)
    }
    case 'generic': {
      const match = substitute(ast.value, target)
      if (match === undefined) return false
      if ('literal' in ast.subject) return match === ast.subject.literal
      return findInCredentials(creds, ast.subject.path, match)
    }
  }
}
