/** Keystone's error body: {"error": {"code", "message", "title"}}. */
import { CloudError, Unauthorized } from '../common/errors.ts'

export function keystoneErrorBody(err: CloudError): unknown {
  return { error: { code: err.status, message: err.message, title: err.title } }
}

/** The one 401 every failed authentication gets, so callers cannot tell which part was wrong. */
export class AuthFailed extends Unauthorized {
  override readonly headers = { 'WWW-Authenticate': 'Keystone uri="http://localhost/identity"' }
  constructor(message = 'The request you have made requires authentication.') {
    super(message)
  }
}
