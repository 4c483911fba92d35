import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { isIP } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { assertTempestSchema, startTestApi, type Reply, type TestApi } from '../handler-test-kit.ts'
import { hypervisorsRoutes } from './hypervisors.ts'
import { osServicesRoutes } from './os-services.ts'

let api: TestApi

/** The kit validates without formats, so tempest's oneOf(ipv4, ipv6) of host_ip matches twice: check it here instead. */
function hypervisorSchema(r: Reply, module: string, name: string) {
  const body = structuredClone(r.body)
  for (const h of [...(body.hypervisors ?? []), ...(body.hypervisor ? [body.hypervisor] : [])]) {
    if ('host_ip' in h) {
      assert.ok(isIP(h.host_ip))
      h.host_ip = null
    }
  }
  assertTempestSchema({ ...r, body }, module, name)
}
const now = () => new Date().toISOString()

async function addService(host: string, binary = 'nova-compute', seen: string | null = now()) {
  const uuid = randomUUID()
  await api.db.insertInto('compute_services').values({
    uuid, host, binary, topic: binary === 'nova-compute' ? 'compute' : binary.replace(/^nova-/, ''), report_count: 1, disabled: 0,
    disabled_reason: null, forced_down: 0, version: 1, created_at: now(), updated_at: now(), last_seen_up: seen,
  }).execute()
  if (binary === 'nova-compute') {
    await api.db.insertInto('compute_nodes').values({
      uuid: randomUUID(), host, hypervisor_hostname: `${host}.example`, hypervisor_type: 'fake', hypervisor_version: 1000, host_ip: '192.0.2.1',
      vcpus: 16, memory_mb: 32768, local_gb: 1000, vcpus_used: 2, memory_mb_used: 2560, local_gb_used: 20, running_vms: 1,
      cpu_info: '{"arch":"x86_64"}', cpu_allocation_ratio: 16, ram_allocation_ratio: 1.5, disk_allocation_ratio: 1, created_at: now(), updated_at: now(),
    }).execute()
  }
  return uuid
}

async function addInstance(host: string) {
  const uuid = randomUUID()
  await api.db.insertInto('instances').values({
    uuid, display_name: `vm-${host}`, display_description: null, project_id: 'p-demo', user_id: 'u-demo', image_ref: 'img', flavorid: '1',
    flavor: '{}', old_flavor: null, new_flavor: null, vcpus: 2, memory_mb: 2048, root_gb: 20, ephemeral_gb: 0, swap: 0, host, node: `${host}.example`,
    availability_zone: 'nova', vm_state: 'active', task_state: null, power_state: 1, locked: 0, locked_by: null, locked_reason: null,
    key_name: null, key_data: null, user_data: null, config_drive: '', access_ip_v4: null, access_ip_v6: null, hostname: 'vm', reservation_id: 'r-1',
    launch_index: 0, metadata: '{}', system_metadata: '{}', info_cache: '[]', security_groups: '["default"]', progress: 0, launched_at: now(),
    terminated_at: null, created_at: now(), updated_at: now(), deleted_at: null, deleted: 0, root_device_name: null, trusted_certs: null, migration_host: null,
  }).execute()
  return uuid
}

let hostA: string
before(async () => {
  api = await startTestApi((deps) => [...osServicesRoutes(deps), ...hypervisorsRoutes(deps)])
  hostA = await addService('host-a')
  await addService('host-b', 'nova-compute', new Date(Date.now() - 3600_000).toISOString())
  await addService('ctl', 'nova-conductor')
  await addInstance('host-a')
})
after(() => api?.stop())

