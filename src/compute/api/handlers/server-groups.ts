/**
 * /os-server-groups: a project's server groups. Create takes `policies` (one of affinity and
 * anti-affinity, the soft ones from 2.15) before 2.64 and `policy` with `rules`
 * (max_server_per_host, anti-affinity only) from 2.64; project_id and user_id show from 2.13.
 * List pages with limit and offset, and admins see every project's with all_projects. Members
 * join at server create (`os:scheduler_hints.group`) and leave when their instance is deleted;
 * the server_groups quota counts a project's groups.
 */
import { randomUUID } from 'node:crypto'
import { nowIso } from '../../../common/db/columns.ts'
import { insertReturningId } from '../../../common/db/insert-id.ts'
import { route, type Route } from '../../../common/http/types.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { checkQuota } from '../../db/quotas.ts'
import type { ServerGroupRow } from '../../db/schema.ts'
import { badRequest, notFound } from '../../errors.ts'
import { authorize, can, projectOf, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { intQuery, looseBool, rejectUnknownQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'

const NAME = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?! )[\\S ]+(?<! )$' }
const createSchema = {
  type: 'object',
  properties: {
    server_group: {
      type: 'object',
      properties: {
        name: NAME,
        policies: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'string' } },
        policy: { type: 'string' },
        rules: { type: 'object' },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: ['server_group'],
  additionalProperties: false,
}

export function serverGroupsRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-server-groups', (req) => list(deps, req)),
    route('POST', '/os-server-groups', (req) => create(deps, req), { body: createSchema }),
    route('GET', '/os-server-groups/:id', async (req: ComputeRequest) => {
      const g = await groupOf(deps, req, req.params.id)
      authorize(deps, req, 'os-server-groups:show', { project_id: g.project_id })
      return { status: 200, body: { server_group: (await views(deps, req, [g]))[0] } }
    }),
    route('DELETE', '/os-server-groups/:id', async (req: ComputeRequest) => {
      const g = await groupOf(deps, req, req.params.id)
      authorize(deps, req, 'os-server-groups:delete', { project_id: g.project_id })
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('server_group_members').where('group_id', '=', g.id).execute()
        await trx.deleteFrom('server_groups').where('id', '=', g.id).execute()
      })
      deps.log.info(`deleted server group ${g.uuid}`, { request_id: req.requestId })
      return { status: 204 }
    }),
  ]
}

type Group = Omit<ServerGroupRow, 'id'> & { id: number }

/** The group, 404 when there is none; as in Nova, policy on its project then refuses others' with 403. */
async function groupOf(deps: ComputeApiDeps, req: ComputeRequest, uuid: string): Promise<Group> {
  const g = await deps.db.selectFrom('server_groups').selectAll().where('uuid', '=', uuid).executeTakeFirst()
  if (!g) throw notFound(`Instance group ${uuid} could not be found.`)
  return { ...g, id: Number(g.id) }
}

async function views(deps: ComputeApiDeps, req: ComputeRequest, groups: Group[]): Promise<Array<Record<string, unknown>>> {
  const v = versionOf(req)
  const members = new Map<number, string[]>()
  if (groups.length) {
    const rows = await deps.db.selectFrom('server_group_members').innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
      .select(['server_group_members.group_id as gid', 'server_group_members.instance_uuid as uuid'])
      .where('server_group_members.group_id', 'in', groups.map((g) => g.id)).where('instances.deleted', '=', 0).execute()
    for (const r of rows) members.set(Number(r.gid), [...(members.get(Number(r.gid)) ?? []), r.uuid])
  }
  return groups.map((g) => {
    const view: Record<string, unknown> = { id: g.uuid, name: g.name, members: members.get(g.id) ?? [] }
    if (atLeast(v, '2.64')) {
      view.policy = g.policy
      view.rules = JSON.parse(g.rules || '{}')
    } else {
      view.policies = [g.policy]
      view.metadata = {}
    }
    if (atLeast(v, '2.13')) Object.assign(view, { project_id: g.project_id, user_id: g.user_id })
    return view
  })
}

async function list(deps: ComputeApiDeps, req: ComputeRequest) {
  const project = projectOf(req)
  authorize(deps, req, 'os-server-groups:index')
  rejectUnknownQuery(req, ['all_projects', 'limit', 'offset'], '2.75')
  const all = looseBool(req.query.get('all_projects')) && can(deps, req, 'os-server-groups:index:all_projects')
  let q = deps.db.selectFrom('server_groups').selectAll().orderBy('id')
  if (!all) q = q.where('project_id', '=', project)
  const limit = Math.min(intQuery(req, 'limit', 0) ?? deps.config.maxLimit, deps.config.maxLimit)
  const offset = intQuery(req, 'offset', 0) ?? 0
  const rows = await q.limit(limit).offset(offset).execute()
  return { status: 200, body: { server_groups: await views(deps, req, rows.map((g) => ({ ...g, id: Number(g.id) }))) } }
}

type CreateBody = { server_group: { name: string; policies?: string[]; policy?: string; rules?: Record<string, unknown> } }

const invalid = (field: string, value: unknown, why: string) => badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`)

async function create(deps: ComputeApiDeps, req: ComputeRequest) {
  const v = versionOf(req)
  const project = projectOf(req)
  authorize(deps, req, 'os-server-groups:create')
  const b = (req.body as CreateBody).server_group
  const known = atLeast(v, '2.15') ? ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] : ['affinity', 'anti-affinity']
  let policy: string
  let rules: Record<string, unknown> = {}
  if (atLeast(v, '2.64')) {
    if (b.policies !== undefined) throw invalid('server_group', b, "Additional properties are not allowed ('policies' was unexpected)")
    if (b.policy === undefined) throw invalid('server_group', b, "'policy' is a required property")
    if (!known.includes(b.policy)) throw invalid('policy', b.policy, `'${b.policy}' is not one of ${JSON.stringify(known)}`)
    policy = b.policy
    rules = b.rules ?? {}
    for (const k of Object.keys(rules)) {
      if (k !== 'max_server_per_host') throw invalid('rules', rules, `Additional properties are not allowed ('${k}' was unexpected)`)
    }
    if (rules.max_server_per_host !== undefined) {
      const m = rules.max_server_per_host
      const n = typeof m === 'string' && /^\d+$/.test(m) ? Number(m) : m
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw invalid('max_server_per_host', m, `${JSON.stringify(m)} is less than the minimum of 1`)
      rules = { max_server_per_host: n }
    }
    if (Object.keys(rules).length && policy !== 'anti-affinity') throw badRequest('Only anti-affinity policy supports rules.')
  } else {
    if (b.policy !== undefined || b.rules !== undefined) {
      throw invalid('server_group', b, `Additional properties are not allowed ('${b.policy !== undefined ? 'policy' : 'rules'}' was unexpected)`)
    }
    if (!b.policies) throw invalid('server_group', b, "'policies' is a required property")
    const p = b.policies[0]
    if (!known.includes(p)) throw invalid('policies', b.policies, `'${p}' is not one of ${JSON.stringify(known)}`)
    policy = p
  }
  const userId = callerOf(req).userId
  await checkQuota(deps.db, deps.config, project, 'server_groups', 1, { userId })
  const row = { uuid: randomUUID(), name: b.name, project_id: project, user_id: userId, policy, rules: JSON.stringify(rules), created_at: nowIso() }
  const id = await insertReturningId(deps.db, 'server_groups', row)
  deps.log.info(`created server group ${row.uuid} (${policy})`, { request_id: req.requestId })
  return { status: 200, body: { server_group: (await views(deps, req, [{ ...row, id }]))[0] } }
}
