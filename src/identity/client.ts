/**
 * @module The Identity API as other services call it: validate a caller's token (keystonemiddleware's
 * job) and log in with a password. Plain HTTP, so it works the same in one process or across hosts.
 */
import { ServiceUnavailable, Unauthorized } from '../common/errors.ts'

/** Who is calling, as a validated token describes them. */
export type Caller = {
  token: string
  userId: string
  userName: string
  userDomainId: string
  projectId?: string
  projectName?: string
  projectDomainId?: string
  domainId?: string
  /** 'all' for a system-scoped token. */
  system?: string
  roles: string[]
  isAdminProject: boolean
  expiresAt: Date
  /** The service catalog of the token (empty for unscoped tokens). */
  catalog: CatalogService[]
}

export type CatalogService = {
  type: string
  name?: string
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[]
}

type TokenBody = {
  token: {
    user: { id: string; name: string; domain: { id: string } }
    project?: { id: string; name: string; domain: { id: string } }
    domain?: { id: string }
    system?: { all?: boolean }
    roles?: { name: string }[]
    is_admin_project?: boolean
    expires_at: string
    catalog?: CatalogService[]
  }
}

export function callerFromToken(token: string, body: TokenBody): Caller {
  const t = body.token
  return {
    token,
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    projectId: t.project?.id,
    projectName: t.project?.name,
    projectDomainId: t.project?.domain.id,
    domainId: t.domain?.id,
    system: t.system?.all ? 'all' : undefined,
    roles: (t.roles ?? []).map((r) => r.name),
    isAdminProject: t.is_admin_project ?? true,
    expiresAt: new Date(t.expires_at),
    catalog: t.catalog ?? [],
  }
}

export type IdentityClient = {
  /** The caller behind `token`; throws Unauthorized when it is invalid, expired or revoked. */
  validate(token: string): Promise<Caller>
  /** Password login scoped to a project; for services acting on their own behalf. */
  login(o: { user: string; password: string; project: string; domain?: string }): Promise<Caller>
}

export function createIdentityClient(authUrl: string): IdentityClient {
  const base = authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')

  async function call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      throw new ServiceUnavailable(`The Identity service at ${base} cannot be reached: ${(err as Error).message}`)
    }
  }

  return {
    async validate(token) {
      // A token may validate itself (Keystone's `token_subject` rule), so no service user is needed.
      const res = await call('/v3/auth/tokens', { headers: { 'x-auth-token': token, 'x-subject-token': token } })
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        await res.body?.cancel()
        throw new Unauthorized('The request you have made requires authentication.')
      }
      if (res.status !== 200) {
        throw new ServiceUnavailable(`The Identity service answered ${res.status} while validating a token.`)
      }
      return callerFromToken(token, await res.json() as TokenBody)
    },
    async login(o) {
      const domain = { id: o.domain ?? 'default' }
      const res = await call('/v3/auth/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: o.user, domain, password: o.password } } },
            scope: { project: { name: o.project, domain } },
          },
        }),
      })
      if (res.status !== 201) {
        await res.body?.cancel()
        throw new Unauthorized(`Login as ${o.user} failed with ${res.status}.`)
      }
      return callerFromToken(res.headers.get('x-subject-token')!, await res.json() as TokenBody)
    },
  }
}
