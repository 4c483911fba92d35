/**
 * Subnet pools through the Network API: CRUD, compaction and prefix bounds, one default pool per IP
 * version, sharing, subnets carved from a pool (by size, by cidr, from the default pool), pool
 * quotas, prefix add / remove, and deletes refused while subnets use the pool.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember, startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

let cloud: TestCloud
let admin: ApiClient
let demo: ApiClient
let other: ApiClient

const created = async (res: Promise<{ status: number; body: any }>, key: string) => {
  const r = await res
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body[key]
}
const pool = (as: ApiClient, body: Record<string, unknown>) => created(as.post('/v2.0/subnetpools', { subnetpool: { name: 'pool', ...body } }), 'subnetpool')
const network = (as: ApiClient) => created(as.post('/v2.0/networks', { network: { name: 'net' } }), 'network')
const error = (res: { status: number; body: any }, status: number, type: string, message?: string) => {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body))
  if (message !== undefined) assert.equal(res.body.NeutronError.message, message)
}

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  demo = cloud.service('network', await cloud.demo())
  admin = cloud.service('network', await cloud.admin())
  other = cloud.service('network', await otherProjectMember(cloud, 'pools-other'))
})
after(() => cloud.stop())

describe('subnet pools', () => {
  test('create compacts prefixes and fills bounds; show, list, update and delete', async () => {
    const p = await pool(demo, { name: 'tempest-like', prefixes: ['1.0.0.0/16', '2.0.0.0/16', '1.0.0.0/24'], description: 'd' })
    assert.deepEqual(p.prefixes, ['1.0.0.0/16', '2.0.0.0/16'])
    assert.deepEqual([p.ip_version, p.min_prefixlen, p.max_prefixlen, p.default_prefixlen, p.default_quota], [4, 8, 32, 8, null])
    assert.deepEqual([p.shared, p.is_default, p.revision_number, p.description, p.tags], [false, false, 0, 'd', []])
    assert.deepEqual((await demo.get(`/v2.0/subnetpools/${p.id}`)).body.subnetpool, p)
    assert.ok((await demo.get('/v2.0/subnetpools?name=tempest-like')).body.subnetpools.some((x: any) => x.id === p.id))
    const joined = await pool(demo, { prefixes: ['10.0.0.0/25', '10.0.0.128/25'], min_prefixlen: 26, max_prefixlen: 28, default_prefixlen: 27 })
    assert.deepEqual([joined.prefixes, joined.min_prefixlen, joined.max_prefixlen, joined.default_prefixlen], [['10.0.0.0/24'], 26, 28, 27])
    const u = await demo.put(`/v2.0/subnetpools/${p.id}`, { subnetpool: { name: 'renamed', prefixes: ['1.0.0.0/15', '2.0.0.0/16'], default_quota: 1024 } })
    assert.equal(u.status, 200, JSON.stringify(u.body))
    assert.deepEqual([u.body.subnetpool.name, u.body.subnetpool.prefixes, u.body.subnetpool.default_quota, u.body.subnetpool.revision_number],
      ['renamed', ['1.0.0.0/15', '2.0.0.0/16'], 1024, 1])
    error(await demo.put(`/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['1.0.0.0/16'] } }), 400, 'IllegalSubnetPoolPrefixUpdate',
      'Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.')
    assert.equal((await demo.delete(`/v2.0/subnetpools/${p.id}`)).status, 204)
    error(await demo.get(`/v2.0/subnetpools/${p.id}`), 404, 'SubnetPoolNotFound', `Subnet pool ${p.id} could not be found.`)
  })

  test('bad pools: no name, no prefixes, mixed versions, bounds out of order; shared and default need an admin', async () => {
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { prefixes: ['10.0.0.0/8'] } }), 400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'name' not specified")
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: [] } }), 400, 'EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.')
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8', '2001:db8::/32'] } }), 400, 'PrefixVersionMismatch')
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], min_prefixlen: 24, max_prefixlen: 16 } }), 400,
      'IllegalSubnetPoolPrefixBounds', 'Illegal prefix bounds: min_prefixlen=24, max_prefixlen=16.')
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], shared: true } }), 403, 'HTTPForbidden')
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.0/8'], is_default: true } }), 403, 'HTTPForbidden')
    error(await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'x', prefixes: ['10.0.0.300/8'] } }), 400, 'HTTPBadRequest')
  })

  test('shared pools are seen by every project; private ones only by their owner', async () => {
    const mine = await pool(demo, { prefixes: ['172.16.0.0/16'] })
    const everyone = await pool(admin, { prefixes: ['172.17.0.0/16'], shared: true })
    const seen = (await other.get('/v2.0/subnetpools')).body.subnetpools.map((p: any) => p.id)
    assert.ok(seen.includes(everyone.id))
    assert.equal(seen.includes(mine.id), false)
    error(await other.get(`/v2.0/subnetpools/${mine.id}`), 404, 'SubnetPoolNotFound')
    error(await other.put(`/v2.0/subnetpools/${everyone.id}`, { subnetpool: { name: 'mine now' } }), 403, 'HTTPForbidden')
    error(await other.delete(`/v2.0/subnetpools/${mine.id}`), 404, 'SubnetPoolNotFound')
  })
})

describe('subnets from pools', () => {
  test('carving by size and by cidr, smallest free block first; bounds, overlap and exhaustion', async () => {
    const p = await pool(demo, { prefixes: ['10.100.0.0/22'], min_prefixlen: 24, max_prefixlen: 28, default_prefixlen: 26 })
    const net = await network(demo)
    const sub = (body: Record<string, unknown>) => demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id, ...body } })
    const a = await created(sub({}), 'subnet')
    assert.deepEqual([a.cidr, a.gateway_ip, a.subnetpool_id], ['10.100.0.0/26', '10.100.0.1', p.id])
    assert.deepEqual(a.allocation_pools, [{ start: '10.100.0.2', end: '10.100.0.62' }])
    const b = await created(sub({ prefixlen: 28 }), 'subnet')
    assert.equal(b.cidr, '10.100.0.64/28')
    const c = await created(sub({ cidr: '10.100.2.0/24' }), 'subnet')
    assert.equal(c.cidr, '10.100.2.0/24')
    const noGw = await created(sub({ prefixlen: 28, gateway_ip: null }), 'subnet')
    assert.deepEqual([noGw.cidr, noGw.gateway_ip], ['10.100.0.80/28', null])
    error(await sub({ prefixlen: 30 }), 400, 'MaxPrefixSubnetAllocationError', 'Unable to allocate subnet with prefix length 30, maximum allowed prefix is 28.')
    error(await sub({ prefixlen: 23 }), 400, 'MinPrefixSubnetAllocationError')
    error(await sub({ cidr: '10.100.2.0/25' }), 500, 'SubnetAllocationError', 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.')
    error(await sub({ cidr: '10.100.9.0/24' }), 500, 'SubnetAllocationError')
    error(await sub({ cidr: '10.100.3.0/24', prefixlen: 24 }), 400, 'BadRequest', 'Bad subnets request: cidr and prefixlen must not be supplied together.')
    error(await sub({ prefixlen: 24, allocation_pools: [{ start: '10.100.3.5', end: '10.100.3.9' }] }), 400, 'BadRequest',
      'Bad subnets request: allocation_pools allowed only for specific subnet requests..')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, subnetpool_id: p.id } }), 400, 'BadRequest',
      'Bad subnets request: Cannot allocate IPv6 subnet from IPv4 subnet pool.')
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '192.168.50.0/24' } }), 400, 'NetworkSubnetPoolAffinityError')
    error(await demo.delete(`/v2.0/subnetpools/${p.id}`), 400, 'SubnetPoolDeleteError', 'Unable to delete subnet pool: Subnet pool has existing allocations.')
    const all = (await demo.get(`/v2.0/subnets?subnetpool_id=${p.id}`)).body.subnets.map((s: any) => s.cidr).sort()
    assert.deepEqual(all, ['10.100.0.0/26', '10.100.0.64/28', '10.100.0.80/28', '10.100.2.0/24'])
    const filled = await created(sub({ prefixlen: 24 }), 'subnet')
    assert.equal(filled.cidr, '10.100.1.0/24')
    await created(sub({ prefixlen: 24 }), 'subnet')
    error(await sub({ prefixlen: 24 }), 500, 'SubnetAllocationError', 'Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.')
    for (const s of (await demo.get(`/v2.0/subnets?subnetpool_id=${p.id}`)).body.subnets) assert.equal((await demo.delete(`/v2.0/subnets/${s.id}`)).status, 204)
    assert.equal((await demo.delete(`/v2.0/subnetpools/${p.id}`)).status, 204)
  })

  test('use_default_subnetpool takes the default pool of the version; there is one default per version', async () => {
    const net = await network(demo)
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, use_default_subnetpool: true } }), 400, 'BadRequest',
      'Bad subnets request: No default subnetpool found for IPv6.')
    const def = await pool(admin, { prefixes: ['2001:db8:100::/48'], is_default: true, shared: true, default_prefixlen: 64 })
    error(await admin.post('/v2.0/subnetpools', { subnetpool: { name: 'second', prefixes: ['2001:db8:200::/48'], is_default: true } }), 400, 'InvalidInput',
      'Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.')
    const s = await created(demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, use_default_subnetpool: true } }), 'subnet')
    assert.deepEqual([s.cidr, s.subnetpool_id, s.gateway_ip], ['2001:db8:100::/64', def.id, '2001:db8:100::1'])
    error(await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, use_default_subnetpool: true, subnetpool_id: def.id } }), 400, 'BadRequest')
  })

  test('a pool quota counts addresses across the project subnets from it', async () => {
    const p = await pool(demo, { prefixes: ['10.110.0.0/16'], default_prefixlen: 24, default_quota: 512 })
    const net = await network(demo)
    const sub = () => demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id } })
    await created(sub(), 'subnet')
    await created(sub(), 'subnet')
    error(await sub(), 409, 'SubnetPoolQuotaExceeded', 'Per-project subnet pool prefix quota exceeded.')
  })

  test('add_prefixes and remove_prefixes; a prefix in use cannot go', async () => {
    const p = await pool(demo, { prefixes: ['10.120.0.0/24'], min_prefixlen: 24 })
    const added = await demo.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.120.1.0/24', '10.121.0.0/24'] })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.deepEqual(added.body, { prefixes: ['10.120.0.0/23', '10.121.0.0/24'] })
    const net = await network(demo)
    await created(demo.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id, cidr: '10.121.0.0/24' } }), 'subnet')
    error(await demo.put(`/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.121.0.0/24'] }), 400, 'IllegalSubnetPoolPrefixUpdate')
    const removed = await demo.put(`/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.120.1.0/24'] })
    assert.deepEqual(removed.body, { prefixes: ['10.120.0.0/24', '10.121.0.0/24'] })
    error(await demo.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: [] }), 400, 'HTTPBadRequest', 'Request body contains invalid data')
    error(await other.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.122.0.0/24'] }), 404, 'SubnetPoolNotFound')
    assert.deepEqual((await demo.get(`/v2.0/subnetpools/${p.id}`)).body.subnetpool.prefixes, ['10.120.0.0/24', '10.121.0.0/24'])
  })
})
