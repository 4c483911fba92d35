/** Neutron's error body, `{"NeutronError": {"type", "message", "detail"}}`, and its named errors. */
import { CloudError } from '../common/errors.ts'

/** Renders any CloudError; Neutron exception class names travel in `title`. */
export function neutronErrorBody(err: CloudError): unknown {
  const type = /\s/.test(err.title) ? `HTTP${err.title.replace(/\s+/g, '')}` : err.title
  return { NeutronError: { type, message: err.message, detail: '' } }
}

/** A Neutron exception by class name: `new NeutronError(404, 'NetworkNotFound', 'Network x could not be found.')`. */
export class NeutronError extends CloudError {
  override readonly status: number
  override readonly title: string
  constructor(status: number, type: string, message: string) {
    super(message)
    this.status = status
    this.title = type
  }
}

/** 404 in Neutron's words: `<Resource> <id> could not be found.` */
export function notFound(resource: string, id: string): NeutronError {
  const type = resource.replace(/(^|[ _-])(\w)/g, (_, __, c: string) => c.toUpperCase()) + 'NotFound'
  const label = resource.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
  return new NeutronError(404, type, `${label} ${id} could not be found.`)
}

/** 400 InvalidInput, Neutron's catch-all for bad attribute values. */
export const invalidInput = (message: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`)

/** 400 HTTPBadRequest as the API layer's attribute validation words it. */
export const badRequest = (message: string) => new NeutronError(400, 'HTTPBadRequest', message)

/** 409 InUse-style conflicts, named by Neutron's class (e.g. NetworkInUse). */
export const inUse = (type: string, message: string) => new NeutronError(409, type, message)

/** 403 as Neutron words a policy refusal. */
export const policyForbidden = (action: string) => new NeutronError(403, 'HTTPForbidden', `(rule:${action}) is disallowed by policy`)