describe('os-services', () => {
  test('list shows state from the heartbeat, zone, and forced_down from 2.11; uuids from 2.53', async () => {
    const r = await api.as('admin')('GET', '/v2.1/os-services')
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_1.services', 'list_services')
    const byHost = Object.fromEntries(r.body.services.map((s: any) => [s.host, s]))
    assert.equal(byHost['host-a'].state, 'up')
    assert.equal(byHost['host-b'].state, 'down')
    assert.equal(byHost['host-a'].zone, 'nova')
    assert.equal(byHost.ctl.zone, 'internal')
    assert.equal(typeof byHost['host-a'].id, 'number')
    const r211 = await api.as('admin', '2.11')('GET', '/v2.1/os-services?binary=nova-compute')
    assertTempestSchema(r211, 'v2_11.services', 'list_services')
    assert.equal(r211.body.services.length, 2)
    const r253 = await api.as('admin', '2.53')('GET', '/v2.1/os-services?host=host-a')
    assertTempestSchema(r253, 'v2_53.services', 'list_services')
    assert.deepEqual(r253.body.services.map((s: any) => s.id), [hostA])
  })

  test('only admins', async () => {
    assert.equal((await api.as('demo')('GET', '/v2.1/os-services')).status, 403)
  })

  test('pre-2.53 disable, disable-log-reason, enable, force-down', async () => {
    const call = api.as('admin', '2.11')
    const d = await call('PUT', '/v2.1/os-services/disable-log-reason', { host: 'host-a', binary: 'nova-compute', disabled_reason: 'maint' })
    assert.equal(d.status, 200)
    assertTempestSchema(d, 'v2_11.services', 'disable_log_reason')
    let s = (await call('GET', '/v2.1/os-services?host=host-a')).body.services[0]
    assert.equal(s.status, 'disabled')
    assert.equal(s.disabled_reason, 'maint')
    const e = await call('PUT', '/v2.1/os-services/enable', { host: 'host-a', binary: 'nova-compute' })
    assertTempestSchema(e, 'v2_11.services', 'enable_disable_service')
    const f = await call('PUT', '/v2.1/os-services/force-down', { host: 'host-a', binary: 'nova-compute', forced_down: true })
    assertTempestSchema(f, 'v2_11.services', 'update_forced_down')
    s = (await call('GET', '/v2.1/os-services?host=host-a')).body.services[0]
    assert.equal(s.state, 'down')
    assert.equal(s.forced_down, true)
    await call('PUT', '/v2.1/os-services/force-down', { host: 'host-a', binary: 'nova-compute', forced_down: false })
    assert.equal((await api.as('admin')('PUT', '/v2.1/os-services/force-down', { host: 'host-a', binary: 'nova-compute', forced_down: true })).status, 404)
    assert.equal((await call('PUT', '/v2.1/os-services/disable', { host: 'nowhere', binary: 'nova-compute' })).status, 404)
    assert.equal((await call('PUT', '/v2.1/os-services/disable', { host: 'host-a' })).status, 400)
    assert.equal((await call('PUT', '/v2.1/os-services/disable-log-reason', { host: 'host-a', binary: 'nova-compute' })).status, 400)
  })

  test('2.53 PUT by uuid; its checks', async () => {
    const call = api.as('admin', '2.53')
    const r = await call('PUT', `/v2.1/os-services/${hostA}`, { status: 'disabled', disabled_reason: 'upgrade' })
    assert.equal(r.status, 200)
    assertTempestSchema(r, 'v2_53.services', 'update_service')
    assert.equal(r.body.service.status, 'disabled')
    const row = await api.db.selectFrom('compute_services').selectAll().where('uuid', '=', hostA).executeTakeFirstOrThrow()
    assert.equal(row.disabled, 1)
    assert.equal(row.disabled_reason, 'upgrade')
    assert.equal((await call('PUT', `/v2.1/os-services/${hostA}`, { status: 'enabled', disabled_reason: 'x' })).status, 400)
    assert.equal((await call('PUT', `/v2.1/os-services/${hostA}`, {})).status, 400)
    assert.equal((await call('PUT', '/v2.1/os-services/not-a-uuid', { status: 'enabled' })).status, 400)
    assert.equal((await call('PUT', `/v2.1/os-services/${randomUUID()}`, { status: 'enabled' })).status, 404)
    const ctl = (await call('GET', '/v2.1/os-services?binary=nova-conductor')).body.services[0]
    assert.equal((await call('PUT', `/v2.1/os-services/${ctl.id}`, { status: 'disabled' })).status, 400)
    const en = await call('PUT', `/v2.1/os-services/${hostA}`, { status: 'enabled', forced_down: false })
    assert.equal(en.body.service.disabled_reason, null)
  })

  test('delete refuses a compute service hosting instances (409) and removes an idle one with its node', async () => {
    const call = api.as('admin', '2.53')
    assert.equal((await call('DELETE', `/v2.1/os-services/${hostA}`)).status, 409)
    const b = (await call('GET', '/v2.1/os-services?host=host-b')).body.services[0]
    assert.equal((await call('DELETE', `/v2.1/os-services/${b.id}`)).status, 204)
    assert.equal((await api.db.selectFrom('compute_nodes').select('id').where('host', '=', 'host-b').execute()).length, 0)
    assert.equal((await call('DELETE', `/v2.1/os-services/${b.id}`)).status, 404)
    assert.equal((await api.as('admin')('DELETE', '/v2.1/os-services/abc')).status, 400)
  })
})

