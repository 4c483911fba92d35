import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { setQuotaLimits } from '../../db/quotas.ts'
import { assertTempestSchema, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { limitsRoutes } from './limits.ts'

let api: TestApi

async function addInstance(project: string, vcpus: number, memoryMb: number) {
  const now = new Date().toISOString()
  await api.db.insertInto('instances').values({
    uuid: randomUUID(), display_name: 'vm', display_description: null, project_id: project, user_id: 'u-demo', image_ref: 'img', flavorid: '1',
    flavor: '{}', old_flavor: null, new_flavor: null, vcpus, memory_mb: memoryMb, root_gb: 1, ephemeral_gb: 0, swap: 0,
    host: 'h', node: 'h', availability_zone: 'nova', vm_state: 'active', task_state: null, power_state: 1,
    locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null,
    access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: '[]',
    security_groups: '[]', progress: 0, launched_at: now, terminated_at: null, created_at: now, updated_at: now, deleted_at: null, deleted: 0,
    root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
}

before(async () => {
  api = await startTestApi((deps) => limitsRoutes(deps))
  await addInstance('p-demo', 2, 1024)
  await addInstance('p-demo', 4, 2048)
  await setQuotaLimits(api.db, 'p-demo', undefined, { cores: 40 })
})
after(() => api?.stop())

const COMMON = [
  'maxServerGroupMembers', 'maxServerGroups', 'maxServerMeta', 'maxTotalCores', 'maxTotalInstances', 'maxTotalKeypairs', 'maxTotalRAMSize',
  'totalCoresUsed', 'totalInstancesUsed', 'totalRAMUsed', 'totalServerGroupsUsed',
]
const NETWORK = ['maxSecurityGroupRules', 'maxSecurityGroups', 'maxTotalFloatingIps', 'totalFloatingIpsUsed', 'totalSecurityGroupsUsed']
const PERSONALITY = ['maxPersonality', 'maxPersonalitySize']
const keys = (o: object) => Object.keys(o).sort()

test("the caller's project's limits and usage, with the names of each microversion", async () => {
  const r = await api.as('demo')('GET', '/v2.1/limits')
  assert.equal(r.status, 200)
  assertTempestSchema(r, 'v2_1.limits', 'get_limit')
  assert.deepEqual(r.body.limits.rate, [])
  const a = r.body.limits.absolute
  assert.deepEqual(keys(a), [...COMMON, ...NETWORK, ...PERSONALITY, 'maxImageMeta'].sort())
  assert.deepEqual([a.maxTotalCores, a.totalCoresUsed, a.totalInstancesUsed, a.totalRAMUsed, a.maxTotalRAMSize], [40, 6, 2, 3072, 51200])
  assert.deepEqual([a.maxServerMeta, a.maxImageMeta, a.maxPersonality, a.maxPersonalitySize, a.maxTotalFloatingIps], [128, 128, 5, 10240, -1])
  const v236 = await api.as('demo', '2.36')('GET', '/v2.1/limits')
  assertTempestSchema(v236, 'v2_36.limits', 'get_limit')
  assert.deepEqual(keys(v236.body.limits.absolute), [...COMMON, ...PERSONALITY, 'maxImageMeta'].sort())
  const v239 = await api.as('demo', '2.39')('GET', '/v2.1/limits')
  assertTempestSchema(v239, 'v2_39.limits', 'get_limit')
  assert.deepEqual(keys(v239.body.limits.absolute), [...COMMON, ...PERSONALITY].sort())
  const v257 = await api.as('demo', '2.57')('GET', '/v2.1/limits')
  assertTempestSchema(v257, 'v2_57.limits', 'get_limit')
  assert.deepEqual(keys(v257.body.limits.absolute), COMMON)
})

test('tenant_id: admins see another project; anyone else is refused, naming their own project too', async () => {
  const other = await api.as('admin', '2.57')('GET', '/v2.1/limits?tenant_id=p-demo')
  assert.equal(other.status, 200)
  assert.deepEqual([other.body.limits.absolute.maxTotalCores, other.body.limits.absolute.totalCoresUsed], [40, 6])
  const own = await api.as('admin', '2.57')('GET', '/v2.1/limits')
  assert.deepEqual([own.body.limits.absolute.maxTotalCores, own.body.limits.absolute.totalCoresUsed], [20, 0])
  const alt = await api.as('alt')('GET', '/v2.1/limits?tenant_id=p-demo')
  assert.equal(alt.status, 403)
  assert.equal(alt.body.forbidden.message, "Policy doesn't allow os_compute_api:limits:other_project to be performed.")
  assert.equal((await api.as('demo')('GET', '/v2.1/limits?tenant_id=p-demo')).status, 403)
  assert.equal((await api.as('alt')('GET', '/v2.1/limits')).body.limits.absolute.totalCoresUsed, 0)
  assert.equal((await api.as('demo', '2.75')('GET', '/v2.1/limits?foo=1')).status, 400)
  assert.equal((await api.as('demo', '2.74')('GET', '/v2.1/limits?foo=1')).status, 200)
})
