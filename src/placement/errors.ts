/**
 * @module Placement's errors and their one rendering. Placement raises webob exceptions with a
 * detail and an error code (microversion 1.23); its JSON formatter answers
 * {"errors": [{status, title, detail, code, request_id}]}, where `detail` is webob's plain body:
 * the status's explanation, a blank line, then the detail. A 401 comes from keystonemiddleware in
 * front of placement, in its own shape.
 */
import {
  BadRequest, CloudError, Conflict, Forbidden, MethodNotAllowed, NotAcceptable, NotFound, Unauthorized,
  UnsupportedMediaType,
} from '../common/errors.ts'
import type { ApiRequest } from '../common/http/types.ts'

/** Placement's error codes (placement/errors.py). */
export const errorCodes = {
  default: 'placement.undefined_code',
  inventoryInUse: 'placement.inventory.inuse',
  concurrentUpdate: 'placement.concurrent_update',
  duplicateName: 'placement.duplicate_name',
  providerInUse: 'placement.resource_provider.inuse',
  cannotDeleteParent: 'placement.resource_provider.cannot_delete_parent',
  providerNotFound: 'placement.resource_provider.not_found',
  duplicateQueryParam: 'placement.query.duplicate_key',
  queryBadValue: 'placement.query.bad_value',
  queryMissingValue: 'placement.query.missing_value',
} as const

type Coded = { code: string }

export class PlacementBadRequest extends BadRequest implements Coded {
  readonly code: string
  constructor(detail: string, code: string = errorCodes.default) {
    super(detail)
    this.code = code
  }
}
export class PlacementForbidden extends Forbidden implements Coded {
  readonly code = errorCodes.default
}
export class PlacementNotFound extends NotFound implements Coded {
  readonly code: string
  constructor(detail: string, code: string = errorCodes.default) {
    super(detail)
    this.code = code
  }
}
export class PlacementConflict extends Conflict implements Coded {
  readonly code: string
  constructor(detail: string, code: string = errorCodes.default) {
    super(detail)
    this.code = code
  }
}
/** 406 for an Accept the API cannot satisfy (`accept`: what the client sent). */
export class PlacementNotAcceptable extends NotAcceptable implements Coded {
  readonly code = errorCodes.default
  readonly accept: string
  constructor(detail: string, accept: string) {
    super(detail)
    this.accept = accept
  }
}
/** The microversion middleware's 406: the body also names the versions we do serve. */
export class UnacceptableVersion extends PlacementNotAcceptable {
  readonly versions: { min_version: string; max_version: string }
  constructor(detail: string, accept: string, versions: { min_version: string; max_version: string }) {
    super(detail, accept)
    this.versions = versions
  }
}
/** The microversion middleware's 400: no code (no microversion is known yet). */
export class BadVersion extends BadRequest {}
export class PlacementUnsupportedMediaType extends UnsupportedMediaType implements Coded {
  readonly code = errorCodes.default
  readonly contentType: string
  constructor(detail: string, contentType: string) {
    super(detail)
    this.contentType = contentType
  }
}

/** keystonemiddleware's 401, pointing the client at identity. */
export class AuthRequired extends Unauthorized {
  override readonly headers: Record<string, string>
  constructor(authUrl: string) {
    super('The request you have made requires authentication.')
    this.headers = { 'WWW-Authenticate': `Keystone uri="${authUrl}"` }
  }
}

/** webob's explanations; they come first in every `detail`. */
const explanations: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect. ',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The body of your request was too large for this server.',
  500: 'The server has either erred or is incapable of performing the requested operation. ',
}

/** What the error body needs to know about the request; the API layer records it per error. */
export type ErrorContext = { requestId: string; minor: number | undefined }
const contexts = new WeakMap<CloudError, ErrorContext>()

/** Remembers which request an error answers, so the body can carry its id and (1.23+) the code. */
export function attachRequest(err: CloudError, req: Pick<ApiRequest, 'requestId'>, minor: number | undefined): CloudError {
  contexts.set(err, { requestId: req.requestId, minor })
  return err
}

/** webob's plain body, as placement's JSON formatter puts it in `detail`. */
export function errorDetail(err: CloudError): string {
  const detail = isCoded(err) ? err.message : genericDetail(err)
  if (err.status === 405) return `${err.message} \n\n The method specified is not allowed for this resource.`
  if (err instanceof PlacementNotAcceptable) {
    return `The resource could not be generated that was acceptable to your browser (content of type ${err.accept}. \n\n ${detail}`
  }
  if (err instanceof PlacementUnsupportedMediaType) {
    return `The request media type ${err.contentType} is not supported by this server. \n\n ${detail}`
  }
  return `${explanations[err.status] ?? ''}\n\n ${detail}  `
}

/** Common errors raised below placement's handlers (routing, body reading) carry no placement detail. */
function genericDetail(err: CloudError): string {
  if (err instanceof NotFound && err.message === 'The resource could not be found.') return ''
  if (err instanceof MethodNotAllowed) return ''
  return err.message
}

const isCoded = (err: CloudError): err is CloudError & Coded => typeof (err as Partial<Coded>).code === 'string'

export function placementErrorBody(err: CloudError): unknown {
  if (err.status === 401) return { error: { code: 401, title: 'Unauthorized', message: err.message } }
  const ctx = contexts.get(err)
  const entry: Record<string, unknown> = { status: err.status, title: err.title, detail: errorDetail(err) }
  if (ctx?.minor !== undefined && ctx.minor >= 23) entry.code = isCoded(err) ? err.code : errorCodes.default
  if (ctx) entry.request_id = ctx.requestId
  if (err instanceof UnacceptableVersion) Object.assign(entry, err.versions)
  return { errors: [entry] }
}
