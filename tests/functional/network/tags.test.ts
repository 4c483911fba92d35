/**
 * Tags through the API as tempest's TagsTest / TagsExtTest use them, on networks and the other
 * taggable resources, plus who may read and change them, limits, and tag filters on lists.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember, startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

let cloud: TestCloud
let admin: ApiClient
let demo: ApiClient
let other: ApiClient

/** A new network, tagged afterwards as `openstack network create --tag` does. */
async function network(as: ApiClient, body: Record<string, unknown>) {
  const { tags, ...rest } = body
  const net = (await as.post('/v2.0/networks', { network: rest })).body.network
  if (tags) assert.equal((await as.put(`/v2.0/networks/${net.id}/tags`, { tags })).status, 200)
  return net
}

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  admin = cloud.service('network', await cloud.admin())
  demo = cloud.service('network', await cloud.demo())
  other = cloud.service('network', await otherProjectMember(cloud, 'tagger'))
})
after(() => cloud.stop())

describe('network tags', () => {
  test("tempest's create / check / list / replace / delete flow", async () => {
    const net = await network(demo, { name: 'tagged' })
    const base = `/v2.0/networks/${net.id}/tags`
    const put = await demo.put(`${base}/red`)
    assert.equal(put.status, 201)
    assert.equal(put.body, undefined)
    assert.equal((await demo.get(`${base}/red`)).status, 204)
    assert.deepEqual((await demo.get(base)).body, { tags: ['red'] })
    const replaced = await demo.put(base, { tags: ['a', 'b', 'c'] })
    assert.equal(replaced.status, 200)
    assert.deepEqual(replaced.body.tags.sort(), ['a', 'b', 'c'])
    assert.equal((await demo.delete(`${base}/a`)).status, 204)
    const missing = await demo.get(`${base}/a`)
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body.NeutronError, { type: 'TagNotFound', message: 'Tag a could not be found.', detail: '' })
    assert.equal((await demo.delete(`${base}/a`)).status, 404)
    assert.equal((await demo.delete(base)).status, 204)
    assert.deepEqual((await demo.get(base)).body, { tags: [] })
  })

  test('POST adds tags, PUT of one tag is idempotent, and every change bumps the revision', async () => {
    const net = await network(demo, { name: 'rev-tags' })
    const base = `/v2.0/networks/${net.id}/tags`
    const added = await demo.post(base, { tags: ['x', 'y'] })
    assert.equal(added.status, 201)
    await demo.post(base, { tags: ['y', 'z'] })
    const shown = (await demo.get(`/v2.0/networks/${net.id}`)).body.network
    assert.deepEqual(shown.tags, ['x', 'y', 'z'])
    assert.equal(shown.revision_number, 2)
    await demo.put(`${base}/x`)
    assert.equal((await demo.get(`/v2.0/networks/${net.id}`)).body.network.revision_number, 2, 'no change, no new revision')
  })

  test('tags filter lists; they are set through the tags API, not at create', async () => {
    const refused = await demo.post('/v2.0/networks', { network: { name: 'f-0', tags: ['blue'] } })
    assert.deepEqual(refused.body.NeutronError, { type: 'HTTPBadRequest', message: "Attribute 'tags' not allowed in POST", detail: '' })
    await network(demo, { name: 'f-1', tags: ['blue', 'green'] })
    await network(demo, { name: 'f-2', tags: ['blue'] })
    await network(demo, { name: 'f-3', tags: ['green'] })
    const q = async (query: string) => (await demo.get(`/v2.0/networks?name=f-1&name=f-2&name=f-3&${query}`)).body.networks.map((n: any) => n.name).sort()
    assert.deepEqual(await q('tags=blue,green'), ['f-1'])
    assert.deepEqual(await q('tags-any=blue,green'), ['f-1', 'f-2', 'f-3'])
    assert.deepEqual(await q('not-tags=blue'), ['f-3'])
    assert.deepEqual(await q('not-tags-any=green'), ['f-2'])
  })

  test('bad tags are 400s and change nothing', async () => {
    const net = await network(demo, { name: 'bad-tags', tags: ['keep'] })
    const base = `/v2.0/networks/${net.id}/tags`
    assert.equal((await demo.put(`${base}/${'t'.repeat(256)}`)).status, 400)
    const dup = await demo.put(base, { tags: ['a', 'a'] })
    assert.deepEqual(dup.body.NeutronError, { type: 'InvalidInput', message: "Invalid input for operation: Duplicate items in the list: 'a'.", detail: '' })
    assert.equal((await demo.put(base, { tag: ['a'] })).body.NeutronError.message, 'Invalid input for operation: Invalid tags body.')
    assert.equal((await demo.put(base, { tags: [1] })).status, 400)
    const many = await demo.put(base, { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })
    assert.equal(many.status, 400)
    assert.match(many.body.NeutronError.message, /The number of tags exceed the per-resource limit of 50/)
    assert.deepEqual((await demo.get(base)).body.tags, ['keep'])
  })
})

