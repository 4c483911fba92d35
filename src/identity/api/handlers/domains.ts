/** /v3/domains: CRUD; deleting a (disabled) domain deletes everything it owns. */
import type { Kysely } from 'kysely'
import { fromDbBool, fromDbJson, nowIso, toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { DomainRow, IdentityDb } from '../../db/schema.ts'
import { caller, collection, enforce, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { extraOf, newId, queryBool } from '../ids.ts'
import { renderDomain } from '../render.ts'
import { asBool, createDomainBody, updateDomainBody } from '../schemas/projects.ts'

type DomainBody = {
  id?: unknown; name?: string; description?: string | null; enabled?: unknown; tags?: string[]; explicit_domain_id?: string
}

// Domain tags live in `extra`, beside the free-form attributes.
const known = ['id', 'name', 'description', 'enabled', 'options', 'links', 'explicit_domain_id', 'domain_id', 'parent_id', 'is_domain']

const conflict = (name: string) => new Conflict('Conflict occurred attempting to store project - '
  + `it is not permitted to have two projects acting as domains with the same name: ${name}.`)

function render(req: IdentityRequest, d: DomainRow): Record<string, unknown> {
  const tags = fromDbJson<{ tags?: string[] }>(d.extra, {}).tags ?? []
  return { ...renderDomain(req, d), tags }
}

/** Deletes a domain with everything it owns (projects, users, groups, roles, grants, configuration); caller runs it in a transaction. */
export async function purgeDomain(deps: IdentityDeps, trx: Kysely<IdentityDb>, domainId: string): Promise<void> {
  const projects = trx.selectFrom('projects').select('id').where('domain_id', '=', domainId)
  const users = trx.selectFrom('users').select('id').where('domain_id', '=', domainId)
  const groups = trx.selectFrom('groups').select('id').where('domain_id', '=', domainId)
  const roles = trx.selectFrom('roles').select('id').where('domain_id', '=', domainId)
  // Dependents first: the subqueries read the owners, which go last.
  await trx.deleteFrom('assignments').where((w) => w.or([
    w('target_id', '=', domainId), w('target_id', 'in', projects), w('actor_id', 'in', users), w('actor_id', 'in', groups),
    w('role_id', 'in', roles),
  ])).execute()
  for (const table of ['credentials', 'app_creds'] as const) {
    await trx.deleteFrom(table).where((w) => w.or([w('user_id', 'in', users), w('project_id', 'in', projects)])).execute()
  }
  for (const table of ['project_tags', 'project_endpoints', 'project_endpoint_groups'] as const) {
    await trx.deleteFrom(table).where('project_id', 'in', projects).execute()
  }
  await trx.deleteFrom('group_members').where((w) => w.or([w('user_id', 'in', users), w('group_id', 'in', groups)])).execute()
  await trx.deleteFrom('password_history').where('user_id', 'in', users).execute()
  await trx.deleteFrom('implied_roles').where((w) => w.or([w('prior_role_id', 'in', roles), w('implied_role_id', 'in', roles)])).execute()
  for (const table of ['projects', 'groups', 'users', 'roles'] as const) {
    await trx.deleteFrom(table).where('domain_id', '=', domainId).execute()
  }
  await trx.deleteFrom('domain_configs').where('domain_id', '=', domainId).execute()
  await trx.deleteFrom('domains').where('id', '=', domainId).execute()
  await revoke(deps, trx, { domain_id: domainId })
}

export function domainsRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const find = (id: string) => db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst()

  /** The domain named in the path; policy is checked before existence, as Keystone does. */
  async function load(req: IdentityRequest, action: string): Promise<DomainRow> {
    const d = await find(req.params.domain_id)
    enforce(deps, req, action, { ...req.params, target: d ? { domain: { id: d.id, name: d.name, enabled: fromDbBool(d.enabled) } } : {} })
    if (!d) throw new NotFound(`Could not find domain: ${req.params.domain_id}.`)
    return d
  }

  return [
    route('POST', '/v3/domains', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:create_domain')
      const body = (req.body as { domain: DomainBody }).domain
      let id = newId()
      if (body.explicit_domain_id !== undefined) {
        // Keystone only accepts its own id format here: a UUID4 as 32 lowercase hex digits.
        if (!/^[0-9a-f]{32}$/.test(body.explicit_domain_id)) throw new BadRequest('Domain ID does not conform to required UUID format.')
        id = body.explicit_domain_id
      }
      const name = body.name!.trim()
      // Keystone keeps domains and projects in one table, so their ids cannot collide.
      if (await db.selectFrom('projects').select('id').where('id', '=', id).executeTakeFirst()) throw conflict(name)
      const row: DomainRow = {
        id, name, description: body.description ?? '', enabled: toDbBool(body.enabled === undefined || asBool(body.enabled)),
        extra: extraOf(body, known), created_at: nowIso(),
      }
      try {
        await db.insertInto('domains').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(name)
        throw err
      }
      deps.log.info('created domain', { domain_id: id, name })
      return { status: 201, body: { domain: render(req, row) } }
    }, { body: createDomainBody }),

    route('GET', '/v3/domains', async (req: IdentityRequest) => {
      const t = caller(req)
      const name = req.query.get('name')
      const enabled = queryBool(req.query.get('enabled'))
      const filters = { ...(name !== null ? { name } : {}), ...(enabled !== undefined ? { enabled: req.query.get('enabled') } : {}) }
      enforce(deps, req, 'identity:list_domains', { ...filters, target: t.domain ? { domain: { id: t.domain.id } } : {} })
      let q = db.selectFrom('domains').selectAll().orderBy('name')
      if (name !== null) q = q.where('name', '=', name)
      if (enabled !== undefined) q = q.where('enabled', '=', toDbBool(enabled))
      // A domain-scoped caller sees only its own domain.
      if (t.domain) q = q.where('id', '=', t.domain.id)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'domains', rows.map((d) => render(req, d))) }
    }),

    route('GET', '/v3/domains/:domain_id', async (req: IdentityRequest) => {
      const d = await load(req, 'identity:get_domain')
      return { status: 200, body: { domain: render(req, d) } }
    }),

    route('PATCH', '/v3/domains/:domain_id', async (req: IdentityRequest) => {
      const d = await load(req, 'identity:update_domain')
      const body = (req.body as { domain: DomainBody }).domain
      if (body.id != null && body.id !== d.id) throw new BadRequest('Cannot change ID')
      const wasEnabled = fromDbBool(d.enabled)
      const enabled = body.enabled === undefined ? wasEnabled : asBool(body.enabled)
      const name = body.name?.trim() ?? d.name
      try {
        await db.updateTable('domains').set({
          name, enabled: toDbBool(enabled),
          description: body.description === undefined ? d.description : body.description ?? '',
          extra: JSON.stringify({ ...JSON.parse(d.extra), ...JSON.parse(extraOf(body, known)) }),
        }).where('id', '=', d.id).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(name)
        throw err
      }
      if (wasEnabled && !enabled) {
        await revoke(deps, db, { domain_id: d.id })
        deps.log.info('disabled domain; tokens of its users and projects are revoked', { domain_id: d.id })
      }
      return { status: 200, body: { domain: render(req, (await find(d.id))!) } }
    }, { body: updateDomainBody }),

    route('DELETE', '/v3/domains/:domain_id', async (req: IdentityRequest) => {
      const d = await load(req, 'identity:delete_domain')
      // Disabling first guards against mistakes, and against deleting the domain of one's own token.
      if (fromDbBool(d.enabled)) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.')
      await db.transaction().execute((trx) => purgeDomain(deps, trx, d.id))
      deps.log.info('deleted domain with its projects, users, groups and roles', { domain_id: d.id, name: d.name })
      return { status: 204 }
    }),
  ]
}
