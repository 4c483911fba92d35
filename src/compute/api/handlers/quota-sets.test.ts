import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertTempestSchema, insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { quotaSetsRoutes } from './quota-sets.ts'

let api: TestApi

const addInstance = (a: TestApi, project: string, user: string, vcpus: number, memoryMb: number): Promise<string> =>
  insertInstance(a, { project_id: project, user_id: user, vcpus, memory_mb: memoryMb, root_gb: 1, flavor: '{}' })

before(async () => {
  api = await startTestApi((deps) => quotaSetsRoutes(deps))
  await addInstance(api, 'p-demo', 'u-demo', 2, 512)
  await addInstance(api, 'p-demo', 'u-demo2', 1, 256)
})
after(() => api?.stop())

const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups']
const PERSONALITY = ['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files']
const BASE = ['cores', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']
const keys = (o: object) => Object.keys(o).sort()
const sorted = (...lists: string[][]) => lists.flat().sort()

describe('os-quota-sets', () => {
  test('show: the project id and every resource of the microversion; a user of the project may read it', async () => {
    const r = await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo')
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.quotas', 'get_quota_set')
    assert.deepEqual(keys(r.body.quota_set), sorted(BASE, NETWORK, PERSONALITY, ['id']))
    assert.equal(r.body.quota_set.id, 'p-demo')
    assert.equal(r.body.quota_set.cores, 20)
    assert.equal(r.body.quota_set.fixed_ips, -1)
    const v236 = await api.as('demo', '2.36')('GET', '/v2.1/os-quota-sets/p-demo')
    assertTempestSchema(v236, 'v2_36.quotas', 'get_quota_set')
    assert.deepEqual(keys(v236.body.quota_set), sorted(BASE, PERSONALITY, ['id']))
    const v257 = await api.as('reader', '2.57')('GET', '/v2.1/os-quota-sets/p-demo')
    assertTempestSchema(v257, 'v2_57.quotas', 'get_quota_set')
    assert.deepEqual(keys(v257.body.quota_set), sorted(BASE, ['id']))
  })

  test("other projects' quotas: refused to a member as Nova's policy does, shown to an admin", async () => {
    const r = await api.as('alt')('GET', '/v2.1/os-quota-sets/p-demo')
    assert.equal(r.status, 403)
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.")
    assert.equal((await api.as('alt')('GET', '/v2.1/os-quota-sets/p-demo/detail')).status, 403)
    assert.equal((await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).status, 200)
    assert.equal((await api.as('admin', '2.75')('GET', '/v2.1/os-quota-sets/p-demo?foo=1')).status, 400)
    assert.equal((await api.as('admin', '2.74')('GET', '/v2.1/os-quota-sets/p-demo?foo=1')).status, 200)
  })

  test('detail: in_use, limit and reserved of each resource, for the project or one user', async () => {
    const r = await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo/detail')
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.quotas', 'get_quota_set_details')
    assert.deepEqual(keys(r.body.quota_set), sorted(BASE, NETWORK, PERSONALITY, ['id']))
    assert.deepEqual(r.body.quota_set.cores, { in_use: 3, limit: 20, reserved: 0 })
    assert.deepEqual(r.body.quota_set.ram, { in_use: 768, limit: 51200, reserved: 0 })
    assert.deepEqual(r.body.quota_set.instances, { in_use: 2, limit: 10, reserved: 0 })
    const user = await api.as('demo', '2.57')('GET', '/v2.1/os-quota-sets/p-demo/detail?user_id=u-demo2')
    assertTempestSchema(user, 'v2_57.quotas', 'get_quota_set_details')
    assert.deepEqual(keys(user.body.quota_set), sorted(BASE, ['id']))
    assert.deepEqual(user.body.quota_set.cores, { in_use: 1, limit: 20, reserved: 0 })
  })

  test('defaults: the default class over the configuration, whatever the project has set; anyone may read them', async () => {
    await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-alt', { quota_set: { cores: 33 } })
    const r = await api.as('alt', '2.36')('GET', '/v2.1/os-quota-sets/p-alt/defaults')
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_36.quotas', 'get_quota_set')
    assert.deepEqual(keys(r.body.quota_set), sorted(BASE, PERSONALITY, ['id']))
    assert.equal(r.body.quota_set.id, 'p-alt')
    assert.equal(r.body.quota_set.cores, 20)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-alt/defaults')).status, 200)
    await api.as('admin')('DELETE', '/v2.1/os-quota-sets/p-alt')
  })

  test('update: an admin sets limits (integers or strings of them, -1 unlimited); the reply has no id', async () => {
    const r = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 30, ram: '40000', instances: -1 } })
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.quotas', 'update_quota_set')
    assert.deepEqual(keys(r.body.quota_set), sorted(BASE, NETWORK, PERSONALITY))
    assert.deepEqual([r.body.quota_set.cores, r.body.quota_set.ram, r.body.quota_set.instances], [30, 40000, -1])
    const shown = (await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set
    assert.deepEqual([shown.cores, shown.ram, shown.instances, shown.key_pairs], [30, 40000, -1, 100])
    const v257 = await api.as('admin', '2.57')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { metadata_items: 64 } })
    assertTempestSchema(v257, 'v2_57.quotas', 'update_quota_set')
    assert.deepEqual(keys(v257.body.quota_set), BASE)
    assert.equal(v257.body.quota_set.metadata_items, 64)
  })

  test("invalid bodies are 400 with Nova's messages and change nothing", async () => {
    const before = (await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body
    const cases: Array<[string, unknown, string]> = [
      ['2.1', { quota_set: { cores: -2 } }, 'Invalid input for field/attribute cores. Value: -2. -2 is less than the minimum of -1'],
      ['2.1', { quota_set: { ram: 5, cores: '-5' } }, 'Invalid input for field/attribute cores. Value: -5. -5 is less than the minimum of -1'],
      ['2.1', { quota_set: { cores: 'ten' } }, "Invalid input for field/attribute cores. Value: ten. 'ten' does not match '^-?[0-9]+$'"],
      ['2.1', { quota_set: { cores: 1.5 } }, "Invalid input for field/attribute cores. Value: 1.5. 1.5 is not of type 'integer', 'string'"],
      ['2.1', { quota_set: { cores: true } }, "Invalid input for field/attribute cores. Value: True. True is not of type 'integer', 'string'"],
      ['2.1', { quota_set: { cores: 2147483648 } }, 'Invalid input for field/attribute cores. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647'],
      ['2.1', { quota_set: { cores: 5, foo: 1 } }, "Invalid input for field/attribute quota_set. Value: {'cores': 5, 'foo': 1}. Additional properties are not allowed ('foo' was unexpected)"],
      ['2.1', { quota_set: { networks: 1 } }, "Invalid input for field/attribute quota_set. Value: {'networks': 1}. Additional properties are not allowed ('networks' was unexpected)"],
      ['2.36', { quota_set: { cores: 5, floating_ips: 1 } }, "Invalid input for field/attribute quota_set. Value: {'cores': 5, 'floating_ips': 1}. Additional properties are not allowed ('floating_ips' was unexpected)"],
      ['2.57', { quota_set: { injected_files: 1 } }, "Invalid input for field/attribute quota_set. Value: {'injected_files': 1}. Additional properties are not allowed ('injected_files' was unexpected)"],
      ['2.1', { quota_set: { cores: 5, force: 'maybe' } }, 'Invalid input for field/attribute force. Value: maybe.'],
      ['2.1', { cores: 5 }, "'quota_set' is a required property"],
      ['2.1', { quota_set: 5 }, "Invalid input for field/attribute quota_set. Value: 5. 5 is not of type 'object'"],
      ['2.1', { quota_set: { cores: 5 }, extra: 1 }, "Additional properties are not allowed ('extra' was unexpected)"],
    ]
    for (const [version, body, message] of cases) {
      const r = await api.as('admin', version)('PUT', '/v2.1/os-quota-sets/p-demo', body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.ok(r.body.badRequest.message.startsWith(message), `${JSON.stringify(body)}: ${r.body.badRequest.message}`)
    }
    assert.deepEqual((await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body, before)
  })

  test('limits below usage are refused, every value checked before any is written, unless force', async () => {
    const before = (await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body
    const r = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { ram: 1000, cores: 2 } })
    assert.equal(r.status, 400)
    assert.equal(r.body.badRequest.message, 'Quota limit 2 for cores must be greater than or equal to already used and reserved 3.')
    assert.deepEqual((await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body, before)
    const forced = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { ram: 1000, cores: 2, force: 'True' } })
    assert.equal(forced.status, 200)
    assert.deepEqual([forced.body.quota_set.cores, forced.body.quota_set.ram], [2, 1000])
    assert.equal(forced.body.quota_set.force, undefined)
    assert.equal((await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: -1 } })).body.quota_set.cores, -1)
  })

  test("a user's limits: at most what the project has left, shown with ?user_id=", async () => {
    await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 12 } })
    const over = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2', { quota_set: { cores: 13 } })
    assert.equal(over.status, 400)
    assert.equal(over.body.badRequest.message, 'Quota limit 13 for cores must be less than or equal to 12.')
    const set = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2', { quota_set: { cores: 4 } })
    assert.equal(set.body.quota_set.cores, 4)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2')).body.quota_set.cores, 4)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set.cores, 12)
    // The project may not drop below what it has handed to its users.
    const low = await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 3 } })
    assert.equal(low.body.badRequest.message, 'Quota limit 3 for cores must be greater than or equal to already used and reserved 4.')
  })

  test('non-admins may not update or delete, even their own project, and change nothing', async () => {
    const before = (await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body
    const put = await api.as('demo')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 50 } })
    assert.equal(put.status, 403)
    assert.equal(put.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")
    assert.equal((await api.as('alt')('PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 50 } })).status, 403)
    assert.equal((await api.as('demo')('DELETE', '/v2.1/os-quota-sets/p-demo')).status, 403)
    assert.deepEqual((await api.as('admin')('GET', '/v2.1/os-quota-sets/p-demo')).body, before)
  })

  test("delete: back to the defaults, the users' limits too; a user's alone with ?user_id=", async () => {
    assert.equal((await api.as('admin')('PUT', '/v2.1/os-quota-sets/p-demo?user_id=u-demo', { quota_set: { key_pairs: 5 } })).status, 200)
    const one = await api.as('admin')('DELETE', '/v2.1/os-quota-sets/p-demo?user_id=u-demo')
    assert.equal(one.status, 202)
    assert.equal(one.body, undefined)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo')).body.quota_set.key_pairs, 100)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2')).body.quota_set.cores, 4)
    assert.equal((await api.as('admin')('DELETE', '/v2.1/os-quota-sets/p-demo')).status, 202)
    const shown = (await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set
    const defaults = (await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo/defaults')).body.quota_set
    assert.deepEqual(shown, defaults)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2')).body.quota_set.cores, 20)
    assert.equal((await api.as('admin')('DELETE', '/v2.1/os-quota-sets/p-never-set')).status, 202)
  })
})

