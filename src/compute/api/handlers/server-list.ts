/** GET /servers and /servers/detail: Nova's filters (admin and user ones), sorting, paging and links. */
import { sql } from 'kysely'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { findInstance, instancesOf } from '../../db/instances.ts'
import { badRequest } from '../../errors.ts'
import type { Instance } from '../../model/instance.ts'
import { statesForStatus } from '../../model/states.ts'
import { authorize, isAdmin, linkBase, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { timeQuery } from '../list-query.ts'
import { atLeast } from '../microversion.ts'
import { serverViews } from '../server-lookup.ts'
import { basicView } from '../views/server.ts'

const SORT_KEYS = new Set([
  'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at', 'display_description',
  'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name', 'launch_index', 'launched_at',
  'locked', 'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id', 'root_device_name', 'task_state',
  'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state',
])
const ADMIN_SORT_KEYS = new Set(['host', 'node'])
const COLUMN: Record<string, string> = { instance_type_id: 'flavorid', auto_disk_config: 'created_at', kernel_id: 'created_at', ramdisk_id: 'created_at' }

function intParam(v: string | null, name: string, min = 0): number | undefined {
  if (v === null) return undefined
  if (!/^-?\d+$/.test(v.trim())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' does not match '^[0-9]*$'`)
  const n = Number(v)
  if (n < min) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. ${n} is less than the minimum of ${min}`)
  return n
}

export async function listServers(deps: ComputeApiDeps, req: ComputeRequest, detail: boolean) {
  const q = req.query
  const v = versionOf(req)
  const caller = callerOf(req)
  authorize(deps, req, detail ? 'servers:detail' : 'servers:index', { project_id: caller.projectId })
  const admin = isAdmin(deps, req)
  const allTenants = q.has('all_tenants') && q.get('all_tenants') !== '0' && q.get('all_tenants')?.toLowerCase() !== 'false'
  if (allTenants) authorize(deps, req, detail ? 'servers:detail:get_all_tenants' : 'servers:index:get_all_tenants')
  const limit = Math.min(intParam(q.get('limit'), 'limit') ?? deps.config.maxLimit, deps.config.maxLimit)
  const changesSince = timeQuery(req, 'changes-since')
  const changesBefore = atLeast(v, '2.66') ? timeQuery(req, 'changes-before') : undefined
  if (changesSince && changesBefore && changesSince > changesBefore) {
    throw badRequest('The value of changes-since must be less than or equal to changes-before.')
  }

  let query = deps.db.selectFrom('instances').selectAll()
  // As in Nova, project_id / tenant_id narrow an all_tenants listing; without all_tenants the caller's own project is listed.
  const project = q.get('project_id') ?? q.get('tenant_id')
  if (!admin || !allTenants) query = query.where('project_id', '=', caller.projectId ?? '')
  else if (project) query = query.where('project_id', '=', project)

  const deletedParam = q.get('deleted')
  const showDeleted = admin && deletedParam !== null && ['true', '1', 'yes'].includes(deletedParam.toLowerCase())
  if (showDeleted) query = query.where('deleted', '=', 1)
  else if (!changesSince && !changesBefore) query = query.where('deleted', '=', 0)
  if (changesSince) query = query.where('updated_at', '>=', changesSince)
  if (changesBefore) query = query.where('updated_at', '<=', changesBefore)

  const status = q.getAll('status')
  if (status.length) {
    const states = status.map(statesForStatus)
    if (states.some((s) => s === undefined)) {
      if (!admin && status.some((s) => s.toUpperCase() === 'DELETED')) return emptyList(detail)
      return emptyList(detail)
    }
    const vms = states.flatMap((s) => s!.vmStates)
    const tasks = states.every((s) => s!.taskStates) ? states.flatMap((s) => s!.taskStates!) : undefined
    if (status.some((s) => s.toUpperCase() === 'DELETED')) {
      if (!admin) return emptyList(detail)
      query = deps.db.selectFrom('instances').selectAll().where('deleted', '=', 1)
    } else {
      query = query.where('vm_state', 'in', vms)
      if (tasks?.length) query = query.where('task_state', 'in', tasks)
    }
  }
  const image = q.get('image')
  if (image !== null) query = query.where('image_ref', '=', image.split('/').at(-1)!)
  const flavor = q.get('flavor')
  if (flavor !== null) query = query.where('flavorid', '=', flavor.split('/').at(-1)!)
  for (const [param, col] of [['reservation_id', 'reservation_id'], ['key_name', 'key_name'], ['user_id', 'user_id']] as const) {
    const val = q.get(param)
    if (val !== null) query = query.where(col, '=', val)
  }
  if (admin) {
    for (const [param, col] of [['host', 'host'], ['node', 'node'], ['availability_zone', 'availability_zone']] as const) {
      const val = q.get(param)
      if (val !== null) query = query.where(col, '=', val)
    }
  }
  if (atLeast(v, '2.73') && q.get('locked') !== null) {
    const l = q.get('locked')!.toLowerCase()
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(l)) throw badRequest(`Unrecognized value '${q.get('locked')}', acceptable values are: '0', '1', 'false', 'no', 'true', 'yes'`)
    query = query.where('locked', '=', ['true', '1', 'yes'].includes(l) ? 1 : 0)
  }
  if (atLeast(v, '2.26')) {
    const csv = (name: string) => (q.get(name) ?? '').split(',').map((t) => t.trim()).filter(Boolean)
    for (const tag of csv('tags')) {
      query = query.where('uuid', 'in', deps.db.selectFrom('instance_tags').select('instance_uuid').where('tag', '=', tag))
    }
    const anyTags = csv('tags-any')
    if (anyTags.length) query = query.where('uuid', 'in', deps.db.selectFrom('instance_tags').select('instance_uuid').where('tag', 'in', anyTags))
    const notTags = csv('not-tags')
    if (notTags.length) {
      query = query.where('uuid', 'not in', deps.db.selectFrom('instance_tags').select('instance_uuid').where('tag', 'in', notTags)
        .groupBy('instance_uuid').having(sql`count(*)`, '=', notTags.length))
    }
    const notAny = csv('not-tags-any')
    if (notAny.length) query = query.where('uuid', 'not in', deps.db.selectFrom('instance_tags').select('instance_uuid').where('tag', 'in', notAny))
  }

  // Sorting: Nova's default is created_at desc, then uuid desc for a stable order.
  const sortKeys = q.getAll('sort_key')
  const sortDirs = q.getAll('sort_dir')
  for (const k of sortKeys) {
    if (!SORT_KEYS.has(k) || (ADMIN_SORT_KEYS.has(k) && !admin)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${k}.`)
  }
  for (const d of sortDirs) if (d !== 'asc' && d !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${d}. '${d}' is not one of ['asc', 'desc']`)
  const keys = sortKeys.length ? sortKeys : ['created_at']
  const order = keys.map((k, n) => ({ col: COLUMN[k] ?? (k === 'uuid' ? 'uuid' : k), dir: (sortDirs[n] ?? sortDirs[0] ?? 'desc') as 'asc' | 'desc' }))
  if (!order.some((o) => o.col === 'uuid')) order.push({ col: 'uuid', dir: order[0].dir })

  // Name and IP filters are regular expressions (Nova matches them in Python); the rest went to SQL.
  const nameRe = regexParam(q.get('name'))
  const ipRe = regexParam(q.get('ip'))
  const ip6Re = regexParam(q.get('ip6'))
  let rows = await order.reduce((qq, o) => qq.orderBy(o.col as 'uuid', o.dir), query).execute()
  if (nameRe) rows = rows.filter((r) => nameRe.test(r.display_name))
  if (ipRe || ip6Re) {
    rows = rows.filter((r) => {
      const addrs = (JSON.parse(r.info_cache) as Instance['info_cache']).flatMap((vif) => vif.fixed_ips)
      return addrs.some((a) => (ipRe && a.version === 4 && ipRe.test(a.address)) || (ip6Re && a.version === 6 && ip6Re.test(a.address)))
    })
  }
  const marker = q.get('marker')
  if (marker !== null) {
    const at = rows.findIndex((r) => r.uuid === marker)
    if (at < 0) {
      const exists = await findInstance(deps.db, marker, { deleted: true })
      if (!exists) throw badRequest(`marker [${marker}] not found`)
      rows = []
    } else {
      rows = rows.slice(at + 1)
    }
  }
  const page = rows.slice(0, limit)
  const instances = await instancesOf(deps.db, page)
  const servers = detail ? await serverViews(deps, req, instances, 'detail') : instances.map((i) => basicView(i, linkBase(req)))
  const body: Record<string, unknown> = { servers }
  if (limit > 0 && page.length === limit && rows.length > limit) {
    const params = new URLSearchParams(q)
    params.set('limit', String(limit))
    params.set('marker', page.at(-1)!.uuid)
    body.servers_links = [{ rel: 'next', href: `${linkBase(req)}/v2.1/servers${detail ? '/detail' : ''}?${params}` }]
  }
  return { status: 200, body }
}

function emptyList(_detail: boolean) {
  return { status: 200, body: { servers: [] } }
}

function regexParam(v: string | null): RegExp | undefined {
  if (v === null || v === '') return undefined
  try {
    return new RegExp(v)
  } catch {
    return new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  }
}
