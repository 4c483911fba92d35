/**
 * @module `/v2.0/security-groups`: list, show, create (also bulk), update and delete, with
 * Neutron's default group rules: listing creates the caller's default group, `default` is a
 * reserved name, the default group keeps its name and only admins delete it, and a group in use
 * by a port can be neither deleted nor switched between stateful and stateless.
 */
import { randomUUID } from 'node:crypto'
import type { ApiResponse } from '../../../common/http/types.ts'
import type { SecurityGroupRow } from '../../db/schema.ts'
import { can, enforce, enforceAttributes, isAdmin, projectOf, visibleFields, type NetworkDeps, type NetworkRequest } from '../context.ts'
import { listResponse, showResponse, type Item } from '../listing.ts'
import { checkQuota } from '../quotas/quota.ts'
import { bumped, checkRevision, deleteTags, newStandardAttrs, tagsOf } from '../standard-attrs.ts'
import { createRulesFromTemplates, ensureDefaultSecurityGroup } from './default-group.ts'
import { defaultAlreadyExists, resourceNotFound, securityGroupInUse, securityGroupNotFound, sgError } from './errors.ts'
import { GROUP_FIELDS, groupTarget, renderGroup } from './render.ts'
import { READ_ONLY_STANDARD, convertToBoolean, prepareBody, validateString, type AttributeMap } from './request-body.ts'
import {
  defaultGroupIds, findGroup, groupInUse, listGroups as loadGroups, reviseGroups, rulesOfGroups, type Db,
} from './security-group-store.ts'
import { inTransaction } from '../ports/retry.ts'

const TAGS_TYPE = 'security_groups'

/** neutron's name_not_default validator: any spelling of `default` is the default group's. */
function validateNameNotDefault(data: unknown): string | undefined {
  const reason = validateString(255)(data)
  if (reason) return reason
  if ((data as string).toLowerCase() === 'default') throw defaultAlreadyExists()
  return undefined
}

/** The group attributes of security-group, stateful-security-group and the standard attributes, in upstream order. */
const GROUP_ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true, default: '', validate: validateNameNotDefault },
  tenant_id: { post: true, put: false, validate: validateString(255) },
  security_group_rules: { post: false, put: false },
  stateful: { post: true, put: true, default: true, convert: convertToBoolean },
  description: { post: true, put: true, default: '', validate: validateString(255) },
  project_id: { post: true, put: false, validate: validateString(255) },
  ...READ_ONLY_STANDARD,
  tags: { post: false, put: false },
}

const canSetProjectId = (deps: NetworkDeps, req: NetworkRequest) => isAdmin(deps, req) || can(deps, req, 'service_api', {})

/** Renders groups with their rules and tags, in the order given. */
export async function renderGroups(db: Db, rows: SecurityGroupRow[]): Promise<Item[]> {
  const ids = rows.map((r) => r.id)
  const [rules, tags, defaults] = await Promise.all([rulesOfGroups(db, ids), tagsOf(db, TAGS_TYPE, ids), defaultGroupIds(db, ids)])
  return rows.map((r) => renderGroup(r, rules.get(r.id) ?? [], tags.get(r.id) ?? [], defaults.has(r.id)))
}

/**
 * Neutron creates the default group of the project a listing is about (the project_id filter, or
 * the caller's), but a non-admin only for its own project.
 */
export async function ensureDefaultForListing(deps: NetworkDeps, req: NetworkRequest): Promise<void> {
  const caller = projectOf(req)
  const project = req.query.get('project_id') || req.query.get('tenant_id') || caller
  if (project === caller || isAdmin(deps, req)) await ensureDefaultSecurityGroup(deps, deps.db, project)
}

/** A group the caller may address (its own, or any for admins), else Neutron's SecurityGroupNotFound. */
async function visibleGroup(deps: NetworkDeps, req: NetworkRequest, id: string): Promise<SecurityGroupRow> {
  const row = await findGroup(deps.db, id)
  if (!row || (row.project_id !== projectOf(req) && !isAdmin(deps, req))) throw securityGroupNotFound(id)
  return row
}

export async function listSecurityGroups(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  await ensureDefaultForListing(deps, req)
  const rows = await loadGroups(deps.db, isAdmin(deps, req) ? undefined : projectOf(req))
  const items = (await renderGroups(deps.db, rows))
    .filter((g) => can(deps, req, 'get_security_group', groupTarget(g)))
    .map((g) => visibleFields(deps, req, 'security_group', g, groupTarget(g)))
  return listResponse(req, { collection: 'security_groups', attributes: GROUP_FIELDS }, items)
}

export async function showSecurityGroup(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const row = await visibleGroup(deps, req, req.params.security_group_id!)
  const [group] = await renderGroups(deps.db, [row])
  if (!can(deps, req, 'get_security_group', groupTarget(group!))) throw resourceNotFound()
  return showResponse(req, 'security_group', visibleFields(deps, req, 'security_group', group!, groupTarget(group!)))
}

