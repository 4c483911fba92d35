/**
 * Parser for the oslo.policy rule language.
 *
 * Grammar (precedence not > and > or, keywords case-insensitive, tokens split on whitespace
 * with leading/trailing parentheses peeled off, exactly like oslo.policy's tokenizer):
 *
 *   rule    := '' | or
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | '(' or ')' | check
 *   check   := '@' | '!' | 'rule:' name | 'role:' template | kind ':' template
 */

/** A `%(key)s` substitution or a literal text run inside a check's right-hand side. */
export type TemplatePart = string | { readonly ref: string }

/** The right-hand side of a check, pre-split into literal text and target references. */
export type Template = readonly TemplatePart[]

/** Left-hand side of a generic check: a Python-style literal or a dotted credential path. */
export type GenericSubject = { readonly literal: string } | { readonly path: readonly string[] }

/** Parsed rule tree; `kind`/`match` keep the source text of each check for display. */
export type RuleAst =
  | { readonly type: 'always' }
  | { readonly type: 'never' }
  | { readonly type: 'rule'; readonly name: string }
  | { readonly type: 'role'; readonly match: string; readonly role: Template }
  | {
      readonly type: 'generic'
      readonly kind: string
      readonly match: string
      readonly subject: GenericSubject
      readonly value: Template
    }
  | { readonly type: 'not'; readonly check: RuleAst }
  | { readonly type: 'and'; readonly checks: readonly RuleAst[] }
  | { readonly type: 'or'; readonly checks: readonly RuleAst[] }

/** Thrown when a rule string is not valid policy language. */
export class PolicyParseError extends Error {
  readonly rule: string
  constructor(rule: string, reason: string) {
    super(`cannot parse policy rule ${JSON.stringify(rule)}: ${reason}`)
    this.name = 'PolicyParseError'
    this.rule = rule
  }
}

type Token =
  | { readonly t: '(' | ')' | 'and' | 'or' | 'not' }
  | { readonly t: 'check'; readonly text: string }

/** Tokenizes like oslo.policy: whitespace split, then peel parentheses off each word's ends. */
function tokenize(rule: string): Token[] {
  const tokens: Token[] = []
  for (const word of rule.split(/\s+/)) {
    if (word === '') continue
    let body = word.replace(/^\(+/, '')
    for (let i = 0; i < word.length - body.length; i++) tokens.push({ t: '(' })
    if (body === '') continue
    const trimmed = body.replace(/\)+$/, '')
    const trailing = body.length - trimmed.length
    body = trimmed
    const lowered = body.toLowerCase()
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      tokens.push({ t: lowered })
    } else if (body !== '') {
      tokens.push({ t: 'check', text: body })
    }
    for (let i = 0; i < trailing; i++) tokens.push({ t: ')' })
  }
  return tokens
}

/** Splits `a%(x.y)sb%%` into ['a', {ref:'x.y'}, 'b%'] following Python %-formatting. */
export function parseTemplate(text: string): Template {
  const parts: TemplatePart[] = []
  let literal = ''
  const re = /%\(([^)]*)\)s|%%/g
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    literal += text.slice(last, m.index)
    last = re.lastIndex
    if (m[1] === undefined) {
      literal += '%'
      continue
    }
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push({ ref: m[1] })
  }
  literal += text.slice(last)
  if (literal !== '' || parts.length === 0) parts.push(literal)
  return parts
}

