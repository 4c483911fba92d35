/**
 * @module Configuration: one YAML file plus environment overrides, validated against the schema
 * each service brings. Unknown keys are errors; every key has a default and a description.
 *
 * Environment: `NUBIS_<SECTION>__<KEY>` in SCREAMING_SNAKE maps to `section.key` in camelCase,
 * e.g. NUBIS_IDENTITY__TOKEN_EXPIRATION_SEC → identity.tokenExpirationSec; NUBIS_DATA_DIR → dataDir.
 */
import { existsSync, readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.ts'

export type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  default?: unknown
  description?: string
  enum?: unknown[]
  additionalProperties?: boolean | JsonSchema
  [k: string]: unknown
}

/** Builds the whole-file schema from top-level keys and one section per service. */
export function configSchema(common: Record<string, JsonSchema>, sections: Record<string, JsonSchema>): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...common }
  for (const [name, schema] of Object.entries(sections)) properties[name] = { ...schema, default: {} }
  return { type: 'object', additionalProperties: false, properties }
}

export type LoadOptions = {
  schema: JsonSchema
  file?: string
  env?: Record<string, string | undefined>
  /** Values that win over file and environment (command-line flags). */
  overrides?: Record<string, unknown>
}

export function loadConfig<T>(opts: LoadOptions): T {
  const env = opts.env ?? process.env
  let data: Record<string, unknown> = {}
  if (opts.file) {
    if (!existsSync(opts.file)) throw new ConfigError(`config file ${opts.file} does not exist`)
    try {
      data = (parseYaml(readFileSync(opts.file, 'utf8')) as Record<string, unknown>) ?? {}
    } catch (err) {
      throw new ConfigError(`config file ${opts.file} is not valid YAML: ${(err as Error).message}`)
    }
  }
  applyEnv(data, opts.schema, env)
  deepMerge(data, opts.overrides ?? {})
  const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true })
  const validate = ajv.compile(opts.schema)
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)'
      if (e.keyword === 'additionalProperties') return `unknown key ${where === '(top level)' ? '' : where + '.'}${e.params.additionalProperty}`
      return `${where}: ${e.message}`
    })
    throw new ConfigError(`invalid configuration${opts.file ? ' in ' + opts.file : ''}:\n  ${problems.join('\n  ')}`)
  }
  return data as T
}

function applyEnv(data: Record<string, unknown>, schema: JsonSchema, env: Record<string, string | undefined>): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('NUBIS_') || raw === undefined || name === 'NUBIS_CONFIG') continue
    const path = name.slice(6).split('__').map(camel)
    const leaf = schemaAt(schema, path)
    if (!leaf) continue // other NUBIS_ variables (tests, tools) are not configuration
    let target = data
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>
    target[path.at(-1)!] = coerce(raw, leaf, name)
  }
}

function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let s: JsonSchema | undefined = schema
  for (const key of path) s = s?.properties?.[key]
  return s && s.type !== 'object' ? s : undefined
}

function coerce(raw: string, schema: JsonSchema, name: string): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  if (type === 'integer' || type === 'number') {
    const n = Number(raw)
    if (raw.trim() === '' || Number.isNaN(n)) throw new ConfigError(`${name}=${raw} is not a number`)
    return n
  }
  if (type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true
    if (/^(0|false|no|off)$/i.test(raw)) return false
    throw new ConfigError(`${name}=${raw} is not a boolean (use true or false)`)
  }
  if (type === 'array') return raw.split(',').map((s) => s.trim()).filter(Boolean)
  return raw
}

const camel = (s: string): string => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const cur = into[k]
      into[k] = cur && typeof cur === 'object' ? cur : {}
      deepMerge(into[k] as Record<string, unknown>, v as Record<string, unknown>)
    } else if (v !== undefined) into[k] = v
  }
}

/** One line per key with its default and description: `nubis config help`. */
export function describeConfig(schema: JsonSchema, prefix = ''): string[] {
  const lines: string[] = []
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key
    if (s.type === 'object' && s.properties) lines.push(...describeConfig(s, path))
    else lines.push(`${path} (default ${JSON.stringify(s.default)}): ${s.description ?? ''}`)
  }
  return lines
}