describe('os-hypervisors', () => {
  test('list, detail and show at 2.1, 2.28, 2.33, 2.53 and 2.88', async () => {
    const l = await api.as('admin')('GET', '/v2.1/os-hypervisors')
    hypervisorSchema(l, 'v2_1.hypervisors', 'list_search_hypervisors')
    assert.equal(l.body.hypervisors[0].hypervisor_hostname, 'host-a.example')
    const d = await api.as('admin')('GET', '/v2.1/os-hypervisors/detail')
    hypervisorSchema(d, 'v2_1.hypervisors', 'list_hypervisors_detail')
    assert.equal(d.body.hypervisors[0].free_ram_mb, 32768 - 2560)
    assert.equal(typeof d.body.hypervisors[0].cpu_info, 'string')
    const d228 = await api.as('admin', '2.28')('GET', '/v2.1/os-hypervisors/detail')
    hypervisorSchema(d228, 'v2_28.hypervisors', 'list_hypervisors_detail')
    assert.deepEqual(d228.body.hypervisors[0].cpu_info, { arch: 'x86_64' })
    const s = await api.as('admin')('GET', `/v2.1/os-hypervisors/${l.body.hypervisors[0].id}`)
    hypervisorSchema(s, 'v2_1.hypervisors', 'get_hypervisor')
    assert.equal((await api.as('admin')('GET', '/v2.1/os-hypervisors/999')).status, 404)
    const d253 = await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors/detail?with_servers=true')
    hypervisorSchema(d253, 'v2_53.hypervisors', 'list_hypervisors_detail')
    assert.equal(d253.body.hypervisors[0].servers.length, 1)
    const id = d253.body.hypervisors[0].id
    const s253 = await api.as('admin', '2.53')('GET', `/v2.1/os-hypervisors/${id}?with_servers=1`)
    hypervisorSchema(s253, 'v2_53.hypervisors', 'get_hypervisor')
    assert.equal(s253.body.hypervisor.servers[0].name, 'vm-host-a')
    const s288 = await api.as('admin', '2.88')('GET', `/v2.1/os-hypervisors/${id}`)
    assert.equal(s288.body.hypervisor.vcpus, undefined)
    assert.match(s288.body.hypervisor.uptime, / up /)
    assert.equal((await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors/42')).status, 400)
  })

  test('paging from 2.33 and the hostname pattern from 2.53', async () => {
    await addService('host-c')
    const p = await api.as('admin', '2.33')('GET', '/v2.1/os-hypervisors?limit=1')
    hypervisorSchema(p, 'v2_33.hypervisors', 'list_search_hypervisors')
    assert.equal(p.body.hypervisors.length, 1)
    assert.match(p.body.hypervisors_links[0].href, /marker=/)
    const next = await api.as('admin', '2.33')('GET', `/v2.1/os-hypervisors?limit=1&marker=${p.body.hypervisors[0].id}`)
    assert.equal(next.body.hypervisors[0].hypervisor_hostname, 'host-c.example')
    const pat = await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=host-c')
    assert.deepEqual(pat.body.hypervisors.map((h: any) => h.hypervisor_hostname), ['host-c.example'])
    assert.equal((await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=zzz')).status, 404)
    assert.equal((await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=h&limit=1')).status, 400)
  })

  test('statistics, uptime, search and servers before their removal', async () => {
    const st = await api.as('admin')('GET', '/v2.1/os-hypervisors/statistics')
    hypervisorSchema(st, 'v2_1.hypervisors', 'get_hypervisor_statistics')
    assert.equal(st.body.hypervisor_statistics.count, 2)
    assert.equal(st.body.hypervisor_statistics.vcpus, 32)
    assert.equal((await api.as('admin', '2.88')('GET', '/v2.1/os-hypervisors/statistics')).status, 404)
    const list = (await api.as('admin')('GET', '/v2.1/os-hypervisors')).body.hypervisors
    const up = await api.as('admin')('GET', `/v2.1/os-hypervisors/${list[0].id}/uptime`)
    hypervisorSchema(up, 'v2_1.hypervisors', 'get_hypervisor_uptime')
    const se = await api.as('admin')('GET', '/v2.1/os-hypervisors/host-a/search')
    hypervisorSchema(se, 'v2_1.hypervisors', 'list_search_hypervisors')
    const sv = await api.as('admin')('GET', '/v2.1/os-hypervisors/host-a/servers')
    hypervisorSchema(sv, 'v2_1.hypervisors', 'get_hypervisors_servers')
    assert.equal(sv.body.hypervisors[0].servers.length, 1)
    assert.equal((await api.as('admin')('GET', '/v2.1/os-hypervisors/zzz/search')).status, 404)
    assert.equal((await api.as('admin', '2.53')('GET', '/v2.1/os-hypervisors/host-a/search')).status, 404)
    assert.equal((await api.as('demo')('GET', '/v2.1/os-hypervisors')).status, 403)
  })
})
