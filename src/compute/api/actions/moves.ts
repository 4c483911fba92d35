/**
 * @module The server actions that move a server between hosts: resize, confirmResize,
 * revertResize, migrate, os-migrateLive and evacuate, with Nova's body schemas per
 * microversion, state checks (409), and errors (400 for a flavor or host that cannot be used).
 * The API checks and records; the conductor schedules and the agents move.
 */
import { randomBytes } from 'node:crypto'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { recordAction } from '../../db/actions.ts'
import { extraSpecsOf, findFlavor } from '../../db/flavors.ts'
import { createMigration, migrationOfInstance, updateMigration } from '../../db/migrations-records.ts'
import { checkServerQuota } from '../../db/quotas.ts'
import { NovaError, badRequest, conflict, invalidState, notFound } from '../../errors.ts'
import type { FlavorSnapshot, Instance } from '../../model/instance.ts'
import { TaskState, VmState } from '../../model/states.ts'
import { authorize, isAdmin, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { atLeast } from '../microversion.ts'
import { beginTransition } from '../server-lookup.ts'
import { accepted, type ServerAction } from './action.ts'

const V = VmState
const T = TaskState

const TRUE = ['true', '1', 'on', 'yes']
const FALSE = ['false', '0', 'off', 'no']

/** Nova's parameter_types.boolean: true/false or one of its words; undefined when `v` is none of them. */
function boolOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v !== 'string') return undefined
  if (TRUE.includes(v.toLowerCase())) return true
  if (FALSE.includes(v.toLowerCase())) return false
  return undefined
}

