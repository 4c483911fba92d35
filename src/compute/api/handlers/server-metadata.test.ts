import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { assertTempestSchema, insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { serverMetadataRoutes } from './server-metadata.ts'

let api: TestApi

const instance = (state: { vm_state?: string; task_state?: string | null; metadata?: Record<string, string> } = {}) =>
  insertInstance(api, { ...state, metadata: JSON.stringify(state.metadata ?? {}) })

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
