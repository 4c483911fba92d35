/**
 * /os-aggregates: host aggregates, the host_aggregate* tables the scheduler's aggregate filters
 * and every zone lookup read. CRUD, the add_host / remove_host / set_metadata actions, uuid from
 * 2.41 and image pre-caching from 2.81. The availability zone is the `availability_zone`
 * metadata key, under Nova's rules: it may not be emptied, and a host may not sit in two zones.
 * Membership is mirrored into placement (the aggregate's uuid on the host's node providers).
 */
import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { nowIso } from '../../../common/db/columns.ts'
import { insertReturningId } from '../../../common/db/insert-id.ts'
import { route, type Route } from '../../../common/http/types.ts'
import type { AggregateRow, ComputeDb } from '../../db/schema.ts'
import { badRequest, conflict, notFound } from '../../errors.ts'
import { authorize, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { mirrorHostAdded, mirrorHostRemoved } from '../placement-aggregates.ts'
import { INTERNAL_ZONE } from '../service-state.ts'
import { iso } from '../views/server.ts'

const NAME = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?! )[\\S ]+(?<! )$' }
const ZONE = { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[^:]+(?<! )$' }
const createSchema = {
  type: 'object',
  properties: {
    aggregate: { type: 'object', properties: { name: NAME, availability_zone: ZONE }, required: ['name'], additionalProperties: false },
  },
  required: ['aggregate'],
  additionalProperties: false,
}
const updateSchema = {
  type: 'object',
  properties: {
    aggregate: { type: 'object', properties: { name: NAME, availability_zone: ZONE }, minProperties: 1, additionalProperties: false },
  },
  required: ['aggregate'],
  additionalProperties: false,
}
const hostBody = { type: 'object', properties: { host: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['host'], additionalProperties: false }
const actionSchema = {
  type: 'object',
  properties: {
    add_host: hostBody,
    remove_host: hostBody,
    set_metadata: {
      type: 'object',
      properties: {
        metadata: {
          type: 'object',
          patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } },
          additionalProperties: false,
        },
      },
      required: ['metadata'],
      additionalProperties: false,
    },
  },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
}
const imagesSchema = {
  type: 'object',
  properties: {
    cache: {
      type: 'array', minItems: 1,
      items: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$' } }, required: ['id'], additionalProperties: false },
    },
  },
  required: ['cache'],
  additionalProperties: false,
}

type Aggregate = Omit<AggregateRow, 'id'> & { id: number; hosts: string[]; metadata: Record<string, string> }
type Db = ComputeApiDeps['db'] | Transaction<ComputeDb>

export function aggregatesRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-aggregates', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-aggregates:index')
      return { status: 200, body: { aggregates: (await loadAggregates(deps.db)).map((a) => view(req, a)) } }
    }),
    route('POST', '/os-aggregates', (req) => create(deps, req), { body: createSchema }),
    route('GET', '/os-aggregates/:id', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-aggregates:show')
      return { status: 200, body: { aggregate: view(req, await aggregateOf(deps.db, req.params.id)) } }
    }),
    route('PUT', '/os-aggregates/:id', (req) => update(deps, req), { body: updateSchema }),
    route('DELETE', '/os-aggregates/:id', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-aggregates:delete')
      const a = await aggregateOf(deps.db, req.params.id)
      if (a.hosts.length) throw badRequest(`Cannot remove aggregate ${a.id}. Reason: Host aggregate is not empty.`)
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('host_aggregate_metadata').where('aggregate_id', '=', a.id).execute()
        await trx.deleteFrom('host_aggregates').where('id', '=', a.id).execute()
      })
      deps.log.info(`deleted aggregate ${a.id}`, { request_id: req.requestId })
      return { status: 200 }
    }),
    route('POST', '/os-aggregates/:id/action', (req) => action(deps, req), { body: actionSchema }),
    route('POST', '/os-aggregates/:id/images', async (req: ComputeRequest) => {
      if (!atLeast(versionOf(req), '2.81')) throw notFound('The resource could not be found.')
      authorize(deps, req, 'os-aggregates:images')
      const a = await aggregateOf(deps.db, req.params.id)
      const ids = (req.body as { cache: Array<{ id: string }> }).cache.map((c) => c.id)
      if (new Set(ids).size !== ids.length) throw badRequest('Duplicate images in request')
      // Nova casts the request to each host's compute, whose driver may not support caching; the
      // fake driver has nothing to pre-fetch, so the request is accepted and logged.
      deps.log.info(`image cache request for aggregate ${a.id}`, { request_id: req.requestId, images: ids, hosts: a.hosts })
      return { status: 202 }
    }, { body: imagesSchema }),
  ]
}

