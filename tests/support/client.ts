/** A small JSON client for functional tests: what a user's HTTP calls look like, nothing more. */
export type ApiResult<T = any> = { status: number; headers: Headers; body: T }

export class ApiClient {
  readonly baseUrl: string
  readonly token: string | undefined
  /** The body of the token response when this client logged in. */
  readonly tokenBody: any

  constructor(baseUrl: string, token?: string, tokenBody?: unknown) {
    this.baseUrl = baseUrl
    this.token = token
    this.tokenBody = tokenBody
  }

  /** Password login by name in the Default domain, scoped to `project` (or unscoped when omitted). */
  static async login(baseUrl: string, o: { user: string; password: string; project?: string; domain?: string; system?: boolean }): Promise<ApiClient> {
    const scope = o.system ? { system: { all: true } }
      : o.project ? { project: { name: o.project, domain: { id: 'default' } } }
      : o.domain ? { domain: { id: o.domain } } : undefined
    const res = await new ApiClient(baseUrl).post('/v3/auth/tokens', {
      auth: {
        identity: { methods: ['password'], password: { user: { name: o.user, domain: { id: 'default' }, password: o.password } } },
        ...(scope ? { scope } : {}),
      },
    })
    if (res.status !== 201) throw new Error(`login as ${o.user} failed: ${res.status} ${JSON.stringify(res.body)}`)
    return new ApiClient(baseUrl, res.headers.get('x-subject-token')!, res.body)
  }

  withToken(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token)
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const h: Record<string, string> = { ...headers }
    if (this.token) h['x-auth-token'] = this.token
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      h['content-type'] ??= 'application/json'
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T }
  }

  /** A request with a non-JSON body (uploads) whose response is returned unread (downloads). */
  async raw(method: string, path: string, body?: RequestInit["body"], headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { ...headers }
    if (this.token) h['x-auth-token'] = this.token
    const init: RequestInit & { duplex?: 'half' } = { method, headers: h, body }
    if (body && typeof (body as ReadableStream).getReader === 'function') init.duplex = 'half'
    return fetch(this.baseUrl + path, init)
  }

  get<T = any>(path: string, headers?: Record<string, string>) { return this.request<T>('GET', path, undefined, headers) }
  head(path: string, headers?: Record<string, string>) { return this.request('HEAD', path, undefined, headers) }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) { return this.request<T>('POST', path, body, headers) }
  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>) { return this.request<T>('PUT', path, body, headers) }
  patch<T = any>(path: string, body?: unknown, headers?: Record<string, string>) { return this.request<T>('PATCH', path, body, headers) }
  delete<T = any>(path: string, headers?: Record<string, string>) { return this.request<T>('DELETE', path, undefined, headers) }
}