const INT_RE = /^[+-]?\d+$/
const FLOAT_RE = /^[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?$/

/** Python's str() of a float, close enough for policy literals (repr switches to exponent at 1e16). */
export function pythonFloatStr(n: number): string {
  if (Number.isNaN(n)) return 'nan'
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf'
  const abs = Math.abs(n)
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return Number.isInteger(n) ? `${n.toFixed(0)}.0` : String(n)
}

/** Mirrors ast.literal_eval on the kind: returns str(value) for literals, undefined for paths. */
function literalOf(kind: string): string | undefined {
  if (kind === 'True' || kind === 'False' || kind === 'None') return kind
  if (kind.length >= 2 && (kind[0] === "'" || kind[0] === '"') && kind.at(-1) === kind[0]) {
    const inner = kind.slice(1, -1)
    if (!inner.includes(kind[0])) return inner
  }
  if (INT_RE.test(kind)) return BigInt(kind).toString()
  if (FLOAT_RE.test(kind)) return pythonFloatStr(Number(kind))
  return undefined
}

/** Builds the check node for one non-operator token. */
function parseCheck(rule: string, text: string): RuleAst {
  if (text === '@') return { type: 'always' }
  if (text === '!') return { type: 'never' }
  if (/^(['"]).*\1$/.test(text)) throw new PolicyParseError(rule, `bare string ${text} is not a check`)
  const colon = text.indexOf(':')
  if (colon < 0) throw new PolicyParseError(rule, `check ${JSON.stringify(text)} has no "kind:match" form`)
  const kind = text.slice(0, colon)
  const match = text.slice(colon + 1)
  if (kind === 'rule') {
    if (match === '') throw new PolicyParseError(rule, 'rule reference without a name')
    return { type: 'rule', name: match }
  }
  if (kind === 'role') return { type: 'role', match, role: parseTemplate(match) }
  if (kind === 'http' || kind === 'https') throw new PolicyParseError(rule, `remote ${kind} checks are not supported`)
  if (kind === '') throw new PolicyParseError(rule, `check ${JSON.stringify(text)} has an empty kind`)
  const literal = literalOf(kind)
  const subject: GenericSubject = literal === undefined ? { path: kind.split('.') } : { literal }
  return { type: 'generic', kind, match, subject, value: parseTemplate(match) }
}

/** Recursive-descent parser over the token list; yields the same trees as oslo's reducer. */
class Parser {
  readonly rule: string
  readonly tokens: Token[]
  pos = 0
  constructor(rule: string, tokens: Token[]) {
    this.rule = rule
    this.tokens = tokens
  }

  fail(reason: string): never {
    throw new PolicyParseError(this.rule, reason)
  }

  peek(): Token | undefined {
    return this.tokens[this.pos]
  }

  parseOr(): RuleAst {
    const checks = [this.parseAnd()]
    while (this.peek()?.t === 'or') {
      this.pos++
      checks.push(this.parseAnd())
    }
    return checks.length === 1 ? checks[0] : { type: 'or', checks }
  }

  parseAnd(): RuleAst {
    const checks = [this.parseUnary()]
    while (this.peek()?.t === 'and') {
      this.pos++
      checks.push(this.parseUnary())
    }
    return checks.length === 1 ? checks[0] : { type: 'and', checks }
  }

  parseUnary(): RuleAst {
    const tok = this.tokens[this.pos++]
    if (tok === undefined) return this.fail('unexpected end of rule')
    switch (tok.t) {
      case 'not':
        return { type: 'not', check: this.parseUnary() }
      case '(': {
        const inner = this.parseOr()
        if (this.tokens[this.pos++]?.t !== ')') this.fail('missing ")"')
        return inner
      }
      case 'check':
        return parseCheck(this.rule, tok.text)
      default:
        return this.fail(`unexpected "${tok.t}"`)
    }
  }
}

/**
 * Parses an oslo.policy rule string. The empty string means "always allow".
 * @throws PolicyParseError on malformed rules (oslo.policy would silently fail closed).
 */
export function parseRule(rule: string): RuleAst {
  if (rule === '') return { type: 'always' }
  const tokens = tokenize(rule)
  if (tokens.length === 0) throw new PolicyParseError(rule, 'rule has only whitespace')
  const parser = new Parser(rule, tokens)
  const ast = parser.parseOr()
  if (parser.pos < tokens.length) parser.fail(`unexpected "${tokens[parser.pos].t}" after complete expression`)
  return ast
}

/** Renders a tree the way oslo.policy's Check.__str__ does: and/or groups always parenthesized. */
export function formatRule(ast: RuleAst): string {
  switch (ast.type) {
    case 'always':
      return '@'
    case 'never':
      return '!'
    case 'rule':
      return `rule:${ast.name}`
    case 'role':
      return `role:${ast.match}`
    case 'generic':
      return `${ast.kind}:${ast.match}`
    case 'not':
      return `not ${formatRule(ast.check)}`
    case 'and':
      return `(${ast.checks.map(formatRule).join(' and ')})`
    case 'or':
      return `(${ast.checks.map(formatRule).join(' or ')})`
  }
}
