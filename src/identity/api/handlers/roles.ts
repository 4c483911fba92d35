/** /v3/roles: global and domain-specific roles, the implied-role rules between them, and /v3/role_inferences. */
import type { Kysely } from 'kysely'
import { fromDbJson } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../common/errors.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { getDomain, getRole } from '../../db/lookups.ts'
import type { IdentityDb, RoleRow } from '../../db/schema.ts'
import { collection, enforce, links, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { newId } from '../ids.ts'
import { renderRole } from '../render.ts'
import { createRoleBody, updateRoleBody } from '../schemas/roles.ts'

/** Roles no rule may imply: Keystone's `[assignment] prohibited_implied_role` default. */
export const PROHIBITED_IMPLIED_ROLES = ['admin']

type Options = Record<string, unknown>
type RoleBody = { id?: string; name?: string; domain_id?: string | null; description?: string | null; options?: Options }

export const roleTarget = (r: RoleRow) => ({ id: r.id, name: r.name, domain_id: r.domain_id || null })
const isImmutable = (r: RoleRow) => fromDbJson<Options>(r.options, {}).immutable === true
/** Options as stored: a null value removes the option, as in Keystone. */
const mergeOptions = (old: Options, upd: Options = {}) =>
  JSON.stringify(Object.fromEntries(Object.entries({ ...old, ...upd }).filter(([, v]) => v !== null && v !== undefined)))

function duplicate(name: string, domainId: string): Conflict {
  const at = domainId ? ` at domain ID ${domainId}` : ''
  return new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${name}${at}.`)
}

export function rolesRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps
  const find = (id: string) => db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst()

  /** Keystone enforces before revealing whether the role exists; domain roles have their own rules. */
  async function guarded(req: IdentityRequest, id: string, verb: 'get' | 'update' | 'delete'): Promise<RoleRow> {
    const r = await find(id)
    if (r?.domain_id) {
      enforce(deps, req, `identity:${verb}_domain_role`, { role_id: id, target: { role: roleTarget(r) } })
      return r
    }
    enforce(deps, req, `identity:${verb}_role`, { role_id: id })
    if (!r) throw new NotFound(`Could not find role: ${id}.`)
    return r
  }

  const ref = (req: IdentityRequest, r: RoleRow) => ({ id: r.id, links: links(req, `roles/${r.id}`), name: r.name })
  const inference = (req: IdentityRequest, prior: RoleRow, implies: unknown, self: string) =>
    ({ role_inference: { prior_role: ref(req, prior), implies }, links: { self: `${req.baseUrl}/v3/${self}` } })

  /** Both roles of /roles/{prior}/implies/{implied}, or 404 (Keystone looks them up before enforcing). */
  async function pair(req: IdentityRequest, action: string) {
    const prior = await getRole(db, req.params.role_id)
    const implied = await getRole(db, req.params.implied_role_id)
    enforce(deps, req, action, { ...req.params, target: { prior_role: roleTarget(prior), implied_role: roleTarget(implied) } })
    return { prior, implied }
  }

  async function implication(prior: RoleRow, implied: RoleRow) {
    const row = await db.selectFrom('implied_roles').select('prior_role_id')
      .where('prior_role_id', '=', prior.id).where('implied_role_id', '=', implied.id).executeTakeFirst()
    if (!row) throw new NotFound(`${prior.id} does not imply ${implied.id}.`)
  }

  return [
    route('POST', '/v3/roles', async (req: IdentityRequest) => {
      const body = (req.body as { role: RoleBody }).role
      const domainId = body.domain_id ?? ''
      const row: RoleRow = {
        id: newId(), name: body.name!, domain_id: domainId, description: body.description ?? '',
        options: mergeOptions({}, body.options),
      }
      if (domainId) enforce(deps, req, 'identity:create_domain_role', { target: { role: roleTarget(row) } })
      else enforce(deps, req, 'identity:create_role')
      if (domainId) await getDomain(db, domainId).catch(() => { throw new BadRequest(`Domain ${domainId} does not exist.`) })
      try {
        await db.insertInto('roles').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(row.name, domainId)
        throw err
      }
      deps.roles.invalidate()
      deps.log.info('created role', { role_id: row.id, name: row.name, domain_id: domainId || null })
      return { status: 201, body: { role: renderRole(req, row) } }
    }, { body: createRoleBody }),

    route('GET', '/v3/roles', async (req: IdentityRequest) => {
      const domainFilter = req.query.get('domain_id')
      const name = req.query.get('name')
      const filters = { ...(domainFilter !== null ? { domain_id: domainFilter } : {}), ...(name !== null ? { name } : {}) }
      enforce(deps, req, domainFilter ? 'identity:list_domain_roles' : 'identity:list_roles', filters)
      // Without a domain_id filter only global roles are listed, as Keystone does.
      let q = db.selectFrom('roles').selectAll().where('domain_id', '=', domainFilter ?? '').orderBy('name')
      if (name !== null) q = q.where('name', '=', name)
      const rows = await q.execute()
      return { status: 200, body: collection(req, 'roles', rows.map((r) => renderRole(req, r))) }
    }),

    route('GET', '/v3/roles/:role_id', async (req: IdentityRequest) => {
      const r = await guarded(req, req.params.role_id, 'get')
      return { status: 200, body: { role: renderRole(req, r) } }
    }),

    route('PATCH', '/v3/roles/:role_id', async (req: IdentityRequest) => {
      const r = await guarded(req, req.params.role_id, 'update')
      const body = (req.body as { role: RoleBody }).role
      if (body.id !== undefined && body.id !== r.id) throw new BadRequest('Cannot change ID')
      if (body.domain_id !== undefined && (body.domain_id ?? '') !== r.domain_id) throw new BadRequest('Update of `domain_id` is not allowed.')
      if (isImmutable(r)) {
        // Only switching `immutable` off is allowed on an immutable role.
        const onlyUnlock = Object.keys(body).length === 1 && body.options && 'immutable' in body.options && !body.options.immutable
        if (!onlyUnlock) {
          throw new Forbidden(`Unable to update immutable role resource: \`${r.id}. Set resource option "immutable" to false first.`)
        }
      }
      const name = body.name ?? r.name
      try {
        await db.updateTable('roles').set({
          name, description: body.description === undefined ? r.description : body.description ?? '',
          options: mergeOptions(fromDbJson<Options>(r.options, {}), body.options),
        }).where('id', '=', r.id).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(name, r.domain_id)
        throw err
      }
      deps.roles.invalidate()
      return { status: 200, body: { role: renderRole(req, (await find(r.id))!) } }
    }, { body: updateRoleBody }),

    route('DELETE', '/v3/roles/:role_id', async (req: IdentityRequest) => {
      const r = await guarded(req, req.params.role_id, 'delete')
      if (isImmutable(r)) {
        throw new Forbidden(`Unable to delete immutable role resource: \`${r.id}. Set resource option "immutable" to false first.`)
      }
      await db.transaction().execute(async (trx) => {
        await deleteAppCredsHolding(trx, r.id)
        await trx.deleteFrom('assignments').where('role_id', '=', r.id).execute()
        await trx.deleteFrom('implied_roles')
          .where((eb) => eb.or([eb('prior_role_id', '=', r.id), eb('implied_role_id', '=', r.id)])).execute()
        await trx.deleteFrom('roles').where('id', '=', r.id).execute()
        await revoke(deps, trx, { role_id: r.id })
      })
      deps.roles.invalidate()
      deps.log.info('deleted role with its assignments and implied-role rules', { role_id: r.id, name: r.name })
      return { status: 204 }
    }),

    route('GET', '/v3/roles/:role_id/implies', async (req: IdentityRequest) => {
      const prior = await getRole(db, req.params.role_id)
      enforce(deps, req, 'identity:list_implied_roles', { ...req.params, target: { prior_role: roleTarget(prior) } })
      const implied = await db.selectFrom('roles').selectAll()
        .where('id', 'in', (eb) => eb.selectFrom('implied_roles').select('implied_role_id').where('prior_role_id', '=', prior.id))
        .orderBy('name').execute()
      return { status: 200, body: inference(req, prior, implied.map((r) => ref(req, r)), `roles/${prior.id}/implies`) }
    }),

    route('PUT', '/v3/roles/:role_id/implies/:implied_role_id', async (req: IdentityRequest) => {
      const { prior, implied } = await pair(req, 'identity:create_implied_role')
      if (PROHIBITED_IMPLIED_ROLES.includes(implied.name)) throw new Forbidden(`${implied.id} cannot be an implied roles.`)
      if (!prior.domain_id && implied.domain_id) throw new Forbidden('Global role cannot imply a domain-specific role')
      if (await reaches(db, implied.id, prior.id)) {
        throw new Forbidden(`${implied.id} cannot be an implied roles: ${prior.id} would imply itself.`)
      }
      try {
        await db.insertInto('implied_roles').values({ prior_role_id: prior.id, implied_role_id: implied.id }).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict('Conflict occurred attempting to store implied_role - Duplicate entry.')
        throw err
      }
      deps.roles.invalidate()
      deps.log.info('created implied role rule', { prior_role_id: prior.id, implied_role_id: implied.id })
      return { status: 201, body: inference(req, prior, ref(req, implied), `roles/${prior.id}/implies/${implied.id}`) }
    }),

    route('GET', '/v3/roles/:role_id/implies/:implied_role_id', async (req: IdentityRequest) => {
      const { prior, implied } = await pair(req, 'identity:get_implied_role')
      await implication(prior, implied)
      return { status: 200, body: inference(req, prior, ref(req, implied), `roles/${prior.id}/implies/${implied.id}`) }
    }),

    // Keystone answers HEAD here with 204 and enforces both check and get.
    route('HEAD', '/v3/roles/:role_id/implies/:implied_role_id', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:check_implied_role', req.params)
      const { prior, implied } = await pair(req, 'identity:get_implied_role')
      await implication(prior, implied)
      return { status: 204 }
    }),

    route('DELETE', '/v3/roles/:role_id/implies/:implied_role_id', async (req: IdentityRequest) => {
      const { prior, implied } = await pair(req, 'identity:delete_implied_role')
      await implication(prior, implied)
      await db.deleteFrom('implied_roles').where('prior_role_id', '=', prior.id).where('implied_role_id', '=', implied.id).execute()
      deps.roles.invalidate()
      deps.log.info('deleted implied role rule', { prior_role_id: prior.id, implied_role_id: implied.id })
      return { status: 204 }
    }),

    route('GET', '/v3/role_inferences', async (req: IdentityRequest) => {
      enforce(deps, req, 'identity:list_role_inference_rules')
      const roles = new Map((await db.selectFrom('roles').selectAll().execute()).map((r) => [r.id, r]))
      const byPrior = new Map<string, RoleRow[]>()
      for (const rule of await db.selectFrom('implied_roles').selectAll().execute()) {
        const implied = roles.get(rule.implied_role_id)
        if (implied && roles.has(rule.prior_role_id)) byPrior.set(rule.prior_role_id, [...(byPrior.get(rule.prior_role_id) ?? []), implied])
      }
      const inferences = [...byPrior].map(([priorId, implied]) => ({
        prior_role: ref(req, roles.get(priorId)!), implies: implied.map((r) => ref(req, r)),
      }))
      return { status: 200, body: { role_inferences: inferences, links: links(req, 'role_inferences') } }
    }),
  ]
}

