import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { serverIpsRoutes } from './server-ips.ts'

let api: TestApi
let uuid: string
const cache = [{ port_id: 'p1', network_id: 'n1', network_label: 'private', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ address: '10.0.0.5', subnet_id: 's1', version: 4, floating_ips: [] }], preserve_on_delete: false, tag: null, vif_type: 'bridge', devname: 'tap1' }]

before(async () => {
  api = await startTestApi((deps) => serverIpsRoutes(deps))
  uuid = randomUUID()
  await insertInstance(api, { uuid, user_id: 'u', host: 'h', node: 'h', info_cache: JSON.stringify(cache) })
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
