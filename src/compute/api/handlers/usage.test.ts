import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { usageRoutes } from './usage.ts'

let api: TestApi
const H = 3600_000
const T0 = Date.parse('2026-01-01T00:00:00Z')
const at = (h: number) => new Date(T0 + h * H).toISOString()

async function addInstance(project: string, launched: number, terminated?: number) {
  const uuid = randomUUID()
  const flavor = { flavorid: '1', name: 'm1.small', memory_mb: 2048, vcpus: 2, root_gb: 20, ephemeral_gb: 5, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }
  await api.db.insertInto('instances').values({
    uuid, display_name: `vm-${launched}`, display_description: null, project_id: project, user_id: 'u', image_ref: 'img', flavorid: '1',
    flavor: JSON.stringify(flavor), old_flavor: null, new_flavor: null, vcpus: 2, memory_mb: 2048, root_gb: 20, ephemeral_gb: 5, swap: 0,
    host: 'h', node: 'h', availability_zone: 'nova', vm_state: terminated === undefined ? 'active' : 'deleted', task_state: null, power_state: 1,
    locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null,
    access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: '[]',
    security_groups: '[]', progress: 0, launched_at: at(launched), terminated_at: terminated === undefined ? null : at(terminated),
    created_at: at(launched), updated_at: at(launched), deleted_at: terminated === undefined ? null : at(terminated), deleted: terminated === undefined ? 0 : 1,
    root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
  return uuid
}

before(async () => {
  api = await startTestApi((deps) => usageRoutes(deps))
  await addInstance('p-demo', 0) // runs through the period
  await addInstance('p-demo', 2, 4) // 2 hours inside it
  await addInstance('p-demo', -10, -5) // ended before it
  await addInstance('p-alt', 9) // 1 hour inside it
})
after(() => api?.stop())

const period = `start=${at(0).replace('Z', '')}&end=${at(10).replace('Z', '')}`

test('show: hours clipped to the period, flavor snapshot sizes, terminated state', async () => {
  const r = await api.as('demo')('GET', `/v2.1/os-simple-tenant-usage/p-demo?${period}`)
  assert.equal(r.status, 200)
  assertTempestSchema(r, 'v2_1.tenant_usages', 'get_tenant_usage')
  const u = r.body.tenant_usage
  assert.equal(u.total_hours, 12)
  assert.equal(u.total_vcpus_usage, 24)
  assert.equal(u.total_memory_mb_usage, 2048 * 12)
  assert.equal(u.total_local_gb_usage, 25 * 12)
  assert.equal(u.start, '2026-01-01T00:00:00')
  assert.equal(u.server_usages.length, 2)
  const ended = u.server_usages.find((s: any) => s.hours === 2)
  assert.equal(ended.state, 'terminated')
  assert.equal(ended.uptime, 7200)
  assert.equal(ended.flavor, 'm1.small')
  assert.equal((await api.as('alt')('GET', `/v2.1/os-simple-tenant-usage/p-demo?${period}`)).status, 403)
  assert.deepEqual((await api.as('demo')('GET', `/v2.1/os-simple-tenant-usage/p-none?${period}`)).status, 403)
  assert.deepEqual((await api.as('admin')('GET', `/v2.1/os-simple-tenant-usage/p-none?${period}`)).body, { tenant_usage: {} })
  assert.equal((await api.as('admin')('GET', `/v2.1/os-simple-tenant-usage/?${period}`)).status, 404)
})

test('list for admins, detailed or not; bad periods; paging from 2.40', async () => {
  const r = await api.as('admin')('GET', `/v2.1/os-simple-tenant-usage?${period}`)
  assertTempestSchema(r, 'v2_1.tenant_usages', 'list_tenant_usage')
  assert.deepEqual(r.body.tenant_usages.map((u: any) => [u.tenant_id, u.total_hours]), [['p-demo', 12], ['p-alt', 1]])
  assert.equal(r.body.tenant_usages[0].server_usages, undefined)
  const d = await api.as('admin')('GET', `/v2.1/os-simple-tenant-usage?${period}&detailed=1`)
  assertTempestSchema(d, 'v2_1.tenant_usages', 'list_tenant_usage')
  assert.equal(d.body.tenant_usages[0].server_usages.length, 2)
  assert.equal((await api.as('demo')('GET', '/v2.1/os-simple-tenant-usage')).status, 403)
  assert.equal((await api.as('admin')('GET', `/v2.1/os-simple-tenant-usage?start=${at(5)}&end=${at(1)}`)).status, 400)
  assert.equal((await api.as('admin')('GET', '/v2.1/os-simple-tenant-usage?start=yesterday')).status, 400)
  const p = await api.as('admin', '2.40')('GET', `/v2.1/os-simple-tenant-usage?${period}&detailed=1&limit=1`)
  assert.equal(p.body.tenant_usages[0].server_usages.length, 1)
  const marker = new URL(p.body.tenant_usages_links[0].href).searchParams.get('marker')
  const next = await api.as('admin', '2.40')('GET', `/v2.1/os-simple-tenant-usage?${period}&detailed=1&limit=5&marker=${marker}`)
  assert.equal(next.body.tenant_usages.reduce((n: number, u: any) => n + u.server_usages.length, 0), 2)
  assert.equal((await api.as('admin', '2.40')('GET', `/v2.1/os-simple-tenant-usage?marker=${randomUUID()}`)).status, 400)
})
