/**
 * @module JSON Schema checks with placement's messages: placement validates with Python's
 * jsonschema and puts its message in the 400 ("JSON does not validate: 'name' is a required
 * property"), so values are shown as Python prints them.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

/** oslo's is_uuid_like: 32 hex digits once dashes, braces and a urn:uuid: prefix are dropped. */
export function isUuidLike(s: string): boolean {
  return /^[0-9a-f]{32}$/i.test(s.replace(/^(urn:)?(uuid:)?/i, '').replace(/[{}-]/g, ''))
}

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false, verbose: true, formats: { uuid: isUuidLike } })
const compiled = new WeakMap<object, ValidateFunction>()
/** By the schema's text too: handlers build a schema per microversion on each request, and compiling one costs milliseconds. */
const compiledByText = new Map<string, ValidateFunction>()

function validatorOf(schema: object): ValidateFunction {
  let validate = compiled.get(schema)
  if (validate) return validate
  const text = JSON.stringify(schema)
  validate = compiledByText.get(text)
  if (!validate) compiledByText.set(text, validate = ajv.compile(schema))
  compiled.set(schema, validate)
  return validate
}

/** Why `value` fails `schema`, in jsonschema's words; undefined when it is valid. */
export function schemaProblem(schema: object, value: unknown): string | undefined {
  const validate = validatorOf(schema)
  if (validate(value)) return undefined
  return describe(validate.errors![0])
}

function describe(e: ErrorObject): string {
  const v = e.data
  switch (e.keyword) {
    case 'required': return `${py(e.params.missingProperty)} is a required property`
    case 'additionalProperties': return `Additional properties are not allowed (${py(e.params.additionalProperty)} was unexpected)`
    case 'type': return `${py(v)} is not of type ${String(e.params.type).split(',').map((t) => py(t)).join(', ')}`
    case 'minimum': return `${py(v)} is less than the minimum of ${py(e.params.limit)}`
    case 'maximum': return `${py(v)} is greater than the maximum of ${py(e.params.limit)}`
    case 'minLength': case 'minItems': return `${py(v)} is too short`
    case 'maxLength': case 'maxItems': return `${py(v)} is too long`
    case 'pattern': return `${py(v)} does not match ${py(e.params.pattern)}`
    case 'format': return `${py(v)} is not a ${py(e.params.format)}`
    case 'enum': return `${py(v)} is not one of ${py(e.params.allowedValues)}`
    case 'minProperties': return `${py(v)} does not have enough properties`
    case 'uniqueItems': return `${py(v)} has non-unique elements`
    case 'anyOf': case 'oneOf': return `${py(v)} is not valid under any of the given schemas`
    default: return `${py(v)} ${e.message ?? 'is invalid'}`
  }
}

/** A value as Python's repr() shows it. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') return `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${py(k)}: ${py(x)}`).join(', ')}}`
  return String(v)
}