async function loadAggregates(db: Db, id?: number): Promise<Aggregate[]> {
  let q = db.selectFrom('host_aggregates').selectAll().orderBy('id')
  if (id !== undefined) q = q.where('id', '=', id)
  const rows = await q.execute()
  if (!rows.length) return []
  const ids = rows.map((r) => Number(r.id))
  const [hosts, meta] = await Promise.all([
    db.selectFrom('host_aggregate_hosts').selectAll().where('aggregate_id', 'in', ids).orderBy('host').execute(),
    db.selectFrom('host_aggregate_metadata').selectAll().where('aggregate_id', 'in', ids).orderBy('key').execute(),
  ])
  return rows.map((r) => ({
    ...r, id: Number(r.id),
    hosts: hosts.filter((h) => Number(h.aggregate_id) === Number(r.id)).map((h) => h.host),
    metadata: Object.fromEntries(meta.filter((m) => Number(m.aggregate_id) === Number(r.id)).map((m) => [m.key, m.value])),
  }))
}

async function aggregateOf(db: Db, id: string): Promise<Aggregate> {
  if (!/^-?\d+$/.test(id)) throw badRequest(`Invalid input received: id must be an integer.`)
  const [a] = await loadAggregates(db, Number(id))
  if (!a) throw notFound(`Aggregate ${id} could not be found.`)
  return a
}

function view(req: ComputeRequest, a: Aggregate, withMembers = true): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: a.id, name: a.name, availability_zone: a.metadata.availability_zone ?? null,
    created_at: iso(a.created_at, true), updated_at: a.updated_at ? iso(a.updated_at, true) : null, deleted: false, deleted_at: null,
  }
  if (withMembers) Object.assign(v, { hosts: a.hosts, metadata: a.metadata })
  if (atLeast(versionOf(req), '2.41')) v.uuid = a.uuid
  return v
}

async function nameTaken(db: Db, name: string, except?: number): Promise<boolean> {
  let q = db.selectFrom('host_aggregates').select('id').where('name', '=', name)
  if (except !== undefined) q = q.where('id', '!=', except)
  return Boolean(await q.executeTakeFirst())
}

/**
 * Nova's is_safe_to_update_az: a zone may not be emptied nor be the internal zone, and none of
 * the hosts may already be in another zone (through one of its other aggregates).
 */
async function checkZone(db: Db, aggregateId: number | undefined, zone: string | null | undefined, hosts: string[], fail: (reason: string) => Error): Promise<void> {
  if (zone === undefined) return
  if (zone === null || zone === '') throw fail('Availability Zone cannot be empty.')
  if (zone === INTERNAL_ZONE) throw fail(`Availability Zone '${zone}' is reserved for internal services.`)
  if (!hosts.length) return
  let q = db.selectFrom('host_aggregate_hosts')
    .innerJoin('host_aggregate_metadata', 'host_aggregate_metadata.aggregate_id', 'host_aggregate_hosts.aggregate_id')
    .select(['host_aggregate_hosts.host as host', 'host_aggregate_metadata.value as zone'])
    .where('host_aggregate_metadata.key', '=', 'availability_zone').where('host_aggregate_hosts.host', 'in', hosts)
  if (aggregateId !== undefined) q = q.where('host_aggregate_hosts.aggregate_id', '!=', aggregateId)
  const others = [...new Set((await q.execute()).map((r) => r.zone).filter((z) => z !== zone))]
  if (others.length) throw fail(`One or more hosts already in availability zone(s) ${JSON.stringify(others)}`)
}

async function create(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-aggregates:create')
  const b = (req.body as { aggregate: { name: string; availability_zone?: string | null } }).aggregate
  const name = b.name.trim()
  const zone = b.availability_zone ?? undefined
  await checkZone(deps.db, undefined, zone, [], (r) => badRequest(`Cannot create aggregate. Reason: ${r}`))
  const row = { uuid: randomUUID(), name, created_at: nowIso(), updated_at: null }
  const agg = await deps.db.transaction().execute(async (trx) => {
    if (await nameTaken(trx, name)) throw conflict(`Aggregate ${name} already exists.`)
    const id = await insertReturningId(trx, 'host_aggregates', row)
    if (zone) await trx.insertInto('host_aggregate_metadata').values({ aggregate_id: id, key: 'availability_zone', value: zone }).execute()
    return (await loadAggregates(trx, id))[0]
  })
  deps.log.info(`created aggregate ${agg.id} ${name}`, { request_id: req.requestId, availability_zone: zone })
  return { status: 200, body: { aggregate: view(req, agg, false) } }
}

