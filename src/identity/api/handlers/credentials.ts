/**
 * /v3/credentials: secrets a user stores with the cloud (EC2 keys, certificates, TOTP seeds...).
 * Blobs are encrypted at rest with the credential key repository, as Keystone's Fernet credential provider.
 */
import { createHash } from 'node:crypto'
import { fromDbJson } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { CredentialRow } from '../../db/schema.ts'
import { fernetDecrypt, fernetEncrypt } from '../../tokens/fernet.ts'
import type { TokenInfo } from '../../tokens/token-service.ts'
import { allowed, caller, collection, enforce, links, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId } from '../ids.ts'
import { createCredentialBody, updateCredentialBody } from '../schemas/credentials.ts'

type CredentialBody = { id?: string; user_id?: string; project_id?: string | null; type?: string; blob?: string; [k: string]: unknown }
export type Credential = { id: string; user_id: string; project_id: string | null; type: string; blob: string; extra: Record<string, unknown> }

const known = ['id', 'user_id', 'project_id', 'type', 'blob', 'links']
const isEc2 = (type: string | undefined) => type?.toLowerCase() === 'ec2'
/** EC2 blob attributes that tie the secret to how it was created; an update may not change them. */
const BOUND_KEYS = ['trust_id', 'app_cred_id', 'access_token_id', 'access_id']

function forbidden(action: string): Forbidden {
  return new Forbidden(`You are not authorized to perform the requested action: ${action}.`)
}

/** An EC2 blob is JSON with an `access` key; Keystone's messages for each way it is not. */
function ec2Blob(blob: string | undefined): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(blob ?? '')
  } catch {
    throw new BadRequest('Invalid blob in credential')
  }
  const expecting = (attr: string) => new BadRequest(`Expecting to find ${attr} in credential. The server could not comply with `
    + 'the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.')
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw expecting('blob')
  const obj = parsed as Record<string, unknown>
  if (obj.access === undefined || obj.access === null) throw expecting('access')
  return obj
}

/** Tokens from an application credential reach only credentials of their own project (Keystone's delegation check). */
function checkDelegation(t: TokenInfo, projectId: string | null | undefined): void {
  if (t.appCred && (projectId ?? null) !== (t.project?.id ?? null)) {
    throw forbidden('Credential project does not match the project scope of the delegated token')
  }
}

/** Encrypts a blob with the primary credential key; the key_hash names that key, as Keystone's. */
export function encryptBlob(deps: IdentityDeps, blob: string): { encrypted_blob: string; key_hash: string } {
  deps.credentialKeys.reloadIfChanged()
  const { primary } = deps.credentialKeys.keys
  // Keystone's key_hash: SHA-1 of the primary key as written in its key file.
  const keyText = primary.toString('base64url') + '='
  return {
    encrypted_blob: fernetEncrypt(primary, Buffer.from(blob, 'utf8')),
    key_hash: createHash('sha1').update(keyText).digest('hex'),
  }
}

/** A stored credential with its blob decrypted by any current credential key. */
export function decryptCredential(deps: IdentityDeps, row: CredentialRow): Credential {
  deps.credentialKeys.reloadIfChanged()
  const plain = fernetDecrypt(deps.credentialKeys.keys.all, row.encrypted_blob)
  if (!plain) throw new Error(`Credential ${row.id} could not be decrypted. Please contact the administrator`)
  return {
    id: row.id, user_id: row.user_id, project_id: row.project_id, type: row.type,
    blob: plain.plaintext.toString('utf8'), extra: fromDbJson<Record<string, unknown>>(row.extra, {}),
  }
}

