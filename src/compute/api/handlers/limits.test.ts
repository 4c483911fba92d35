import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setQuotaLimits } from '../../db/quotas.ts'
import { assertTempestSchema, insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { limitsRoutes } from './limits.ts'

let api: TestApi

const addInstance = (project: string, vcpus: number, memoryMb: number) =>
  insertInstance(api, { project_id: project, vcpus, memory_mb: memoryMb, root_gb: 1, flavor: '{}' })

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
