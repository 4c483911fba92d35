/**
 * /v3/policies: Keystone's (deprecated) store of opaque policy blobs. Nothing here is enforced;
 * a policy is a `type` plus a `blob` string, and any other attribute is kept as-is.
 */
import { fromDbJson } from '../../../common/db/columns.ts'
import { BadRequest, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { PolicyRow } from '../../db/schema.ts'
import { collection, enforce, links, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId } from '../ids.ts'

const known = ['id', 'blob', 'type', 'links']
const policyProps = { blob: { type: 'string' }, type: { type: 'string', maxLength: 255 } }

/** keystone/policy/schema.py: blob and type required; other attributes allowed. */
const createPolicyBody = {
  type: 'object', required: ['policy'],
  properties: { policy: { type: 'object', required: ['blob', 'type'], properties: policyProps } },
} as const

const updatePolicyBody = {
  type: 'object', required: ['policy'],
  properties: { policy: { type: 'object', minProperties: 1, properties: policyProps } },
} as const

type PolicyBody = { id?: unknown; blob?: string; type?: string } & Record<string, unknown>

function renderPolicy(req: IdentityRequest, p: PolicyRow): Record<string, unknown> {
  return { ...fromDbJson<Record<string, unknown>>(p.extra, {}), id: p.id, blob: p.blob, type: p.type, links: links(req, `policies/${p.id}`) }
}

export function policiesRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps

  async function loadPolicy(id: string): Promise<PolicyRow> {
    const row = await db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFound(`Could not find policy: ${id}.`)
    return row
  }

  return [
    route('POST', '/v3/policies', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_policy')
      const body = (req.body as { policy: PolicyBody }).policy
      const row: PolicyRow = { id: newId(), type: body.type!, blob: body.blob!, extra: extraOf(body, known) }
      await db.insertInto('policies').values(row).execute()
      deps.log.info('created policy', { policy_id: row.id, type: row.type })
      return { status: 201, body: { policy: renderPolicy(req, row) } }
    }, { body: createPolicyBody }),

    route('GET', '/v3/policies', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_policies')
      let q = db.selectFrom('policies').selectAll().orderBy('type').orderBy('id')
      const type = req.query.get('type')
      if (type !== null) q = q.where('type', '=', type)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'policies', rows.map((p) => renderPolicy(req, p))) }
    }),

    route('GET', '/v3/policies/:policy_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:get_policy')
      return { status: 200, body: { policy: renderPolicy(req, await loadPolicy(req.params.policy_id)) } }
    }),

    route('PATCH', '/v3/policies/:policy_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:update_policy')
      const body = (req.body as { policy: PolicyBody }).policy
      if (body.id !== undefined && body.id !== req.params.policy_id) throw new BadRequest('Cannot change policy ID')
      const p = await loadPolicy(req.params.policy_id)
      const extra = { ...JSON.parse(p.extra), ...JSON.parse(extraOf(body, known)) }
      await db.updateTable('policies')
        .set({ type: body.type ?? p.type, blob: body.blob ?? p.blob, extra: JSON.stringify(extra) })
        .where('id', '=', p.id).execute()
      return { status: 200, body: { policy: renderPolicy(req, await loadPolicy(p.id)) } }
    }, { body: updatePolicyBody }),

    route('DELETE', '/v3/policies/:policy_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:delete_policy')
      const p = await loadPolicy(req.params.policy_id)
      await db.deleteFrom('policies').where('id', '=', p.id).execute()
      deps.log.info('deleted policy', { policy_id: p.id })
      return { status: 204 }
    }),
  ]
}
