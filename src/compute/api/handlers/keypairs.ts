/**
 * /os-keypairs: a user's key pairs. Create imports a public key or (before 2.92) generates one
 * and returns its private key once; type ssh or x509 from 2.2; admins act for another user
 * with user_id from 2.10; list pages by name from 2.35. Other users' key pairs do not exist
 * for a caller (404), and each user holds at most the key_pairs quota.
 */
import { nowIso } from '../../../common/db/columns.ts'
import { insertReturningId } from '../../../common/db/insert-id.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { findKeypair, type Keypair } from '../../db/keypairs.ts'
import { checkQuota } from '../../db/quotas.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import { authorize, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { limitAndMarker, nextLinks, rejectUnknownQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { createKeypairSchema } from '../schemas/keypairs.ts'
import { generateSshKeypair, generateX509Keypair, sshFingerprint, x509Fingerprint, type GeneratedKeypair } from '../ssh-public-keys.ts'
import { iso } from '../views/server.ts'

export function keypairsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-keypairs', (req) => listKeypairs(deps, req)),
    route('POST', '/os-keypairs', (req) => createKeypair(deps, req), { body: createKeypairSchema }),
    route('GET', '/os-keypairs/:name', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const userId = targetUser(req)
      authorize(deps, req, 'os-keypairs:show', { user_id: userId })
      const kp = await keypairOf(deps, userId, req.params.name)
      return { status: 200, body: { keypair: showView(req, kp) } }
    }),
    route('DELETE', '/os-keypairs/:name', async (req: ComputeRequest) => {
      rejectUnknownQuery(req, ['user_id'], '2.75')
      const userId = targetUser(req)
      authorize(deps, req, 'os-keypairs:delete', { user_id: userId })
      const r = await deps.db.deleteFrom('keypairs').where('user_id', '=', userId).where('name', '=', req.params.name).executeTakeFirst()
      if (Number(r.numDeletedRows) === 0) throw keypairNotFound(req.params.name, userId)
      deps.log.info('deleted key pair', { request_id: req.requestId, keypair: req.params.name, user: userId })
      return { status: atLeast(versionOf(req), '2.2') ? 204 : 202 }
    }),
  ]
}

const keypairNotFound = (name: string, userId: string) => notFound(`Keypair ${name} not found for user ${userId}`)

/** The user a request is about: `user_id` from 2.10 (policy lets only admins name another), else the caller. */
function targetUser(req: ComputeRequest): string {
  const asked = atLeast(versionOf(req), '2.10') ? req.query.getAll('user_id')[0] : undefined
  return asked || callerOf(req).userId
}

async function keypairOf(deps: ComputeApiDeps, userId: string, name: string): Promise<Keypair> {
  const kp = await findKeypair(deps.db, userId, name)
  if (!kp) throw keypairNotFound(name, userId)
  return kp
}

function showView(req: ComputeRequest, kp: Keypair): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: kp.name, public_key: kp.public_key, fingerprint: kp.fingerprint, user_id: kp.user_id,
    created_at: iso(kp.created_at, true), deleted: false, deleted_at: null, id: kp.id, updated_at: null,
  }
  if (atLeast(versionOf(req), '2.2')) view.type = kp.type
  return view
}

async function listKeypairs(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  rejectUnknownQuery(req, ['user_id', 'limit', 'marker'], '2.75')
  const userId = targetUser(req)
  authorize(deps, req, 'os-keypairs:index', { user_id: userId })
  let q = deps.db.selectFrom('keypairs').selectAll().where('user_id', '=', userId).orderBy('name')
  const paged = atLeast(v, '2.35')
  const { limit, marker } = paged ? limitAndMarker(req, deps.config.maxLimit) : { limit: undefined, marker: undefined }
  if (marker !== undefined) {
    if (!(await findKeypair(deps.db, userId, marker))) throw badRequest(`Marker ${marker} could not be found.`)
    q = q.where('name', '>', marker)
  }
  if (limit !== undefined) q = q.limit(limit)
  const rows = await q.execute()
  const body: Record<string, unknown> = {
    keypairs: rows.map((kp) => ({
      keypair: { name: kp.name, public_key: kp.public_key, fingerprint: kp.fingerprint, ...(atLeast(v, '2.2') ? { type: kp.type } : {}) },
    })),
  }
  if (paged) {
    const links = nextLinks(req, 'os-keypairs', rows.length, limit!, rows.at(-1)?.name)
    if (links) body.keypairs_links = links
  }
  return { status: 200, body }
}

type CreateBody = { keypair: { name: string; type?: 'ssh' | 'x509'; public_key?: string; user_id?: string } }

async function createKeypair(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  const k = (req.body as CreateBody).keypair
  const unexpected = (field: string) => badRequest(`Invalid input for field/attribute keypair. Value: ${JSON.stringify(k)}. Additional properties are not allowed ('${field}' was unexpected)`)
  if (k.type !== undefined && !atLeast(v, '2.2')) throw unexpected('type')
  if (k.user_id !== undefined && !atLeast(v, '2.10')) throw unexpected('user_id')
  if (!atLeast(v, '2.92') && /[@.]/.test(k.name)) {
    throw badRequest(`Invalid input for field/attribute name. Value: ${k.name}. '${k.name}' does not match '^[_\\- a-zA-Z0-9]+$'`)
  }
  if (atLeast(v, '2.92') && k.public_key === undefined) throw badRequest("Invalid input for field/attribute keypair. Value: " + JSON.stringify(k) + ". 'public_key' is a required property")
  const name = k.name.trim()
  const type = k.type ?? 'ssh'
  const userId = k.user_id || callerOf(req).userId
  authorize(deps, req, 'os-keypairs:create', { user_id: userId })
  await checkQuota(deps.db, deps.config, projectOf(req), 'key_pairs', 1, { userId })

  let material: GeneratedKeypair | undefined
  let publicKey: string
  let fingerprint: string | undefined
  if (k.public_key !== undefined) {
    publicKey = k.public_key
    fingerprint = type === 'ssh' ? sshFingerprint(publicKey) : x509Fingerprint(publicKey)
    if (!fingerprint) {
      throw badRequest(type === 'ssh' ? 'Keypair data is invalid: failed to generate fingerprint'
        : 'Keypair data is invalid: failed to generate X509 fingerprint. Error message: the certificate could not be read')
    }
  } else {
    if (await findKeypair(deps.db, userId, name)) throw exists(name)
    material = type === 'ssh' ? await generateSshKeypair() : await generateX509Keypair(userId)
    publicKey = material.publicKey
    fingerprint = material.fingerprint
  }
  try {
    await insertReturningId(deps.db, 'keypairs', { user_id: userId, name, type, public_key: publicKey, fingerprint, created_at: nowIso() })
  } catch (err) {
    if (isUniqueViolation(err)) throw exists(name)
    throw err
  }
  deps.log.info(`${material ? 'generated' : 'imported'} key pair ${name}`, { request_id: req.requestId, user: userId })
  const view: Record<string, unknown> = {}
  if (material) view.private_key = material.privateKey
  if (atLeast(v, '2.2')) view.type = type
  Object.assign(view, { name, public_key: publicKey, fingerprint, user_id: userId })
  return { status: atLeast(v, '2.2') ? 201 : 200, body: { keypair: view } }
}

const exists = (name: string) => conflict(`Key pair '${name}' already exists.`)
