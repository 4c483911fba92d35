/**
 * @module nova-conductor: runs the multi-step workflows and is the agents' only way to the
 * database. Served on topic `conductor`; any number of conductors share the calls.
 */
import { randomUUID } from 'node:crypto'
import { nowIso } from '../../common/db/columns.ts'
import { actionEvent, addFault } from '../db/actions.ts'
import { findInstance, instancesOf, updateInstance } from '../db/instances.ts'
import { TaskState, VmState } from '../model/states.ts'
import type { ConductorRpc } from '../rpc/conductor-rpc.ts'
import { buildWorkflows } from './build.ts'
import type { ConductorDeps } from './deps.ts'
import { moveWorkflows } from './move.ts'
import { releaseMoveAllocations } from './move-support.ts'

export function createConductor(base: Omit<ConductorDeps, 'destroyed'>): ConductorRpc {
  const deps: ConductorDeps = { ...base, destroyed: (uuid) => destroyed(uuid) }
  const { db, log } = deps

  async function destroyed(uuid: string): Promise<void> {
    const now = nowIso()
    const res = await db.updateTable('instances').set({
      deleted: 1, deleted_at: now, terminated_at: now, updated_at: now, vm_state: VmState.DELETED, task_state: null, power_state: 0,
    }).where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst()
    await db.deleteFrom('server_group_members').where('instance_uuid', '=', uuid).execute()
    await deps.claims.release(uuid).catch((err) => log.warn(`could not free the placement allocation of deleted instance ${uuid}`, { error: (err as Error).message }))
    await releaseMoveAllocations(deps, uuid)
    if (Number(res.numUpdatedRows)) log.info(`instance ${uuid} deleted`)
  }

  return {
    ...buildWorkflows(deps),
    ...moveWorkflows(deps),

    async reportService({ host, binary, node }) {
      const now = nowIso()
      let svc = await db.selectFrom('compute_services').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirst()
      if (!svc) {
        await db.insertInto('compute_services').values({
          uuid: randomUUID(), host, binary, topic: binary === 'nova-compute' ? 'compute' : binary.replace(/^nova-/, ''),
          report_count: 0, disabled: 0, disabled_reason: null, forced_down: 0, version: 1, created_at: now, updated_at: now, last_seen_up: now,
        }).onConflict((oc) => oc.columns(['host', 'binary']).doNothing()).execute()
        svc = await db.selectFrom('compute_services').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirstOrThrow()
        log.info(`registered service ${binary} on ${host}`)
      }
      await db.updateTable('compute_services').set({ last_seen_up: now, report_count: Number(svc.report_count) + 1 }).where('id', '=', svc.id).execute()
      if (node) {
        const used = await db.selectFrom('instances').select([
          db.fn.count<number>('uuid').as('n'), db.fn.sum<number>('vcpus').as('vcpus'), db.fn.sum<number>('memory_mb').as('ram'),
          db.fn.sum<number>('root_gb').as('disk'),
        ]).where('host', '=', host).where('deleted', '=', 0).executeTakeFirst()
        const values = {
          host, hypervisor_hostname: node.hypervisorHostname, hypervisor_type: node.hypervisorType, hypervisor_version: node.hypervisorVersion,
          host_ip: node.hostIp, vcpus: node.vcpus, memory_mb: node.memoryMb, local_gb: node.localGb,
          vcpus_used: Number(used?.vcpus ?? 0), memory_mb_used: Number(used?.ram ?? 0) + node.reservedHostMemoryMb,
          local_gb_used: Number(used?.disk ?? 0), running_vms: Number(used?.n ?? 0), cpu_info: JSON.stringify(node.cpuInfo),
          cpu_allocation_ratio: node.cpuAllocationRatio, ram_allocation_ratio: node.ramAllocationRatio, disk_allocation_ratio: node.diskAllocationRatio,
          updated_at: now,
        }
        const existing = await db.selectFrom('compute_nodes').select('id').where('uuid', '=', node.uuid).executeTakeFirst()
        if (existing) await db.updateTable('compute_nodes').set(values).where('id', '=', existing.id).execute()
        else {
          await db.insertInto('compute_nodes').values({ ...values, uuid: node.uuid, created_at: now }).execute()
          log.info(`registered compute node ${node.hypervisorHostname} of host ${host}`, { vcpus: node.vcpus, memory_mb: node.memoryMb, disk_gb: node.localGb })
        }
      }
      return { serviceUuid: svc.uuid, disabled: Boolean(Number(svc.disabled)) }
    },

    async instanceGet({ uuid }) {
      return (await findInstance(db, uuid)) ?? null
    },

    async instancesOnHost({ host }) {
      const rows = await db.selectFrom('instances').selectAll().where('deleted', '=', 0)
        .where((eb) => eb.or([eb('host', '=', host), eb('migration_host', '=', host)])).execute()
      return instancesOf(db, rows)
    },

    async instanceUpdate({ uuid, changes, expectedTaskState }) {
      return (await updateInstance(db, uuid, changes, { taskState: expectedTaskState })) ?? null
    },

    instanceDestroyed: ({ uuid }) => destroyed(uuid),

    async addFault(f) {
      await addFault(db, f)
    },

    async actionEvent(e) {
      await actionEvent(db, e)
    },

    async migrationUpdate({ uuid, status }) {
      await db.updateTable('instance_migrations').set({ status, updated_at: nowIso() }).where('uuid', '=', uuid).execute()
    },
  }
}

export { TaskState }