describe('os-quota-class-sets', () => {
  test('show: admins only; nova-network resources until 2.50, server groups from 2.50, personality until 2.57', async () => {
    const r = await api.as('admin')('GET', '/v2.1/os-quota-class-sets/default')
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.quota_classes', 'get_quota_class_set')
    assert.deepEqual(keys(r.body.quota_class_set), sorted(BASE.filter((k) => !k.startsWith('server_group')), NETWORK, PERSONALITY, ['id']))
    assert.equal(r.body.quota_class_set.id, 'default')
    const v250 = await api.as('admin', '2.50')('GET', '/v2.1/os-quota-class-sets/default')
    assertTempestSchema(v250, 'v2_50.quota_classes', 'get_quota_class_set')
    assert.deepEqual(keys(v250.body.quota_class_set), sorted(BASE, PERSONALITY, ['id']))
    const v257 = await api.as('admin', '2.57')('GET', '/v2.1/os-quota-class-sets/default')
    assertTempestSchema(v257, 'v2_57.quota_classes', 'get_quota_class_set')
    assert.deepEqual(keys(v257.body.quota_class_set), sorted(BASE, ['id']))
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-class-sets/default')).status, 403)
  })

  test("update of the default class changes every project's defaults; bad bodies and non-admins change nothing", async () => {
    const r = await api.as('admin', '2.50')('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 25, server_groups: 7 } })
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_50.quota_classes', 'update_quota_class_set')
    assert.equal(r.body.quota_class_set.id, undefined)
    assert.deepEqual([r.body.quota_class_set.cores, r.body.quota_class_set.server_groups], [25, 7])
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo/defaults')).body.quota_set.cores, 25)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set.server_groups, 7)
    const bad = await api.as('admin', '2.50')('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 1, fixed_ips: 1 } })
    assert.equal(bad.status, 400)
    assert.match(bad.body.badRequest.message, /Additional properties are not allowed \('fixed_ips' was unexpected\)/)
    const force = await api.as('admin')('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { force: true } })
    assert.equal(force.status, 400)
    assert.equal((await api.as('demo')('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 1 } })).status, 403)
    assert.equal((await api.as('admin')('GET', '/v2.1/os-quota-class-sets/default')).body.quota_class_set.cores, 25)
    const old = await api.as('admin')('PUT', '/v2.1/os-quota-class-sets/default', { quota_class_set: { cores: 20, server_groups: 10 } })
    assert.equal(old.body.quota_class_set.server_groups, undefined)
    assert.equal((await api.as('admin', '2.50')('GET', '/v2.1/os-quota-class-sets/default')).body.quota_class_set.server_groups, 10)
  })
})
