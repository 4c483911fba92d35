/**
 * @module Glance's error bodies. Glance raises webob HTTP exceptions; for a JSON client webob renders
 * {"message": <body>, "code": "404 Not Found", "title": "Not Found"}, where <body> is its template
 * "${explanation}<br /><br />\n${detail}\n${html_comment}\n" (405 and 415 have their own templates).
 * A 401 comes from keystonemiddleware in front of Glance, in Keystone's shape.
 */
import { CloudError, Unauthorized } from '../common/errors.ts'

/** webob's titles, by status (a few differ from ours, e.g. 416). */
const webobTitles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type',
  416: 'Request Range Not Satisfiable', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
}

/** An error with webob's explanation + detail split (e.g. 416 "The Range requested is not available." + why). */
export class DetailedError extends CloudError {
  readonly detail: string
  constructor(explanation: string, detail: string) {
    super(explanation)
    this.detail = detail
  }
}

export function glanceErrorBody(err: CloudError): unknown {
  if (err.status === 401) return { error: { code: 401, title: 'Unauthorized', message: err.message } }
  const title = webobTitles[err.status] ?? err.title
  const detail = err instanceof DetailedError ? err.detail : ''
  let message: string
  if (err.status === 405) message = `${err.message} <br /><br />\n${detail}`
  else if (err.status === 415) message = `${err.message}\n<br /><br />\n${detail}`
  else message = `${err.message}<br /><br />\n${detail}\n\n`
  return { message, code: `${err.status} ${title}`, title }
}

/** The message of a Glance error body without webob's markup: what a person reads. */
export function plainGlanceMessage(body: unknown): string {
  const b = body as { message?: string; error?: { message?: string } }
  const raw = b?.error?.message ?? b?.message ?? ''
  return raw.split('<br /><br />').map((s) => s.trim()).filter(Boolean).join(' ')
}

/** keystonemiddleware's 401, pointing the client at identity. */
export class AuthRequired extends Unauthorized {
  override readonly headers: Record<string, string>
  constructor(authUrl: string) {
    super('The request you have made requires authentication.')
    this.headers = { 'WWW-Authenticate': `Keystone uri="${authUrl}"` }
  }
}

export class Gone extends CloudError {
  override readonly status = 410
  override readonly title = 'Gone'
}

/** 415 with webob's media-type template; `detail` says what was wrong. */
export class MediaTypeRejected extends DetailedError {
  override readonly status = 415
  override readonly title = 'Unsupported Media Type'
  override readonly headers: Record<string, string>
  constructor(contentType: string, detail: string, headers: Record<string, string> = {}) {
    super(`The request media type ${contentType} is not supported by this server.`, detail)
    this.headers = headers
  }
}

export class RangeNotSatisfiable extends DetailedError {
  override readonly status = 416
  override readonly title = 'Request Range Not Satisfiable'
  constructor(detail: string) {
    super('The Range requested is not available.', detail)
  }
}
