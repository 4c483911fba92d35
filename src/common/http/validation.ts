import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { BadRequest } from '../errors.ts'

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false, verbose: true })
const cache = new WeakMap<object, ValidateFunction>()

/** Compiles a JSON schema once and returns a function that throws BadRequest on invalid input. */
export function validator(schema: object): (value: unknown) => void {
  let fn = cache.get(schema)
  if (!fn) {
    fn = ajv.compile(schema)
    cache.set(schema, fn)
  }
  const validate = fn
  return (value) => {
    if (!validate(value)) throw new BadRequest(describe(validate.errors?.[0]))
  }
}

/** Words an API user understands: which field, and what is wrong with it. */
function describe(e: ErrorObject | undefined): string {
  if (!e) return 'Invalid input.'
  const field = e.instancePath.replace(/^\//, '').replaceAll('/', '.')
  let detail: string
  switch (e.keyword) {
    case 'required':
      detail = `'${e.params.missingProperty}' is a required property`
      break
    case 'additionalProperties':
      detail = `Additional properties are not allowed ('${e.params.additionalProperty}' was unexpected)`
      break
    case 'type':
      detail = `${JSON.stringify(e.data)} is not of type '${e.params.type}'`
      break
    case 'enum':
      detail = `${JSON.stringify(e.data)} is not one of ${JSON.stringify(e.params.allowedValues)}`
      break
    case 'minLength':
      detail = `${JSON.stringify(e.data)} is too short`
      break
    case 'maxLength':
      detail = `${JSON.stringify(e.data)} is too long`
      break
    case 'pattern':
      detail = `${JSON.stringify(e.data)} does not match '${e.params.pattern}'`
      break
    default:
      detail = e.message ?? 'is invalid'
  }
  return field ? `Invalid input for field '${field}': ${detail}` : `Invalid input: ${detail}`
}
