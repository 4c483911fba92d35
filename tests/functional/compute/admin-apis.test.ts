/**
 * The operator's Compute APIs against a running cloud (placement, compute on the fake driver):
 * services and hypervisors as the agent reports them, disabling the host keeps new servers off
 * it, server groups record their members at boot and anti-affinity refuses a second member on
 * the one host, an aggregate's zone becomes the host's zone and a boot target, and usage counts
 * the servers that ran.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })
/** A pause after a service or aggregate change (the scheduler reads host states per request now, so this is only a margin). */
const schedulerCatchesUp = () => new Promise((r) => setTimeout(r, 1100))

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

async function boot(client: ApiClient, extra: Record<string, unknown>): Promise<string> {
  const r = await client.post('/v2.1/servers', { server: { name: 'vm', imageRef: c.imageId, flavorRef: '42', networks: [{ uuid: c.networkId }], ...extra } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  return r.body.server.id
}

async function computeService(): Promise<any> {
  const r = await c.admin.get('/v2.1/os-services?binary=nova-compute', v('2.53'))
  assert.equal(r.status, 200)
  assert.equal(r.body.services.length, 1)
  return r.body.services[0]
}

describe('services and hypervisors', () => {
  test('the agent\'s service is up and its node is listed with its servers', async () => {
    const svc = await computeService()
    assert.equal(svc.state, 'up')
    assert.equal(svc.status, 'enabled')
    assert.equal(svc.host, c.cloud.config.host)
    assert.equal(svc.zone, 'nova')
    const s = await bootServer(c, c.demo, { name: 'counted' })
    const hyp = await c.admin.get('/v2.1/os-hypervisors/detail?with_servers=true', v('2.53'))
    assert.equal(hyp.status, 200)
    assert.equal(hyp.body.hypervisors.length, 1)
    assert.ok(hyp.body.hypervisors[0].servers.some((x: any) => x.uuid === s.id))
    assert.equal(hyp.body.hypervisors[0].service.id, svc.id)
    const stats = await c.admin.get('/v2.1/os-hypervisors/statistics')
    assert.equal(stats.body.hypervisor_statistics.count, 1)
    assert.equal((await c.demo.get('/v2.1/os-services')).status, 403)
    const usage = await c.demo.get(`/v2.1/os-simple-tenant-usage/${s.tenant_id}?start=2000-01-01T00:00:00`)
    assert.equal(usage.status, 200)
    assert.ok(usage.body.tenant_usage.server_usages.some((u: any) => u.instance_id === s.id && u.flavor && u.vcpus >= 1))
    assert.equal((await c.demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })

  test('the conductor and the scheduler report in like the agent, so they stay up', async () => {
    const seen = async () => Object.fromEntries((await c.admin.get('/v2.1/os-services', v('2.53'))).body.services
      .map((s: any) => [s.binary, s]))
    const first = await seen()
    for (const binary of ['nova-conductor', 'nova-scheduler', 'nova-compute']) {
      assert.equal(first[binary]?.state, 'up', `${binary} is up`)
      assert.equal(first[binary].zone, binary === 'nova-compute' ? 'nova' : 'internal')
    }
    await new Promise((ok) => setTimeout(ok, 2_500)) // the test cloud reports every second
    const later = await seen()
    for (const binary of ['nova-conductor', 'nova-scheduler']) {
      assert.ok(Date.parse(later[binary].updated_at) > Date.parse(first[binary].updated_at), `${binary} reported again`)
    }
  })

  test('a disabled compute service gets no new servers until it is enabled again', async () => {
    const svc = await computeService()
    const off = await c.admin.put(`/v2.1/os-services/${svc.id}`, { status: 'disabled', disabled_reason: 'maintenance' }, v('2.53'))
    assert.equal(off.status, 200, JSON.stringify(off.body))
    assert.equal(off.body.service.disabled_reason, 'maintenance')
    let refused: any
    try {
      await schedulerCatchesUp()
      refused = await waitForStatus(c.demo, await boot(c.demo, { name: 'nowhere' }), 'ERROR')
      assert.match(refused.fault.message, /No valid host/)
    } finally {
      const on = await c.admin.put(`/v2.1/os-services/${svc.id}`, { status: 'enabled' }, v('2.53'))
      assert.equal(on.body.service.status, 'enabled')
    }
    await schedulerCatchesUp()
    const s = await bootServer(c, c.demo, { name: 'after-enable' })
    novaError(await c.admin.delete(`/v2.1/os-services/${svc.id}`, v('2.53')), 409, 'conflictingRequest', /hosting instances/)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await c.demo.delete(`/v2.1/servers/${refused.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })
})

describe('os-hosts (before 2.43)', () => {
  test('hosts of every service with zones; a compute host\'s resources by project; status switches its compute service', async () => {
    const svc = await computeService()
    const hosts = (await c.admin.get('/v2.1/os-hosts')).body.hosts
    assert.deepEqual(hosts.find((h: any) => h.service === 'compute'), { host_name: svc.host, service: 'compute', zone: 'nova' })
    assert.ok(hosts.some((h: any) => h.service === 'conductor' && h.zone === 'internal'))
    assert.deepEqual((await c.admin.get('/v2.1/os-hosts?zone=nova')).body.hosts.map((h: any) => h.service), ['compute'])
    assert.equal((await c.admin.get('/v2.1/os-hosts?zone=')).body.hosts.length, hosts.length, 'a blank zone lists all')
    assert.deepEqual((await c.admin.get('/v2.1/os-hosts?zone=xxx')).body.hosts, [])

    const s = await bootServer(c, c.demo, { name: 'on-host' })
    const detail = (await c.admin.get(`/v2.1/os-hosts/${svc.host}`)).body.host.map((r: any) => r.resource)
    assert.deepEqual(detail.slice(0, 3).map((r: any) => r.project), ['(total)', '(used_now)', '(used_max)'])
    const mine = detail.find((r: any) => r.project === s.tenant_id)
    assert.ok(mine && mine.host === svc.host && mine.cpu >= 1 && mine.memory_mb >= 64, JSON.stringify(detail))
    assert.ok(detail[2].cpu >= mine.cpu)
    novaError(await c.admin.get('/v2.1/os-hosts/nowhere'), 404, 'itemNotFound', 'Compute host nowhere could not be found.')

    const off = await c.admin.put(`/v2.1/os-hosts/${svc.host}`, { status: 'disable' })
    assert.deepEqual(off.body, { host: svc.host, status: 'disabled' })
    assert.equal((await computeService()).status, 'disabled')
    assert.deepEqual((await c.admin.put(`/v2.1/os-hosts/${svc.host}`, { status: 'Enable' })).body, { host: svc.host, status: 'enabled' })
    assert.equal((await computeService()).status, 'enabled')
    novaError(await c.admin.put(`/v2.1/os-hosts/${svc.host}`, { status: 'invalid' }), 400, 'badRequest')
    novaError(await c.admin.put(`/v2.1/os-hosts/${svc.host}`, {}), 400, 'badRequest')
    novaError(await c.admin.put('/v2.1/os-hosts/nowhere', { status: 'enable' }), 404, 'itemNotFound')
    novaError(await c.admin.put(`/v2.1/os-hosts/${svc.host}`, { maintenance_mode: 'enable' }), 501, 'notImplemented')
    novaError(await c.admin.get(`/v2.1/os-hosts/${svc.host}/reboot`), 501, 'notImplemented')
    novaError(await c.admin.get('/v2.1/os-hosts/nowhere/shutdown'), 404, 'itemNotFound')
    assert.equal((await computeService()).status, 'enabled', 'refused requests changed nothing')

    novaError(await c.demo.get('/v2.1/os-hosts'), 403, 'forbidden')
    novaError(await c.demo.put(`/v2.1/os-hosts/${svc.host}`, { status: 'disable' }), 403, 'forbidden')
    novaError(await c.admin.get('/v2.1/os-hosts', v('2.43')), 404, 'itemNotFound')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })
})

describe('server groups', () => {
  test('members join at boot; anti-affinity refuses a second member on the only host, affinity keeps them together', async () => {
    const anti = await c.demo.post('/v2.1/os-server-groups', { server_group: { name: 'spread', policy: 'anti-affinity' } }, v('2.64'))
    assert.equal(anti.status, 200, JSON.stringify(anti.body))
    const first = await boot(c.demo, { name: 'a1' })
    const f = await c.demo.post('/v2.1/servers', {
      server: { name: 'a1', imageRef: c.imageId, flavorRef: '42', networks: [{ uuid: c.networkId }] }, 'os:scheduler_hints': { group: anti.body.server_group.id },
    })
    assert.equal(f.status, 202, JSON.stringify(f.body))
    await waitForStatus(c.demo, f.body.server.id, 'ACTIVE')
    await waitForStatus(c.demo, first, 'ACTIVE')
    const shown = await c.demo.get(`/v2.1/os-server-groups/${anti.body.server_group.id}`, v('2.64'))
    assert.deepEqual(shown.body.server_group.members, [f.body.server.id])
    const second = await c.demo.post('/v2.1/servers', {
      server: { name: 'a2', imageRef: c.imageId, flavorRef: '42', networks: [{ uuid: c.networkId }] }, 'os:scheduler_hints': { group: anti.body.server_group.id },
    })
    assert.equal(second.status, 202)
    const failed = await waitForStatus(c.demo, second.body.server.id, 'ERROR')
    assert.match(failed.fault.message, /No valid host/)

    const aff = await c.demo.post('/v2.1/os-server-groups', { server_group: { name: 'together', policies: ['affinity'] } })
    const ids: string[] = []
    for (const name of ['b1', 'b2']) {
      const r = await c.demo.post('/v2.1/servers', {
        server: { name, imageRef: c.imageId, flavorRef: '42', networks: [{ uuid: c.networkId }] }, 'os:scheduler_hints': { group: aff.body.server_group.id },
      })
      ids.push(r.body.server.id)
      await waitForStatus(c.demo, r.body.server.id, 'ACTIVE')
    }
    const members = (await c.demo.get(`/v2.1/os-server-groups/${aff.body.server_group.id}`)).body.server_group.members
    assert.deepEqual([...members].sort(), [...ids].sort())
    for (const id of [first, f.body.server.id, second.body.server.id, ...ids]) await c.demo.delete(`/v2.1/servers/${id}`)
    for (const id of ids) await waitForStatus(c.demo, id, 'DELETED')
    assert.deepEqual((await c.demo.get(`/v2.1/os-server-groups/${aff.body.server_group.id}`)).body.server_group.members, [])
  })
})

describe('aggregates', () => {
  test('an aggregate\'s availability zone becomes the host\'s zone and a boot target', async () => {
    const agg = await c.admin.post('/v2.1/os-aggregates', { aggregate: { name: 'rack-1', availability_zone: 'zone-x' } })
    assert.equal(agg.status, 200, JSON.stringify(agg.body))
    const add = await c.admin.post(`/v2.1/os-aggregates/${agg.body.aggregate.id}/action`, { add_host: { host: c.cloud.config.host } })
    assert.equal(add.status, 200, JSON.stringify(add.body))
    assert.equal((await computeService()).zone, 'zone-x')
    await schedulerCatchesUp()
    const s = await bootServer(c, c.demo, { name: 'zoned', availability_zone: 'zone-x' })
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'zone-x')
    const other = await c.admin.post('/v2.1/os-aggregates', { aggregate: { name: 'rack-2', availability_zone: 'zone-y' } })
    novaError(await c.admin.post(`/v2.1/os-aggregates/${other.body.aggregate.id}/action`, { add_host: { host: c.cloud.config.host } }), 409, 'conflictingRequest')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
    await c.admin.post(`/v2.1/os-aggregates/${agg.body.aggregate.id}/action`, { remove_host: { host: c.cloud.config.host } })
    assert.equal((await computeService()).zone, 'nova')
    const mig = await c.admin.get('/v2.1/os-migrations', v('2.80'))
    assert.equal(mig.status, 200)
    assert.ok(Array.isArray(mig.body.migrations))
  })
})

describe('instance usage audit log', () => {
  test('every compute host is reported not run for the last completed month; before a time picks that month; non-admins 403', async () => {
    const host = (await computeService()).host
    const list = await c.admin.get('/v2.1/os-instance_usage_audit_log')
    assert.equal(list.status, 200, JSON.stringify(list.body))
    const log = list.body.instance_usage_audit_logs
    const now = new Date()
    const end = `${now.toISOString().slice(0, 7)}-01 00:00:00`
    const prev = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10)
    assert.deepEqual(log, {
      period_beginning: `${prev} 00:00:00`, period_ending: end, num_hosts: 1, num_hosts_done: 0, num_hosts_running: 0,
      num_hosts_not_run: 1, hosts_not_run: [host], total_instances: 0, total_errors: 0, overall_status: '0 of 1 hosts done. 0 errors.', log: {},
    })

    const show = await c.admin.get(`/v2.1/os-instance_usage_audit_log/${encodeURIComponent('2012-07-05 10:00:00')}`)
    assert.equal(show.status, 200, JSON.stringify(show.body))
    assert.equal(show.body.instance_usage_audit_log.period_beginning, '2012-06-01 00:00:00')
    assert.equal(show.body.instance_usage_audit_log.period_ending, '2012-07-01 00:00:00')
    assert.deepEqual(show.body.instance_usage_audit_log.hosts_not_run, [host])
    const fraction = await c.admin.get(`/v2.1/os-instance_usage_audit_log/${encodeURIComponent('2024-01-01 00:00:00.5')}`)
    assert.equal(fraction.body.instance_usage_audit_log.period_ending, '2024-01-01 00:00:00')

    novaError(await c.admin.get('/v2.1/os-instance_usage_audit_log/invalid_time'), 400, 'badRequest', 'Invalid timestamp for date invalid_time')
    novaError(await c.admin.get(`/v2.1/os-instance_usage_audit_log/${encodeURIComponent('2012-02-30 10:00:00')}`), 400, 'badRequest', 'Invalid timestamp for date 2012-02-30 10:00:00')
    novaError(await c.demo.get('/v2.1/os-instance_usage_audit_log'), 403, 'forbidden')
    novaError(await c.demo.get(`/v2.1/os-instance_usage_audit_log/${encodeURIComponent('2012-07-05 10:00:00')}`), 403, 'forbidden')
  })
})
