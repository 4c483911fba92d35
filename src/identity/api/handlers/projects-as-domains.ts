/**
 * Keystone's projects acting as domains (`is_domain: true`). Nubis keeps domains in their own table;
 * /v3/projects creates, lists, shows, updates and deletes them in the shape of a root project.
 */
import { fromDbBool, fromDbJson, nowIso, toDbBool } from '../../../common/db/columns.ts'
import { isUniqueViolation } from '../../../common/db/unique-violation.ts'
import { BadRequest, Conflict, Forbidden } from '../../../common/errors.ts'
import type { DomainRow } from '../../db/schema.ts'
import { caller, links, revoke, type IdentityDeps, type IdentityRequest } from '../context.ts'
import { newId, queryBool } from '../ids.ts'
import { asBool } from '../schemas/projects.ts'
import { purgeDomain } from './domains.ts'
import { matchesTags } from './project-tags.ts'

export type DomainProjectBody = {
  name?: string; description?: string | null; enabled?: unknown; domain_id?: string | null; parent_id?: string | null
  tags?: string[]; id?: unknown; is_domain?: unknown
}

const conflict = (name: string) => new Conflict('Conflict occurred attempting to store project - '
  + `it is not permitted to have two projects acting as domains with the same name: ${name}.`)

const tagsOfDomain = (d: DomainRow) => fromDbJson<{ tags?: string[] }>(d.extra, {}).tags ?? []

export function renderDomainProject(req: IdentityRequest, d: DomainRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(d.extra, {}),
    id: d.id, name: d.name, domain_id: null, description: d.description, enabled: fromDbBool(d.enabled),
    parent_id: null, is_domain: true, tags: tagsOfDomain(d), options: {}, links: links(req, `projects/${d.id}`),
  }
}

/** The policy target of a project acting as a domain: a root with no domain. */
export const domainProjectTarget = (d: DomainRow) => ({ target: { project: { id: d.id, domain_id: null, parent_id: null } } })

/** `extra` holds the free-form attributes and, as for domains, the tags. */
export async function createDomainProject(deps: IdentityDeps, req: IdentityRequest, body: DomainProjectBody, extra: string) {
  // A domain sits at the root: Keystone makes a given domain_id its parent, which a domain may not have.
  if (body.domain_id || body.parent_id) throw new BadRequest('only root projects are allowed to act as domains.')
  const row: DomainRow = {
    id: newId(), name: body.name!.trim(), description: body.description ?? '',
    enabled: toDbBool(body.enabled === undefined || asBool(body.enabled)),
    extra: JSON.stringify({ ...JSON.parse(extra), ...(body.tags ? { tags: [...new Set(body.tags.map((t) => t.trim()))] } : {}) }),
    created_at: nowIso(),
  }
  try {
    await deps.db.insertInto('domains').values(row).execute()
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(row.name)
    throw err
  }
  deps.log.info('created domain as a project acting as a domain', { domain_id: row.id, name: row.name })
  return renderDomainProject(req, row)
}

/** GET /v3/projects?is_domain=true: domains have no parent and no domain, so those filters match none. */
export async function listDomainProjects(deps: IdentityDeps, req: IdentityRequest): Promise<Record<string, unknown>[]> {
  const q = req.query
  if (q.has('domain_id') || q.has('parent_id') || caller(req).domain) return []
  let sel = deps.db.selectFrom('domains').selectAll().orderBy('name')
  const name = q.get('name')
  if (name !== null) sel = sel.where('name', '=', name)
  const enabled = queryBool(q.get('enabled'))
  if (enabled !== undefined) sel = sel.where('enabled', '=', toDbBool(enabled))
  const rows = (await sel.execute()).filter((d) => matchesTags(tagsOfDomain(d), q))
  return rows.map((d) => renderDomainProject(req, d))
}

export async function updateDomainProject(deps: IdentityDeps, req: IdentityRequest, d: DomainRow, body: DomainProjectBody) {
  if ('domain_id' in body && body.domain_id !== null) throw new BadRequest('Cannot change Domain ID')
  if ('parent_id' in body && body.parent_id !== null) throw new Forbidden('Update of `parent_id` is not allowed.')
  if ('is_domain' in body && body.is_domain !== true) throw new BadRequest('Update of `is_domain` is not allowed.')
  const wasEnabled = fromDbBool(d.enabled)
  const enabled = body.enabled === undefined ? wasEnabled : asBool(body.enabled)
  const name = body.name?.trim() ?? d.name
  const extra = { ...JSON.parse(d.extra), ...(body.tags ? { tags: [...new Set(body.tags.map((t) => t.trim()))] } : {}) }
  try {
    await deps.db.updateTable('domains').set({
      name, enabled: toDbBool(enabled), description: body.description === undefined ? d.description : body.description ?? '',
      extra: JSON.stringify(extra),
    }).where('id', '=', d.id).execute()
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(name)
    throw err
  }
  if (wasEnabled && !enabled) {
    await revoke(deps, deps.db, { domain_id: d.id })
    deps.log.info('disabled domain; tokens of its users and projects are revoked', { domain_id: d.id })
  }
  const updated = await deps.db.selectFrom('domains').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow()
  return renderDomainProject(req, updated)
}

/** Deleting a project acting as a domain deletes the domain and all it owns; it must be disabled first. */
export async function deleteDomainProject(deps: IdentityDeps, d: DomainRow): Promise<void> {
  if (fromDbBool(d.enabled)) {
    throw new BadRequest(`cannot delete an enabled project acting as a domain. Please disable the project ${d.id} first.`)
  }
  await deps.db.transaction().execute((trx) => purgeDomain(deps, trx, d.id))
  deps.log.info('deleted domain (a project acting as a domain) with everything it owned', { domain_id: d.id, name: d.name })
}
