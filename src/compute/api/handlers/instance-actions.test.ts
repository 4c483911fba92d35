import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { actionEvent, recordAction } from '../../db/actions.ts'
import { assertTempestSchema, insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { instanceActionsRoutes } from './instance-actions.ts'

let api: TestApi

const instance = (state: { vm_state?: string; task_state?: string | null; metadata?: Record<string, string> } = {}) =>
  insertInstance(api, { ...state, metadata: JSON.stringify(state.metadata ?? {}) })

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
