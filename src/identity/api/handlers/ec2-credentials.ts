/**
 * /v3/users/{user_id}/credentials/OS-EC2: Keystone's EC2 key pairs. They are ordinary credentials of
 * type `ec2` (id = SHA-256 of the access key, blob {access, secret, trust_id}), so /v3/credentials shows them too.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getProject, getUser } from '../../db/lookups.ts'
import { AuthFailed } from '../../errors.ts'
import type { TokenInfo } from '../../tokens/token-service.ts'
import { caller, collection, enforce, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { decryptCredential, encryptBlob, type Credential } from './credentials.ts'

const EC2 = 'ec2'
const delegationDenied = () => new Forbidden('You are not authorized to perform the requested action: '
  + 'EC2 credential project does not match the project scope of the delegated token.')
const hashAccess = (access: string) => createHash('sha256').update(access, 'utf8').digest('hex')

/** A token from an application credential reaches only EC2 credentials of its own project (Keystone's delegation check). */
function delegationAllows(t: TokenInfo, projectId: string | null): boolean {
  return !t.appCred || projectId === (t.project?.id ?? null)
}

function parseBlob(blob: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(blob)
    return parsed && typeof parsed === 'object' ? parsed as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** Keystone's EC2 view of a credential, with its self link under the user. */
function render(req: IdentityRequest, c: Pick<Credential, 'user_id' | 'project_id' | 'blob'>): Record<string, unknown> {
  const blob = parseBlob(c.blob)
  return {
    user_id: c.user_id, tenant_id: c.project_id, access: blob.access ?? null, secret: blob.secret ?? null,
    trust_id: blob.trust_id ?? null,
    links: { self: `${req.baseUrl}/v3/users/${c.user_id}/credentials/OS-EC2/${String(blob.access)}` },
  }
}

export function ec2CredentialsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  /**
   * The credential named by its access key, as Keystone: an unknown key is a 404 before policy,
   * a credential of another type a 401, and a delegated token sees only its own project's.
   */
  async function load(req: IdentityRequest, action: string): Promise<Credential> {
    const id = hashAccess(req.params.access)
    const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound(`Could not find credential: ${id}.`)
    enforce(deps, req, action, { ...req.params, target: { credential: { id, user_id: row.user_id, project_id: row.project_id, type: row.type } } })
    await getUser(db, req.params.user_id)
    if (row.type !== EC2) throw new AuthFailed('EC2 access key not found.')
    const c = decryptCredential(deps, row)
    if (!delegationAllows(caller(req), c.project_id)) throw delegationDenied()
    return c
  }

  return [
    route('POST', '/v3/users/:user_id/credentials/OS-EC2', async (req: IdentityRequest) => {
      const userId = req.params.user_id
      enforce(deps, req, 'identity:ec2_create_credential', { ...req.params, target: { credential: { user_id: userId } } })
      const t = caller(req)
      if (t.appCred?.restricted) {
        throw new Forbidden('You are not authorized to perform the requested action: '
          + "Using method 'application_credential' is not allowed for managing additional application credentials.")
      }
      await getUser(db, userId)
      const body = (req.body ?? {}) as { tenant_id?: unknown }
      const tenantId = typeof body.tenant_id === 'string' ? body.tenant_id : String(body.tenant_id ?? 'None')
      await getProject(db, tenantId)
      if (!delegationAllows(t, tenantId)) throw delegationDenied()
      const access = randomBytes(16).toString('hex')
      const blob = JSON.stringify({ access, secret: randomBytes(16).toString('hex'), trust_id: null })
      const id = hashAccess(access)
      await db.insertInto('credentials').values({
        id, user_id: userId, project_id: tenantId, type: EC2, ...encryptBlob(deps, blob), extra: '{}',
      }).execute()
      deps.log.info('created EC2 credential', { credential_id: id, user_id: userId, project_id: tenantId })
      return { status: 201, body: { credential: render(req, { user_id: userId, project_id: tenantId, blob }) } }
    }),

    route('GET', '/v3/users/:user_id/credentials/OS-EC2', async (req: IdentityRequest) => {
      const userId = req.params.user_id
      enforce(deps, req, 'identity:ec2_list_credentials', { ...req.params })
      await getUser(db, userId)
      const rows = await db.selectFrom('credentials').selectAll()
        .where('user_id', '=', userId).where('type', '=', EC2).orderBy('id').execute()
      const t = caller(req)
      const shown = rows.filter((r) => delegationAllows(t, r.project_id)).map((r) => render(req, decryptCredential(deps, r)))
      return { status: 200, body: collection(req, 'credentials', shown) }
    }),

    route('GET', '/v3/users/:user_id/credentials/OS-EC2/:access', async (req: IdentityRequest) => {
      const c = await load(req, 'identity:ec2_get_credential')
      return { status: 200, body: { credential: render(req, c) } }
    }),

    route('DELETE', '/v3/users/:user_id/credentials/OS-EC2/:access', async (req: IdentityRequest) => {
      const c = await load(req, 'identity:ec2_delete_credential')
      await db.deleteFrom('credentials').where('id', '=', c.id).execute()
      deps.log.info('deleted EC2 credential', { credential_id: c.id, user_id: c.user_id })
      return { status: 204 }
    }),
  ]
}