const invalid = (field: string, value: unknown, why: string) => badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value) ?? value}. ${why}`)

/** The action's body as an object with only `allowed` keys (Nova's additionalProperties: false). */
function objectBody(action: string, body: unknown, allowed: string[], required: string[] = []): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid(action, body, `${JSON.stringify(body)} is not of type 'object'`)
  const b = body as Record<string, unknown>
  const extra = Object.keys(b).filter((k) => !allowed.includes(k))
  if (extra.length) throw badRequest(`Invalid input for field/attribute ${action}. Value: ${JSON.stringify(b)}. Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`)
  for (const r of required) if (!(r in b)) throw badRequest(`Invalid input for field/attribute ${action}. Value: ${JSON.stringify(b)}. '${r}' is a required property`)
  return b
}

/** Nova's fqdn host parameter (or null where allowed). */
function hostParam(v: unknown, nullable: boolean): string | null {
  if (v === undefined || (v === null && nullable)) return null
  if (typeof v !== 'string' || !v.length || v.length > 255 || !/^[A-Za-z0-9][A-Za-z0-9.:_-]*$/.test(v)) throw invalid('host', v, 'It is not a valid host name.')
  return v
}

function checkState(deps: ComputeApiDeps, req: ComputeRequest, i: Instance, action: string, vmStates: string[], lock = true): void {
  if (lock && i.locked && !isAdmin(deps, req)) throw conflict(`Instance ${i.uuid} is locked`)
  if (!vmStates.includes(i.vm_state)) throw invalidState(action, i.uuid, 'vm_state', i.vm_state)
  if (i.task_state !== null) throw invalidState(action, i.uuid, 'task_state', i.task_state)
}

async function computeService(deps: ComputeApiDeps, host: string) {
  return deps.db.selectFrom('compute_services').select(['host', 'disabled', 'forced_down', 'last_seen_up'])
    .where('host', '=', host).where('binary', '=', 'nova-compute').executeTakeFirst()
}

function serviceUp(deps: ComputeApiDeps, s: { forced_down: number; last_seen_up: string | null }): boolean {
  return !Number(s.forced_down) && s.last_seen_up !== null && Date.parse(s.last_seen_up) >= Date.now() - deps.config.serviceDownTimeSec * 1000
}

async function flavorForResize(deps: ComputeApiDeps, req: ComputeRequest, ref: string): Promise<FlavorSnapshot> {
  const id = ref.split('/').at(-1)!
  const f = await findFlavor(deps.db, id, { isAdmin: isAdmin(deps, req), projectId: callerOf(req).projectId })
  if (!f || f.disabled) throw badRequest(`Flavor ${id} could not be found.`)
  const specs = (await extraSpecsOf(deps.db, [id])).get(id) ?? {}
  return {
    flavorid: f.flavorid, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb,
    swap: f.swap, rxtx_factor: f.rxtx_factor, is_public: f.is_public, description: f.description, extra_specs: specs,
  }
}

const record = (deps: ComputeApiDeps, req: ComputeRequest, i: Instance, action: string) =>
  recordAction(deps.db, { action, instanceUuid: i.uuid, requestId: req.requestId, userId: callerOf(req).userId, projectId: callerOf(req).projectId ?? i.project_id })

/** A conductor error from a call, as the API answers it (the status it carries, 400 for no host). */
function fromConductor(err: unknown): NovaError {
  const e = err as { status?: number; message: string; remoteName?: string; name?: string }
  if (e.remoteName === 'NoValidHost' || e.name === 'NoValidHost') return badRequest(e.message)
  return new NovaError(e.status && e.status >= 400 ? e.status : 500, e.message)
}

export const moveActions: Record<string, ServerAction> = {
  async resize(deps, req, i, body) {
    const b = objectBody('resize', body, ['flavorRef', 'OS-DCF:diskConfig'], ['flavorRef'])
    const ref = b.flavorRef
    if ((typeof ref !== 'string' && typeof ref !== 'number') || String(ref).length === 0) throw invalid('flavorRef', ref, `${JSON.stringify(ref)} is not of type 'string', 'integer'`)
    const disk = b['OS-DCF:diskConfig']
    if (disk !== undefined && disk !== 'AUTO' && disk !== 'MANUAL') throw invalid('OS-DCF:diskConfig', disk, `'${disk}' is not one of ['AUTO', 'MANUAL']`)
    authorize(deps, req, 'servers:resize', { project_id: i.project_id, user_id: i.user_id })
    checkState(deps, req, i, 'resize', [V.ACTIVE, V.STOPPED])
    const flavor = await flavorForResize(deps, req, String(ref))
    if (flavor.flavorid === i.flavor.flavorid) throw badRequest('When resizing, instances must change flavor!')
    const volumeBacked = !i.image_ref
    if (!volumeBacked && flavor.root_gb === 0 && i.flavor.root_gb !== 0) throw badRequest('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.')
    if (!volumeBacked && flavor.root_gb < i.flavor.root_gb) throw badRequest('Server disk was unable to be resized because: Unable to resize disk down.')
    const cores = flavor.vcpus - i.flavor.vcpus
    const ram = flavor.memory_mb - i.flavor.memory_mb
    if (cores > 0 || ram > 0) await checkServerQuota(deps.db, deps.config, i.project_id, i.user_id, { instances: 0, cores: Math.max(0, cores), ram: Math.max(0, ram) })
    const started = await beginTransition(deps, req, i, {
      action: 'resize', vmStates: [V.ACTIVE, V.STOPPED], taskStates: [null], changes: {
        task_state: T.RESIZE_PREP, progress: 0, new_flavor: flavor,
        ...(disk ? { system_metadata: { ...i.system_metadata, disk_config: disk as string } } : {}),
      },
      record: 'resize',
    })
    await deps.rpc.castConductor('migrateServer', { context: requestContext(deps, req), instanceUuid: started.uuid, newFlavorId: flavor.flavorid, host: null })
    return accepted()
  },

  async confirmResize(deps, req, i) {
    authorize(deps, req, 'servers:confirm_resize', { project_id: i.project_id })
    checkState(deps, req, i, 'confirmResize', [V.RESIZED])
    const m = await migrationOfInstance(deps.db, i.uuid, ['finished'], ['resize', 'migration'])
    if (!m || !(await updateMigration(deps.db, m.uuid, { status: 'confirming' }, ['finished']))) throw badRequest('Instance has not been resized.')
    await record(deps, req, i, 'confirmResize')
    await deps.rpc.castAgent(m.source_compute!, 'confirmResize', { context: requestContext(deps, req), instance: i, migrationUuid: m.uuid })
    return { status: 204 }
  },

  async revertResize(deps, req, i) {
    authorize(deps, req, 'servers:revert_resize', { project_id: i.project_id })
    checkState(deps, req, i, 'revertResize', [V.RESIZED])
    const m = await migrationOfInstance(deps.db, i.uuid, ['finished'], ['resize', 'migration'])
    if (!m) throw badRequest('Instance has not been resized.')
    if (!i.old_flavor) throw badRequest('Flavor used by the instance could not be found.')
    // The migration first: of a confirm and a revert racing, only one takes it out of 'finished'.
    if (!(await updateMigration(deps.db, m.uuid, { status: 'reverting' }, ['finished']))) throw badRequest('Instance has not been resized.')
    let started: Instance
    try {
      started = await beginTransition(deps, req, i, {
        action: 'revertResize', vmStates: [V.RESIZED], taskStates: [null], changes: { task_state: T.RESIZE_REVERTING }, record: 'revertResize',
      })
    } catch (err) {
      await updateMigration(deps.db, m.uuid, { status: 'finished' }, ['reverting'])
      throw err
    }
    await deps.rpc.castAgent(m.dest_compute!, 'revertResize', { context: requestContext(deps, req), instance: started, migrationUuid: m.uuid })
    return accepted()
  },

  async migrate(deps, req, i, body) {
    let host: string | null = null
    if (atLeast(versionOf(req), '2.56') && body !== null && body !== undefined) {
      const b = objectBody('migrate', body, ['host'])
      host = hostParam(b.host, true)
    }
    authorize(deps, req, host ? 'os-migrate-server:migrate:host' : 'os-migrate-server:migrate', { project_id: i.project_id })
    checkState(deps, req, i, 'migrate', [V.ACTIVE, V.STOPPED])
    if (host) {
      if (!(await computeService(deps, host))) throw badRequest(`Compute host ${host} could not be found.`)
      if (host === i.host) throw badRequest('Cannot migrate to the host where the server exists.')
    }
    const started = await beginTransition(deps, req, i, {
      action: 'migrate', vmStates: [V.ACTIVE, V.STOPPED], taskStates: [null], changes: { task_state: T.RESIZE_PREP, progress: 0, new_flavor: i.flavor }, record: 'migrate',
    })
    await deps.rpc.castConductor('migrateServer', { context: requestContext(deps, req), instanceUuid: started.uuid, newFlavorId: null, host })
    return accepted()
  },

  async 'os-migrateLive'(deps, req, i, body) {
    const v = versionOf(req)
    const allowed = ['block_migration', 'host']
    if (!atLeast(v, '2.25')) allowed.push('disk_over_commit')
    if (atLeast(v, '2.30') && !atLeast(v, '2.68')) allowed.push('force')
    const b = objectBody('os-migrateLive', body, allowed, atLeast(v, '2.25') ? ['block_migration', 'host'] : ['block_migration', 'disk_over_commit', 'host'])
    const host = hostParam(b.host, true)
    const block = b.block_migration === 'auto' && atLeast(v, '2.25') ? null : boolOf(b.block_migration)
    if (block === undefined) throw invalid('block_migration', b.block_migration, `${JSON.stringify(b.block_migration)} is not a valid boolean`)
    if ('disk_over_commit' in b && boolOf(b.disk_over_commit) === undefined) throw invalid('disk_over_commit', b.disk_over_commit, `${JSON.stringify(b.disk_over_commit)} is not a valid boolean`)
    let force = false
    if ('force' in b) {
      const f = boolOf(b.force)
      if (f === undefined) throw invalid('force', b.force, `${JSON.stringify(b.force)} is not a valid boolean`)
      force = f
    }
    authorize(deps, req, host ? 'os-migrate-server:migrate_live:host' : 'os-migrate-server:migrate_live', { project_id: i.project_id })
    if (force && !host) throw badRequest("Can't force to a non-provided destination")
    checkState(deps, req, i, 'os-migrateLive', [V.ACTIVE, V.PAUSED])
    if (host && !(await computeService(deps, host))) throw badRequest(`Compute host ${host} could not be found.`)
    const started = await beginTransition(deps, req, i, {
      action: 'os-migrateLive', vmStates: [V.ACTIVE, V.PAUSED], taskStates: [null], changes: { task_state: T.MIGRATING, progress: 0 }, record: 'live-migration',
    })
    const args = { context: requestContext(deps, req), instanceUuid: started.uuid, host, blockMigration: block, force }
    // Before 2.34 the API waits for the conductor's checks and answers their errors; from 2.34 they show in the migration.
    if (atLeast(v, '2.34')) await deps.rpc.castConductor('liveMigrateServer', args)
    else await deps.rpc.conductor.liveMigrateServer(args).catch((err) => {
      throw fromConductor(err)
    })
    return accepted()
  },

  async evacuate(deps, req, i, body) {
    const v = versionOf(req)
    const allowed = ['host', 'adminPass']
    if (!atLeast(v, '2.14')) allowed.push('onSharedStorage')
    if (atLeast(v, '2.29') && !atLeast(v, '2.68')) allowed.push('force')
    const b = objectBody('evacuate', body, allowed, atLeast(v, '2.14') ? [] : ['onSharedStorage'])
    const host = hostParam(b.host, false)
    if (b.adminPass !== undefined && (typeof b.adminPass !== 'string' || b.adminPass.length > 255)) throw invalid('adminPass', b.adminPass, 'It is not a valid password.')
    authorize(deps, req, 'os-evacuate', { project_id: i.project_id, user_id: i.user_id })
    let shared = false
    if (!atLeast(v, '2.14')) {
      const s = boolOf(b.onSharedStorage)
      if (s === undefined) throw invalid('onSharedStorage', b.onSharedStorage, `${JSON.stringify(b.onSharedStorage)} is not a valid boolean`)
      shared = s
    }
    let force = false
    if ('force' in b) {
      const f = boolOf(b.force)
      if (f === undefined) throw invalid('force', b.force, `${JSON.stringify(b.force)} is not a valid boolean`)
      force = f
      if (force && !host) throw badRequest("Can't force to a non-provided destination")
    }
    if (shared && b.adminPass !== undefined) throw badRequest("admin password can't be changed on existing disk")
    const password = (b.adminPass as string | undefined) ?? (shared ? null : randomBytes(9).toString('base64').replace(/[+/=]/g, 'x'))
    if (host !== null && !(await computeService(deps, host))) throw notFound(`Compute host ${host} not found.`)
    if (i.host === host) throw badRequest("The target host can't be the same one.")
    checkState(deps, req, i, 'evacuate', [V.ACTIVE, V.STOPPED, V.ERROR], false)
    const source = i.host ? await computeService(deps, i.host) : undefined
    if (source && serviceUp(deps, source)) throw badRequest(`Compute service of ${i.host} is still in use.`)
    // From 2.95 an evacuated server is stopped at its new host; before, it keeps its power state.
    const stopped = atLeast(v, '2.95') || i.vm_state === V.STOPPED
    const started = await beginTransition(deps, req, i, {
      action: 'evacuate', vmStates: [V.ACTIVE, V.STOPPED, V.ERROR], taskStates: [null], changes: { task_state: T.REBUILDING }, record: 'evacuate', ignoreLock: true,
    })
    const m = await createMigration(deps.db, {
      instance_uuid: i.uuid, migration_type: 'evacuation', status: 'accepted', source_compute: i.host, source_node: i.node, dest_compute: host,
      old_flavorid: i.flavor.flavorid, new_flavorid: i.flavor.flavorid, project_id: i.project_id, user_id: i.user_id,
    })
    await deps.rpc.castConductor('evacuateServer', {
      context: requestContext(deps, req), instanceUuid: started.uuid, host, adminPassword: password, migrationUuid: m.uuid, force, stopped,
    })
    return atLeast(v, '2.14') ? { status: 200 } : { status: 200, body: { adminPass: password } }
  },
}
