/**
 * IP address management under load and its accounting: concurrent port creators on one subnet on
 * every database engine (no duplicate address or MAC, every address handed out until the pool is
 * empty, then 409 IpAddressGenerationFailure), addresses coming back on delete, the choice among
 * several subnets, and /v2.0/network-ip-availabilities.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { scratchDatabase, type Engine } from '../../support/databases.ts'

const post = async (as: ApiClient, path: string, body: unknown) => {
  const res = await as.post(path, body)
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body
}

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`concurrent port creates on ${engine}`, () => {
    test('8 creators x 50 ports on a /24: 253 distinct addresses and MACs, then IpAddressGenerationFailure', async (t) => {
      const scratch = await scratchDatabase(engine)
      if ('skip' in scratch) return t.skip(scratch.skip)
      const cloud = await startTestCloud({ services: ['network'], databaseUrl: engine === 'sqlite' ? undefined : scratch.url })
      try {
        const demo = cloud.service('network', await cloud.demo())
        const net = (await post(demo, '/v2.0/networks', { network: { name: 'busy' } })).network
        const subnet = (await post(demo, '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/24' } })).subnet
        assert.deepEqual(subnet.allocation_pools, [{ start: '10.50.0.2', end: '10.50.0.254' }])
        await post(demo, '/v2.0/ports', { port: { network_id: net.id } }) // creates the default security group up front
        const started = performance.now()
        const results = await Promise.all(Array.from({ length: 8 }, async () => {
          const mine: { status: number; body: any }[] = []
          for (let i = 0; i < 50; i++) mine.push(await demo.post('/v2.0/ports', { port: { network_id: net.id, device_owner: 'compute:nova' } }))
          return mine
        }))
        const elapsedMs = performance.now() - started
        const all = results.flat()
        const created = all.filter((r) => r.status === 201).map((r) => r.body.port)
        const refused = all.filter((r) => r.status !== 201)
        assert.equal(created.length, 252, 'the pool holds 253 addresses and one went to the first port')
        assert.equal(refused.length, 400 - 252)
        for (const r of refused) {
          assert.equal(r.status, 409, JSON.stringify(r.body))
          assert.deepEqual(r.body.NeutronError, {
            type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${net.id}.`, detail: '',
          })
        }
        const listed = (await demo.get(`/v2.0/ports?network_id=${net.id}`)).body.ports
        assert.equal(listed.length, 253)
        const ips = listed.map((p: any) => p.fixed_ips[0].ip_address)
        assert.equal(new Set(ips).size, 253, 'no address was handed out twice')
        assert.equal(new Set(listed.map((p: any) => p.mac_address)).size, 253, 'no MAC was handed out twice')
        const octets = ips.map((ip: string) => Number(ip.split('.')[3])).sort((a: number, b: number) => a - b)
        assert.deepEqual(octets, Array.from({ length: 253 }, (_, i) => i + 2), 'exactly the pool, nothing outside it')
        t.diagnostic(`${engine}: 400 creates at concurrency 8 in ${elapsedMs.toFixed(0)} ms (${(elapsedMs / 400).toFixed(2)} ms each)`)
      } finally {
        await cloud.stop()
        await scratch.drop()
      }
    })
  })
}

describe('addresses and availability', () => {
  let cloud: TestCloud
  let demo: ApiClient
  let admin: ApiClient
  before(async () => {
    cloud = await startTestCloud({ services: ['network'] })
    demo = cloud.service('network', await cloud.demo())
    admin = cloud.service('network', await cloud.admin())
  })
  after(() => cloud.stop())

  test('a full pool frees up when a port goes; the next subnet with room serves the default address', async () => {
    const net = (await post(demo, '/v2.0/networks', { network: { name: 'small' } })).network
    const first = (await post(demo, '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.60.0.0/29' } })).subnet
    const ports = []
    for (let i = 0; i < 5; i++) ports.push((await post(demo, '/v2.0/ports', { port: { network_id: net.id } })).port)
    assert.deepEqual(new Set(ports.map((p) => p.fixed_ips[0].ip_address)), new Set(['10.60.0.2', '10.60.0.3', '10.60.0.4', '10.60.0.5', '10.60.0.6']))
    const full = await demo.post('/v2.0/ports', { port: { network_id: net.id } })
    assert.equal(full.status, 409)
    assert.equal(full.body.NeutronError.type, 'IpAddressGenerationFailure')
    const freed = ports[2].fixed_ips[0].ip_address
    assert.equal((await demo.delete(`/v2.0/ports/${ports[2].id}`)).status, 204)
    const again = (await post(demo, '/v2.0/ports', { port: { network_id: net.id } })).port
    assert.equal(again.fixed_ips[0].ip_address, freed)
    const second = (await post(demo, '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.60.1.0/29' } })).subnet
    const overflow = (await post(demo, '/v2.0/ports', { port: { network_id: net.id } })).port
    assert.deepEqual(overflow.fixed_ips.map((f: any) => f.subnet_id), [second.id])
    assert.notEqual(first.id, second.id)
  })

  test('network IP availability: totals of the pools and used addresses per subnet, for admins only', async () => {
    const net = (await post(demo, '/v2.0/networks', { network: { name: 'counted' } })).network
    const v4 = (await post(demo, '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.61.0.0/24', name: 'v4' } })).subnet
    const v6 = (await post(demo, '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:61::/120', name: 'v6' } })).subnet
    for (let i = 0; i < 3; i++) await post(demo, '/v2.0/ports', { port: { network_id: net.id } })
    const empty = (await post(demo, '/v2.0/networks', { network: { name: 'no-subnets' } })).network

    const denied = await demo.get('/v2.0/network-ip-availabilities')
    assert.equal(denied.status, 403)
    const one = await admin.get(`/v2.0/network-ip-availabilities/${net.id}`)
    assert.equal(one.status, 200, JSON.stringify(one.body))
    const a = one.body.network_ip_availability
    assert.deepEqual([a.network_id, a.network_name, a.total_ips, a.used_ips], [net.id, 'counted', 253 + 255, 6])
    assert.equal(a.project_id, a.tenant_id)
    assert.deepEqual(a.subnet_ip_availability.toSorted((x: any, y: any) => x.ip_version - y.ip_version).map((s: any) => [s.subnet_id, s.subnet_name, s.cidr, s.ip_version, s.total_ips, s.used_ips]), [
      [v4.id, 'v4', '10.61.0.0/24', 4, 253, 3],
      [v6.id, 'v6', '2001:db8:61::/120', 6, 255, 3],
    ])
    const listed = (await admin.get(`/v2.0/network-ip-availabilities?network_id=${empty.id}`)).body.network_ip_availabilities
    assert.deepEqual(listed, [{ network_id: empty.id, network_name: 'no-subnets', tenant_id: empty.project_id, project_id: empty.project_id, total_ips: 0, used_ips: 0, subnet_ip_availability: [] }])
    const v6only = (await admin.get(`/v2.0/network-ip-availabilities?network_id=${net.id}&ip_version=6`)).body.network_ip_availabilities
    assert.deepEqual(v6only.map((n: any) => [n.total_ips, n.used_ips, n.subnet_ip_availability.length]), [[255, 3, 1]])
    const missing = await admin.get('/v2.0/network-ip-availabilities/5c8e27e0-0000-4000-8000-000000000000')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.NeutronError.type, 'NetworkNotFound')
  })
})