export async function createSecurityGroups(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const { items, bulk } = prepareBody(req.body, {
    resource: 'security_group', collection: 'security_groups', attributes: GROUP_ATTRIBUTES, isCreate: true,
    allowBulk: true, callerProject: projectOf(req), canSetProjectId: canSetProjectId(deps, req),
  })
  for (const item of items) {
    enforce(deps, req, 'create_security_group', groupTarget(item))
    enforceAttributes(deps, req, 'create_security_group', item, groupTarget(item))
  }
  const created = await inTransaction(deps.db, async (trx) => {
    const rows: SecurityGroupRow[] = []
    for (const item of items) {
      const projectId = item.project_id as string
      await ensureDefaultSecurityGroup(deps, trx, projectId)
      await checkQuota(deps, trx, projectId, 'security_group', 1)
      const row: SecurityGroupRow = {
        id: randomUUID(), project_id: projectId, name: item.name as string, stateful: item.stateful ? 1 : 0,
        ...newStandardAttrs(item.description as string),
      }
      await trx.insertInto('security_groups').values(row).execute()
      await createRulesFromTemplates(trx, { id: row.id, projectId, isDefault: false })
      rows.push(row)
    }
    return renderGroups(trx, rows)
  })
  const shown = created.map((g) => visibleFields(deps, req, 'security_group', g, groupTarget(g)))
  return bulk ? { status: 201, body: { security_groups: shown } } : showResponse(req, 'security_group', shown[0]!, 201)
}

export async function updateSecurityGroup(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const id = req.params.security_group_id!
  const row = await visibleGroup(deps, req, id)
  const { items } = prepareBody(req.body, {
    resource: 'security_group', collection: 'security_groups', attributes: GROUP_ATTRIBUTES, isCreate: false,
    allowBulk: false, callerProject: projectOf(req), canSetProjectId: canSetProjectId(deps, req),
  })
  const changes = items[0]!
  const [current] = await renderGroups(deps.db, [row])
  const target = { ...groupTarget(current!), ...changes, attributes_to_update: Object.keys(changes) }
  enforce(deps, req, 'update_security_group', target, () => can(deps, req, 'get_security_group', groupTarget(current!)) ? undefined : resourceNotFound())
  enforceAttributes(deps, req, 'update_security_group', changes, target)
  checkRevision(req, row.revision_number)
  await inTransaction(deps.db, async (trx) => {
    const fresh = await findGroup(trx, id)
    if (!fresh) throw securityGroupNotFound(id)
    const stateful = 'stateful' in changes ? (changes.stateful ? 1 : 0) : fresh.stateful
    if (stateful !== fresh.stateful && await groupInUse(trx, id)) throw securityGroupInUse(id)
    if (fresh.name === 'default' && 'name' in changes) {
      throw sgError('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.')
    }
    const next = {
      name: 'name' in changes ? changes.name as string : fresh.name,
      description: 'description' in changes ? changes.description as string : fresh.description,
      stateful,
    }
    if (next.name === fresh.name && next.description === fresh.description && next.stateful === fresh.stateful) return
    await trx.updateTable('security_groups').set({ ...next, ...bumped(fresh.revision_number) }).where('id', '=', id).execute()
  })
  const [updated] = await renderGroups(deps.db, [(await findGroup(deps.db, id))!])
  return showResponse(req, 'security_group', visibleFields(deps, req, 'security_group', updated!, groupTarget(updated!)))
}

export async function deleteSecurityGroup(deps: NetworkDeps, req: NetworkRequest): Promise<ApiResponse> {
  const id = req.params.security_group_id!
  const row = await visibleGroup(deps, req, id)
  const [current] = await renderGroups(deps.db, [row])
  enforce(deps, req, 'delete_security_group', groupTarget(current!),
    () => can(deps, req, 'get_security_group', groupTarget(current!)) ? undefined : resourceNotFound())
  checkRevision(req, row.revision_number)
  await inTransaction(deps.db, async (trx) => {
    if (await groupInUse(trx, id)) throw securityGroupInUse(id)
    const fresh = await findGroup(trx, id)
    if (!fresh) throw securityGroupNotFound(id)
    if (fresh.name === 'default' && !isAdmin(deps, req)) {
      throw sgError('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.')
    }
    // Rules of other groups that name this one as their remote group go with it.
    const referring = await trx.selectFrom('security_group_rules').select('security_group_id')
      .where('remote_group_id', '=', id).where('security_group_id', '!=', id).execute()
    await trx.deleteFrom('security_group_rules').where('remote_group_id', '=', id).execute()
    await reviseGroups(trx, referring.map((r) => r.security_group_id))
    await trx.deleteFrom('security_group_rules').where('security_group_id', '=', id).execute()
    await trx.deleteFrom('default_security_groups').where('security_group_id', '=', id).execute()
    await deleteTags(trx, TAGS_TYPE, id)
    try {
      await trx.deleteFrom('security_groups').where('id', '=', id).execute()
    } catch (err) {
      // A port took the group between the check and the delete.
      if (isForeignKeyViolation(err)) throw securityGroupInUse(id)
      throw err
    }
  })
  return { status: 204 }
}

function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return e?.code === '23503' || e?.errno === 1451 || (typeof e?.message === 'string' && e.message.includes('FOREIGN KEY constraint failed'))
}
