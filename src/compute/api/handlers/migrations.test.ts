import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { createMigration } from '../../db/migrations-records.ts'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { migrationsRoutes } from './migrations.ts'

let api: TestApi
let server: string

async function addInstance(taskState: string | null) {
  const uuid = randomUUID()
  const now = new Date().toISOString()
  await api.db.insertInto('instances').values({
    uuid, display_name: 'vm', display_description: null, project_id: 'p-demo', user_id: 'u-demo', image_ref: 'img', flavorid: '1',
    flavor: '{}', old_flavor: null, new_flavor: null, vcpus: 1, memory_mb: 512, root_gb: 1, ephemeral_gb: 0, swap: 0, host: 'host-a', node: 'host-a',
    availability_zone: 'nova', vm_state: 'active', task_state: taskState, power_state: 1, locked: 0, locked_by: null, locked_reason: null,
    key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null, access_ip_v6: null, hostname: 'vm', reservation_id: 'r-1',
    launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: '[]', security_groups: '["default"]', progress: 0, launched_at: now,
    terminated_at: null, created_at: now, updated_at: now, deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
  return uuid
}

const base = { source_compute: 'host-a', source_node: 'host-a', dest_compute: 'host-b', dest_node: 'host-b', project_id: 'p-demo', user_id: 'u-demo' }
let liveId: number
let resizeId: number
before(async () => {
  api = await startTestApi((deps) => migrationsRoutes(deps))
  server = await addInstance('migrating')
  await createMigration(api.db, { ...base, instance_uuid: server, migration_type: 'resize', status: 'confirmed', old_flavorid: '1', new_flavorid: '2' })
  await new Promise((r) => setTimeout(r, 5))
  await createMigration(api.db, { ...base, instance_uuid: server, migration_type: 'live-migration', status: 'running' })
  const rows = await api.db.selectFrom('instance_migrations').select(['id', 'migration_type']).orderBy('id').execute()
  resizeId = Number(rows[0].id)
  liveId = Number(rows[1].id)
})
after(() => api?.stop())

test('os-migrations at 2.1, 2.23 (links for in-progress live migrations) and 2.59 (uuid, newest first, paging)', async () => {
  const r = await api.as('admin')('GET', '/v2.1/os-migrations')
  assertTempestSchema(r, 'v2_1.migrations', 'list_migrations')
  assert.equal(r.body.migrations.length, 2)
  assert.equal(r.body.migrations[0].old_instance_type_id, 1)
  const r23 = await api.as('admin', '2.23')('GET', '/v2.1/os-migrations')
  assertTempestSchema(r23, 'v2_23.migrations', 'list_migrations')
  const live = r23.body.migrations.find((m: any) => m.migration_type === 'live-migration')
  assert.match(live.links[0].href, new RegExp(`/servers/${server}/migrations/${liveId}$`))
  assert.equal(r23.body.migrations.find((m: any) => m.migration_type === 'resize').links, undefined)
  assertTempestSchema(await api.as('admin', '2.59')('GET', '/v2.1/os-migrations'), 'v2_59.migrations', 'list_migrations')
  // A full page adds migrations_links, as Nova's api-ref has it (tempest's schema never pages).
  const r59 = await api.as('admin', '2.59')('GET', '/v2.1/os-migrations?limit=1')
  assert.match(r59.body.migrations_links[0].href, /marker=/)
  assert.equal(r59.body.migrations[0].id, liveId)
  const next = await api.as('admin', '2.59')('GET', `/v2.1/os-migrations?limit=1&marker=${r59.body.migrations[0].uuid}`)
  assert.equal(next.body.migrations[0].id, resizeId)
  assert.equal((await api.as('admin', '2.59')('GET', `/v2.1/os-migrations?marker=${randomUUID()}`)).status, 400)
  assert.equal((await api.as('admin', '2.59')('GET', '/v2.1/os-migrations?bogus=1')).status, 400)
  const filtered = await api.as('admin', '2.23')('GET', '/v2.1/os-migrations?migration_type=resize&host=host-b')
  assert.deepEqual(filtered.body.migrations.map((m: any) => m.id), [resizeId])
  const future = new Date(Date.now() + 3600_000).toISOString()
  assert.equal((await api.as('admin', '2.59')('GET', `/v2.1/os-migrations?changes-since=${future}`)).body.migrations.length, 0)
  assert.equal((await api.as('admin', '2.66')('GET', `/v2.1/os-migrations?changes-since=${future}&changes-before=2000-01-01T00:00:00Z`)).status, 400)
  const r80 = await api.as('admin', '2.80')('GET', '/v2.1/os-migrations?user_id=u-other')
  assert.equal(r80.body.migrations.length, 0)
  assert.equal((await api.as('admin', '2.80')('GET', '/v2.1/os-migrations')).body.migrations[0].project_id, 'p-demo')
  assert.equal((await api.as('demo')('GET', '/v2.1/os-migrations')).status, 403)
})

test('a server\'s in-progress live migrations; show, force_complete and abort refusals', async () => {
  const call = api.as('admin', '2.24')
  assert.equal((await api.as('admin', '2.22')('GET', `/v2.1/servers/${server}/migrations`)).status, 404)
  const l = await call('GET', `/v2.1/servers/${server}/migrations`)
  assert.deepEqual(l.body.migrations.map((m: any) => m.id), [liveId])
  assert.equal(l.body.migrations[0].server_uuid, server)
  assert.equal((await call('GET', `/v2.1/servers/${server}/migrations/${liveId}`)).body.migration.status, 'running')
  assert.equal((await call('GET', `/v2.1/servers/${server}/migrations/${resizeId}`)).status, 404)
  assert.equal((await call('GET', `/v2.1/servers/${server}/migrations/9999`)).status, 404)
  assert.equal((await call('POST', `/v2.1/servers/${server}/migrations/${resizeId}/action`, { force_complete: null })).status, 400)
  assert.equal((await call('POST', `/v2.1/servers/${server}/migrations/${liveId}/action`, { force_complete: null })).status, 202)
  assert.equal((await call('DELETE', `/v2.1/servers/${server}/migrations/${resizeId}`)).status, 400)
  assert.equal((await call('DELETE', `/v2.1/servers/${server}/migrations/${liveId}`)).status, 202)
  assert.equal((await api.as('demo', '2.24')('GET', `/v2.1/servers/${server}/migrations`)).status, 403)
  const idle = await addInstance(null)
  assert.equal((await call('DELETE', `/v2.1/servers/${idle}/migrations/${liveId}`)).status, 409)
  assert.equal((await call('POST', `/v2.1/servers/${idle}/migrations/${liveId}/action`, { force_complete: null })).status, 409)
})
