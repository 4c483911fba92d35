/**
 * @module Typed errors. Code throws these where a problem starts; `common/http` turns them into
 * status codes and each service's error body in one place.
 */
export class CloudError extends Error {
  readonly status: number = 500
  /** Short machine-readable kind, e.g. the Neutron error type or Keystone's title. */
  readonly title: string = 'Internal Server Error'
  /** Response headers the error needs (e.g. WWW-Authenticate on 401). */
  readonly headers: Record<string, string> = {}
}

export class BadRequest extends CloudError {
  override readonly status = 400
  override readonly title = 'Bad Request'
}
export class Unauthorized extends CloudError {
  override readonly status = 401
  override readonly title = 'Unauthorized'
}
export class Forbidden extends CloudError {
  override readonly status = 403
  override readonly title = 'Forbidden'
}
export class NotFound extends CloudError {
  override readonly status = 404
  override readonly title = 'Not Found'
}
export class MethodNotAllowed extends CloudError {
  override readonly status = 405
  override readonly title = 'Method Not Allowed'
}
export class NotAcceptable extends CloudError {
  override readonly status = 406
  override readonly title = 'Not Acceptable'
}
export class Conflict extends CloudError {
  override readonly status = 409
  override readonly title = 'Conflict'
}
export class PreconditionFailed extends CloudError {
  override readonly status = 412
  override readonly title = 'Precondition Failed'
}
export class PayloadTooLarge extends CloudError {
  override readonly status = 413
  override readonly title = 'Request Entity Too Large'
}
export class UnsupportedMediaType extends CloudError {
  override readonly status = 415
  override readonly title = 'Unsupported Media Type'
}
export class NotImplemented extends CloudError {
  override readonly status = 501
  override readonly title = 'Not Implemented'
}
export class ServiceUnavailable extends CloudError {
  override readonly status = 503
  override readonly title = 'Service Unavailable'
}

/** Invalid configuration: raised at start-up, printed to the operator, never sent over HTTP. */
export class ConfigError extends Error {}