/** True when `from` already implies `to`, directly or through a chain; adding to → from would close a cycle. */
async function reaches(db: Kysely<IdentityDb>, from: string, to: string): Promise<boolean> {
  const implies = new Map<string, string[]>()
  for (const r of await db.selectFrom('implied_roles').selectAll().execute()) {
    implies.set(r.prior_role_id, [...(implies.get(r.prior_role_id) ?? []), r.implied_role_id])
  }
  const seen = new Set<string>()
  const stack = [from]
  while (stack.length) {
    const id = stack.pop()!
    if (id === to) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(implies.get(id) ?? []))
  }
  return false
}

/** Keystone deletes the application credentials of users who held the role on a project directly. */
async function deleteAppCredsHolding(trx: Kysely<IdentityDb>, roleId: string): Promise<void> {
  const holders = await trx.selectFrom('assignments').select(['actor_id', 'target_id'])
    .where('role_id', '=', roleId).where('type', '=', 'UserProject').execute()
  for (const h of holders) {
    const ids = (await trx.selectFrom('app_creds').select('id')
      .where('user_id', '=', h.actor_id).where('project_id', '=', h.target_id).execute()).map((c) => c.id)
    if (ids.length === 0) continue
    await trx.deleteFrom('app_cred_roles').where('app_cred_id', 'in', ids).execute()
    await trx.deleteFrom('app_creds').where('id', 'in', ids).execute()
  }
  await trx.deleteFrom('app_cred_roles').where('role_id', '=', roleId).execute()
}
