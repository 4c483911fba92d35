import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { actionEvent, recordAction } from '../../db/actions.ts'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { instanceActionsRoutes } from './instance-actions.ts'

let api: TestApi
const now = new Date().toISOString()
const flavor = { flavorid: '1', name: 'm1.small', memory_mb: 2048, vcpus: 2, root_gb: 20, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }

async function instance(state: { vm_state?: string; task_state?: string | null; metadata?: Record<string, string> } = {}): Promise<string> {
  const uuid = randomUUID()
  await api.db.insertInto('instances').values({
    uuid, display_name: 'vm', display_description: null, project_id: 'p-demo', user_id: 'u-demo', image_ref: 'img', flavorid: '1',
    flavor: JSON.stringify(flavor), old_flavor: null, new_flavor: null, vcpus: 2, memory_mb: 2048, root_gb: 20, ephemeral_gb: 0, swap: 0,
    host: 'h1', node: 'h1', availability_zone: 'nova', vm_state: state.vm_state ?? 'active', task_state: state.task_state ?? null, power_state: 1,
    locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null,
    access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: JSON.stringify(state.metadata ?? {}), system_metadata: '{}',
    info_cache: '[]', security_groups: '[]', progress: 0, launched_at: now, terminated_at: null,
    created_at: now, updated_at: now, deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
  return uuid
}

before(async () => {
  api = await startTestApi((deps) => instanceActionsRoutes(deps))
})
after(() => api?.stop())

test('instance actions: a failed event shows its traceback to admins only; responses match tempest at each microversion', async () => {
  const uuid = await instance()
  await recordAction(api.db, { action: 'reboot', instanceUuid: uuid, requestId: 'req-1', userId: 'u-demo', projectId: 'p-demo' })
  await actionEvent(api.db, { uuid, requestId: 'req-1', event: 'compute_reboot_instance', phase: 'start', host: 'h1' })
  await actionEvent(api.db, { uuid, requestId: 'req-1', event: 'compute_reboot_instance', phase: 'finish', result: 'Error', traceback: 'Traceback: boom', host: 'h1' })
  const path = `/v2.1/servers/${uuid}/os-instance-actions`

  const list = await api.as('demo')('GET', path)
  assertTempestSchema(list, 'v2_1.servers', 'list_instance_actions')
  assert.deepEqual(list.body.instanceActions.map((a: any) => [a.action, a.message]), [['reboot', 'Error']])
  assertTempestSchema(await api.as('demo')('GET', path, undefined, { 'openstack-api-version': 'compute 2.58' }), 'v2_58.servers', 'list_instance_actions')

  const show = (who: 'demo' | 'admin' | 'reader', v: string) => api.as(who, v)('GET', `${path}/req-1`)
  assertTempestSchema(await show('demo', '2.1'), 'v2_1.servers', 'show_instance_action')
  const owner = await show('demo', '2.51')
  assertTempestSchema(owner, 'v2_51.servers', 'show_instance_action')
  assert.deepEqual(owner.body.instanceAction.events, [{ event: 'compute_reboot_instance', start_time: owner.body.instanceAction.events[0].start_time, finish_time: owner.body.instanceAction.events[0].finish_time, result: 'Error' }])
  assert.equal((await show('reader', '2.51')).status, 200, 'readers of the project may look')
  const admin = await show('admin', '2.1')
  assertTempestSchema(admin, 'v2_1.servers', 'show_instance_action')
  assert.equal(admin.body.instanceAction.events[0].traceback, 'Traceback: boom')
  const v262 = await show('admin', '2.62')
  assertTempestSchema(v262, 'v2_62.servers', 'show_instance_action')
  assert.equal(v262.body.instanceAction.events[0].host, 'h1')
  assertTempestSchema(await show('admin', '2.84'), 'v2_84.servers', 'show_instance_action')
  assert.equal((await show('demo', '2.84')).body.instanceAction.events[0].details, undefined, 'details are for admins by policy')
  assert.equal((await api.as('alt')('GET', path)).status, 404)
})