async function update(deps: ComputeApiDeps, req: ComputeRequest) {
  authorize(deps, req, 'os-aggregates:update')
  const b = (req.body as { aggregate: { name?: string; availability_zone?: string | null } }).aggregate
  const a = await aggregateOf(deps.db, req.params.id)
  const fail = (r: string) => badRequest(`Cannot update aggregate ${a.id}. Reason: ${r}`)
  await checkZone(deps.db, a.id, b.availability_zone, a.hosts, fail)
  await deps.db.transaction().execute(async (trx) => {
    const changes: { updated_at: string; name?: string } = { updated_at: nowIso() }
    if (b.name !== undefined) {
      changes.name = b.name.trim()
      if (await nameTaken(trx, changes.name, a.id)) throw conflict(`Aggregate ${changes.name} already exists.`)
    }
    await trx.updateTable('host_aggregates').set(changes).where('id', '=', a.id).execute()
    if (b.availability_zone) await setMeta(trx, a.id, { availability_zone: b.availability_zone })
  })
  deps.log.info(`updated aggregate ${a.id}`, { request_id: req.requestId })
  return { status: 200, body: { aggregate: view(req, await aggregateOf(deps.db, req.params.id)) } }
}

async function setMeta(trx: Transaction<ComputeDb>, id: number, meta: Record<string, string | null>): Promise<void> {
  for (const [key, value] of Object.entries(meta)) {
    await trx.deleteFrom('host_aggregate_metadata').where('aggregate_id', '=', id).where('key', '=', key).execute()
    if (value !== null) await trx.insertInto('host_aggregate_metadata').values({ aggregate_id: id, key, value }).execute()
  }
}

type ActionBody = { add_host?: { host: string }; remove_host?: { host: string }; set_metadata?: { metadata: Record<string, string | null> } }

async function action(deps: ComputeApiDeps, req: ComputeRequest) {
  const b = req.body as ActionBody
  const a0 = await (async () => {
    if (b.add_host) authorize(deps, req, 'os-aggregates:add_host')
    else if (b.remove_host) authorize(deps, req, 'os-aggregates:remove_host')
    else authorize(deps, req, 'os-aggregates:set_metadata')
    return aggregateOf(deps.db, req.params.id)
  })()
  const id = a0.id
  if (b.add_host || b.remove_host) {
    const host = (b.add_host ?? b.remove_host)!.host
    const svc = await deps.db.selectFrom('compute_services').select('id').where('host', '=', host).where('binary', '=', 'nova-compute').executeTakeFirst()
    if (!svc) throw notFound(`Compute host ${host} could not be found.`)
    const isMember = async (db: Db) => Boolean(await db.selectFrom('host_aggregate_hosts').select('host').where('aggregate_id', '=', id).where('host', '=', host).executeTakeFirst())
    if (b.add_host) {
      await deps.db.transaction().execute(async (trx) => {
        if (await isMember(trx)) throw conflict(`Aggregate ${id} already has host ${host}.`)
        await checkZone(trx, id, a0.metadata.availability_zone, [host], (r) => conflict(`Cannot add host to aggregate ${id}. Reason: ${r}.`))
        await trx.insertInto('host_aggregate_hosts').values({ aggregate_id: id, host }).execute()
        await trx.updateTable('host_aggregates').set({ updated_at: nowIso() }).where('id', '=', id).execute()
      })
      await mirrorHostAdded(deps, a0, host, req.requestId)
    } else {
      if (!(await isMember(deps.db))) throw notFound(`Aggregate ${id} has no host ${host}.`)
      // Placement first, as Nova: if that fails the host is still a member and remove_host can be retried.
      await mirrorHostRemoved(deps, a0, host, req.requestId)
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('host_aggregate_hosts').where('aggregate_id', '=', id).where('host', '=', host).execute()
        await trx.updateTable('host_aggregates').set({ updated_at: nowIso() }).where('id', '=', id).execute()
      })
    }
    deps.log.info(`${b.add_host ? 'added host to' : 'removed host from'} aggregate ${id}`, { request_id: req.requestId, host })
  } else {
    const meta = b.set_metadata!.metadata
    const fail = (r: string) => badRequest(`Cannot update metadata of aggregate ${id}. Reason: ${r}`)
    if ('availability_zone' in meta) await checkZone(deps.db, id, meta.availability_zone, a0.hosts, fail)
    await deps.db.transaction().execute(async (trx) => {
      await setMeta(trx, id, meta)
      await trx.updateTable('host_aggregates').set({ updated_at: nowIso() }).where('id', '=', id).execute()
    })
    deps.log.info(`set metadata of aggregate ${id}`, { request_id: req.requestId, keys: Object.keys(meta) })
  }
  return { status: 200, body: { aggregate: view(req, await aggregateOf(deps.db, String(id))) } }
}