export function credentialsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const encrypt = (blob: string) => encryptBlob(deps, blob)
  const decode = (row: CredentialRow) => decryptCredential(deps, row)

  const render = (req: IdentityRequest, c: Credential) => ({
    ...c.extra, id: c.id, user_id: c.user_id, project_id: c.project_id, type: c.type, blob: c.blob, links: links(req, `credentials/${c.id}`),
  })
  const policyView = (c: Credential | CredentialBody) => ({ id: c.id, user_id: c.user_id, project_id: c.project_id, type: c.type })

  async function find(id: string): Promise<Credential | undefined> {
    const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? decode(row) : undefined
  }

  /** Enforces on the stored credential (when it exists) before saying whether it exists. */
  async function guarded(req: IdentityRequest, action: string): Promise<Credential> {
    const id = req.params.credential_id
    const c = await find(id)
    enforce(deps, req, action, { credential_id: id, target: c ? { credential: policyView(c) } : {} })
    if (!c) throw new NotFound(`Could not find credential: ${id}.`)
    checkDelegation(caller(req), c.project_id)
    return c
  }

  return [
    route('POST', '/v3/credentials', async (req: IdentityRequest) => {
      const body = (req.body as { credential: CredentialBody }).credential
      enforce(deps, req, 'identity:create_credential', { target: { credential: policyView(body) } })
      const t = caller(req)
      if (isEc2(body.type) && t.appCred?.restricted) {
        throw forbidden("Using method 'application_credential' is not allowed for managing additional credentials.")
      }
      checkDelegation(t, body.project_id)
      let id = newId()
      let blob = body.blob!
      if (isEc2(body.type)) {
        const parsed = ec2Blob(blob)
        // Keystone names an EC2 credential by the hash of its access key, so the key finds it.
        id = createHash('sha256').update(String(parsed.access)).digest('hex')
        if (t.appCred) blob = JSON.stringify({ ...parsed, app_cred_id: t.appCred.id })
      }
      const row: CredentialRow = {
        id, user_id: body.user_id!, project_id: body.project_id ?? null, type: body.type!, ...encrypt(blob),
        extra: extraOf(body, known),
      }
      try {
        await db.insertInto('credentials').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store credential - Duplicate entry found with ID ${id}.`)
        throw err
      }
      deps.log.info('created credential', { credential_id: id, user_id: row.user_id, type: row.type })
      return { status: 201, body: { credential: render(req, decode(row)) } }
    }, { body: createCredentialBody }),

    route('GET', '/v3/credentials', async (req: IdentityRequest) => {
      const t = caller(req)
      const userFilter = req.query.get('user_id')
      const typeFilter = req.query.get('type')
      const filters = { ...(userFilter !== null ? { user_id: userFilter } : {}), ...(typeFilter !== null ? { type: typeFilter } : {}) }
      const target = t.scope.kind === 'system' ? {} : { credential: { user_id: t.user.id } }
      enforce(deps, req, 'identity:list_credentials', { ...filters, target })
      let q = db.selectFrom('credentials').selectAll().orderBy('id')
      if (userFilter !== null) q = q.where('user_id', '=', userFilter)
      if (typeFilter !== null) q = q.where('type', '=', typeFilter)
      // Each credential is shown only to those who may read it.
      const visible = (await q.execute()).filter((row) =>
        allowed(deps, req, 'identity:get_credential', { target: { credential: policyView(row) } })
        && (!t.appCred || row.project_id === (t.project?.id ?? null)))
      return { status: 200, body: collection(req, 'credentials', visible.map((row) => render(req, decode(row)))) }
    }),

    route('GET', '/v3/credentials/:credential_id', async (req: IdentityRequest) => {
      const c = await guarded(req, 'identity:get_credential')
      return { status: 200, body: { credential: render(req, c) } }
    }),

    route('PATCH', '/v3/credentials/:credential_id', async (req: IdentityRequest) => {
      const current = await guarded(req, 'identity:update_credential')
      const body = (req.body as { credential: CredentialBody }).credential
      if (body.id !== undefined && body.id !== current.id) throw new BadRequest('Cannot change ID')
      const type = body.type ?? current.type
      if (isEc2(type) && body.blob !== undefined) {
        const before = isEc2(current.type) ? ec2Blob(current.blob) : {}
        const after = ec2Blob(body.blob)
        for (const key of BOUND_KEYS) {
          if (before[key] !== after[key]) throw new BadRequest(`${key} can not be updated for credential`)
        }
      }
      const projectId = body.project_id === undefined ? current.project_id : body.project_id
      if (isEc2(type) && !projectId) {
        throw new BadRequest('Expecting to find project_id in credential. The server could not comply with the request since it is '
          + 'either malformed or otherwise incorrect. The client is assumed to be in error.')
      }
      // The changed credential must still be one the caller may manage (no handing it to another user).
      const merged = { ...current, ...body, project_id: projectId }
      enforce(deps, req, 'identity:update_credential', { credential_id: current.id, target: { credential: policyView(merged) } })
      checkDelegation(caller(req), projectId)
      await db.updateTable('credentials').set({
        user_id: merged.user_id, project_id: projectId, type,
        ...(body.blob !== undefined ? encrypt(body.blob) : {}),
        extra: JSON.stringify({ ...current.extra, ...JSON.parse(extraOf(body, known)) }),
      }).where('id', '=', current.id).execute()
      return { status: 200, body: { credential: render(req, (await find(current.id))!) } }
    }, { body: updateCredentialBody }),

    route('DELETE', '/v3/credentials/:credential_id', async (req: IdentityRequest) => {
      const c = await guarded(req, 'identity:delete_credential')
      await db.deleteFrom('credentials').where('id', '=', c.id).execute()
      deps.log.info('deleted credential', { credential_id: c.id, user_id: c.user_id })
      return { status: 204 }
    }),
  ]
}
