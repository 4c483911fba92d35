/**
 * @module Nova's error body, `{"itemNotFound": {"code": 404, "message": "..."}}`, keyed by the
 * fault name Nova's WSGI layer gives each status, and the errors compute code throws.
 */
import { CloudError } from '../common/errors.ts'

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  406: 'notAcceptable', 409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
  501: 'notImplemented', 503: 'serviceUnavailable',
}

export function novaErrorBody(err: CloudError): unknown {
  return { [FAULT_NAMES[err.status] ?? 'computeFault']: { code: err.status, message: err.message } }
}

/** An error with a Nova status: `new NovaError(409, "Cannot 'stop' instance ...")`. */
export class NovaError extends CloudError {
  override readonly status: number
  override readonly title: string
  constructor(status: number, message: string, name = FAULT_NAMES[status] ?? 'computeFault') {
    super(message)
    this.status = status
    this.title = name
  }
}

export const badRequest = (message: string) => new NovaError(400, message)
export const notFound = (message: string) => new NovaError(404, message)
export const conflict = (message: string) => new NovaError(409, message)
export const forbidden = (message: string) => new NovaError(403, message)

export const instanceNotFound = (id: string) => notFound(`Instance ${id} could not be found.`)
export const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`)

/** 409 for an action the instance's state does not allow (Nova's InstanceInvalidState). */
export const invalidState = (action: string, uuid: string, attr: 'vm_state' | 'task_state', state: string | null) =>
  conflict(`Cannot '${action}' instance ${uuid} while it is in ${attr} ${state ?? 'None'}`)

/** 403 over quota, worded as Nova's OverQuota for servers. */
export const overQuota = (message: string) => new NovaError(403, message)

/** 403 as Nova words a policy refusal. */
export const policyForbidden = (action: string) => forbidden(`Policy doesn't allow ${action} to be performed.`)

/** An agent call's failure as the API answers it: the bus keeps its status and message, not its class. */
export function fromAgent(err: unknown): unknown {
  const e = err as { status?: number; message?: string }
  return e.status ? new NovaError(e.status, e.message ?? 'error') : err
}
