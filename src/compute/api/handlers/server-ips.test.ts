import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { startTestApi, type TestApi } from '../handler-test-kit.ts'
import { serverIpsRoutes } from './server-ips.ts'

let api: TestApi
let uuid: string
const now = new Date().toISOString()
const cache = [{ port_id: 'p1', network_id: 'n1', network_label: 'private', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ address: '10.0.0.5', subnet_id: 's1', version: 4, floating_ips: [] }], preserve_on_delete: false, tag: null, vif_type: 'bridge', devname: 'tap1' }]

before(async () => {
  api = await startTestApi((deps) => serverIpsRoutes(deps))
  uuid = randomUUID()
  const flavor = { flavorid: '1', name: 'm1.small', memory_mb: 2048, vcpus: 2, root_gb: 20, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, extra_specs: {} }
  await api.db.insertInto('instances').values({
    uuid, display_name: 'vm', display_description: null, project_id: 'p-demo', user_id: 'u', image_ref: 'img', flavorid: '1',
    flavor: JSON.stringify(flavor), old_flavor: null, new_flavor: null, vcpus: 2, memory_mb: 2048, root_gb: 20, ephemeral_gb: 0, swap: 0,
    host: 'h', node: 'h', availability_zone: 'nova', vm_state: 'active', task_state: null, power_state: 1,
    locked: 0, locked_by: null, locked_reason: null, key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null,
    access_ip_v6: null, hostname: 'vm', reservation_id: 'r', launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: JSON.stringify(cache),
    security_groups: '[]', progress: 0, launched_at: now, terminated_at: null,
    created_at: now, updated_at: now, deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
})
after(() => api?.stop())

test('ips: list and by network label; other projects and unknown labels are 404', async () => {
  const list = await api.as('demo')('GET', `/v2.1/servers/${uuid}/ips`)
  assert.equal(list.status, 200)
  // tempest's addr is oneOf ipv4/ipv6 formats, which the kit's validator does not check, so the shape is asserted here
  assert.deepEqual(list.body, { addresses: { private: [{ version: 4, addr: '10.0.0.5' }] } })
  const one = await api.as('demo')('GET', `/v2.1/servers/${uuid}/ips/private`)
  assert.equal(one.status, 200)
  assert.deepEqual(one.body, { private: [{ version: 4, addr: '10.0.0.5' }] })
  assert.equal((await api.as('demo')('GET', `/v2.1/servers/${uuid}/ips/public`)).status, 404)
  assert.equal((await api.as('alt')('GET', `/v2.1/servers/${uuid}/ips`)).status, 404)
})
