import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { serverMetadataRoutes } from './server-metadata.ts'

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
  api = await startTestApi((deps) => serverMetadataRoutes(deps))
})
after(() => api?.stop())

test('metadata: 409 while building or with a task under way, 403 for readers; nothing changes', async () => {
  const building = await instance({ vm_state: 'building', task_state: 'spawning', metadata: { a: '1' } })
  const put = await api.as('demo')('PUT', `/v2.1/servers/${building}/metadata/b`, { meta: { b: '2' } })
  assert.equal(put.status, 409)
  assert.equal(put.body.conflictingRequest.message, `Cannot 'update metadata' instance ${building} while it is in vm_state building`)
  const del = await api.as('demo')('DELETE', `/v2.1/servers/${building}/metadata/a`)
  assert.equal(del.body.conflictingRequest.message, `Cannot 'delete metadata' instance ${building} while it is in vm_state building`)
  const rebooting = await instance({ task_state: 'rebooting', metadata: { a: '1' } })
  const post = await api.as('demo')('POST', `/v2.1/servers/${rebooting}/metadata`, { metadata: { b: '2' } })
  assert.equal(post.body.conflictingRequest.message, `Cannot 'update metadata' instance ${rebooting} while it is in task_state rebooting`)
  const ok = await instance({ metadata: { a: '1' } })
  const reader = await api.as('reader')('PUT', `/v2.1/servers/${ok}/metadata`, { metadata: {} })
  assert.equal(reader.status, 403)
  const list = await api.as('reader')('GET', `/v2.1/servers/${ok}/metadata`)
  assertTempestSchema(list, 'v2_1.servers', 'list_server_metadata')
  for (const uuid of [building, rebooting, ok]) {
    assert.deepEqual((await api.as('admin')('GET', `/v2.1/servers/${uuid}/metadata`)).body, { metadata: { a: '1' } })
  }
  const item = await api.as('demo')('GET', `/v2.1/servers/${ok}/metadata/a`)
  assertTempestSchema(item, 'v2_1.servers', 'set_show_server_metadata_item')
  assertTempestSchema(await api.as('demo')('DELETE', `/v2.1/servers/${ok}/metadata/a`), 'v2_1.servers', 'delete_server_metadata_item')
})