describe('who may tag', () => {
  test("another project gets 404 for a private network's tags", async () => {
    const net = await network(demo, { name: 'private-tags', tags: ['secret'] })
    const base = `/v2.0/networks/${net.id}/tags`
    for (const res of [await other.get(base), await other.put(`${base}/mine`), await other.delete(base), await other.get(`${base}/secret`)]) {
      assert.equal(res.status, 404)
      assert.equal(res.body.NeutronError.type, 'NetworkNotFound')
    }
    assert.deepEqual((await demo.get(base)).body.tags, ['secret'])
  })

  test('on a shared network another project reads tags but may not change them', async () => {
    const net = await network(admin, { name: 'shared-tags', shared: true, tags: ['public'] })
    const base = `/v2.0/networks/${net.id}/tags`
    assert.deepEqual((await other.get(base)).body, { tags: ['public'] })
    const put = await other.put(`${base}/mine`)
    assert.equal(put.status, 403)
    assert.equal(put.body.NeutronError.message, '(rule:update_network:tags) is disallowed by policy')
    assert.equal((await other.delete(base)).status, 403)
  })

  test('unknown resources are 404 in their own words', async () => {
    const cases: [string, string][] = [
      ['networks', 'NetworkNotFound'], ['subnets', 'SubnetNotFound'], ['ports', 'PortNotFound'], ['routers', 'RouterNotFound'],
      ['floatingips', 'FloatingIPNotFound'], ['security-groups', 'SecurityGroupNotFound'], ['subnetpools', 'SubnetPoolNotFound'],
    ]
    for (const [collection, type] of cases) {
      const res = await demo.get(`/v2.0/${collection}/00000000-0000-0000-0000-000000000000/tags`)
      assert.equal(res.status, 404, collection)
      assert.equal(res.body.NeutronError.type, type)
    }
  })
})

describe('other taggable resources', () => {
  test("tempest's TagsExtTest flow on subnets, ports and subnet pools; each shows its tags and a new revision", async () => {
    const net = await network(demo, { name: 'ext-tags' })
    const subnet = (await demo.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.40.0.0/24', ip_version: 4 } })).body.subnet
    const port = (await demo.post('/v2.0/ports', { port: { network_id: net.id } })).body.port
    const pool = (await demo.post('/v2.0/subnetpools', { subnetpool: { name: 'tag-pool', prefixes: ['10.50.0.0/16'], default_prefixlen: 24 } })).body.subnetpool
    for (const [collection, resource, item] of [['subnets', 'subnet', subnet], ['ports', 'port', port], ['subnetpools', 'subnetpool', pool]] as const) {
      assert.ok(item?.id, `${resource} was created`)
      const base = `/v2.0/${collection}/${item.id}/tags`
      assert.equal((await demo.put(`${base}/one`)).status, 201)
      assert.equal((await demo.get(`${base}/one`)).status, 204)
      const replaced = await demo.put(base, { tags: ['p', 'q', 'r'] })
      assert.deepEqual(replaced.body.tags.sort(), ['p', 'q', 'r'])
      const shown = (await demo.get(`/v2.0/${collection}/${item.id}`)).body[resource]
      assert.deepEqual([...shown.tags].sort(), ['p', 'q', 'r'], collection)
      assert.equal(shown.revision_number, item.revision_number + 2, collection)
      assert.ok((await demo.get(`/v2.0/${collection}?tags=p,q`)).body[collection].some((x: any) => x.id === item.id))
      assert.equal((await demo.delete(base)).status, 204)
      assert.equal((await demo.get(`${base}/p`)).status, 404)
      assert.equal((await other.get(base)).status, 404, `another project cannot reach ${collection}`)
    }
  })

  test('security groups carry tags set through the tags API', async () => {
    const sg = await demo.post('/v2.0/security-groups', { security_group: { name: 'tag-sg' } })
    assert.equal(sg.status, 201)
    const base = `/v2.0/security-groups/${sg.body.security_group.id}/tags`
    assert.equal((await demo.put(base, { tags: ['web'] })).status, 200)
    assert.deepEqual((await demo.get(`/v2.0/security-groups/${sg.body.security_group.id}`)).body.security_group.tags, ['web'])
    assert.deepEqual((await demo.get('/v2.0/security-groups?tags=web')).body.security_groups.map((g: any) => g.name), ['tag-sg'])
    assert.equal((await other.get(base)).status, 404)
  })
})
