/**
 * Server tags (2.26) and availability zones as a user sees them: tags replaced, added, checked
 * and removed with Nova's limits and errors, other projects kept out; the zone list a user sees
 * and the detail an admin sees.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import { bootServer, novaError, startComputeCloud, type ComputeCloud } from './support.ts'

let c: ComputeCloud
const v226 = { 'OpenStack-API-Version': 'compute 2.26' }

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

describe('server tags', () => {
  test('tags are replaced, added, checked and removed, and filter the server list', async () => {
    const s = await bootServer(c, c.demo)
    const base = `/v2.1/servers/${s.id}/tags`
    assert.deepEqual((await c.demo.get(base, v226)).body, { tags: [] })

    const put = await c.demo.put(base, { tags: ['web', 'prod', 'web'] }, v226)
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.deepEqual(put.body.tags.sort(), ['prod', 'web'])

    const add = await c.demo.put(`${base}/blue`, undefined, v226)
    assert.equal(add.status, 201)
    assert.match(add.headers.get('location')!, new RegExp(`/servers/${s.id}/tags/blue$`))
    assert.equal((await c.demo.put(`${base}/blue`, undefined, v226)).status, 204, 'adding a tag twice is not an error')
    assert.equal((await c.demo.get(`${base}/blue`, v226)).status, 204)
    novaError(await c.demo.get(`${base}/green`, v226), 404, 'itemNotFound')

    const tagged = await c.demo.get('/v2.1/servers?tags=blue,web', v226)
    assert.deepEqual(tagged.body.servers.map((x: any) => x.id), [s.id])
    const shown = await c.demo.get(`/v2.1/servers/${s.id}`, { 'OpenStack-API-Version': 'compute 2.26' })
    assert.deepEqual(shown.body.server.tags.sort(), ['blue', 'prod', 'web'])

    assert.equal((await c.demo.delete(`${base}/prod`, v226)).status, 204)
    novaError(await c.demo.delete(`${base}/prod`, v226), 404, 'itemNotFound')
    assert.deepEqual((await c.demo.get(base, v226)).body.tags.sort(), ['blue', 'web'])
    assert.equal((await c.demo.delete(base, v226)).status, 204)
    assert.deepEqual((await c.demo.get(base, v226)).body, { tags: [] })
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('bad tags, too many tags, old microversions and other projects are refused and change nothing', async () => {
    const s = await bootServer(c, c.demo)
    const base = `/v2.1/servers/${s.id}/tags`
    await c.demo.put(base, { tags: ['keep'] }, v226)
    novaError(await c.demo.put(base, { tags: ['a/b'] }, v226), 400, 'badRequest')
    novaError(await c.demo.put(base, { tags: ['x'.repeat(61)] }, v226), 400, 'badRequest')
    novaError(await c.demo.put(base, { tags: 'keep' }, v226), 400, 'badRequest')
    const many = Array.from({ length: 51 }, (_, n) => `t${n}`)
    novaError(await c.demo.put(base, { tags: many }, v226), 400, 'badRequest', /exceeded the per-server limit 50/)
    novaError(await c.demo.put(`${base}/a,b`, undefined, v226), 400, 'badRequest')
    novaError(await c.demo.get(base, { 'OpenStack-API-Version': 'compute 2.25' }), 404, 'itemNotFound')
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'tags-other'))
    novaError(await other.get(base, v226), 404, 'itemNotFound')
    novaError(await other.put(`${base}/mine`, undefined, v226), 404, 'itemNotFound')
    assert.deepEqual((await c.demo.get(base, v226)).body, { tags: ['keep'] })
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })
})

describe('availability zones', () => {
  test('a user sees the compute zone as available without hosts; an admin sees hosts and the internal zone', async () => {
    const list = await c.demo.get('/v2.1/os-availability-zone')
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.deepEqual(list.body.availabilityZoneInfo, [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }])

    const detail = await c.admin.get('/v2.1/os-availability-zone/detail')
    assert.equal(detail.status, 200, JSON.stringify(detail.body))
    const zones = Object.fromEntries(detail.body.availabilityZoneInfo.map((z: any) => [z.zoneName, z]))
    const host = c.cloud.config.host
    assert.equal(zones.nova.zoneState.available, true)
    assert.equal(zones.nova.hosts[host]['nova-compute'].available, true)
    assert.equal(zones.nova.hosts[host]['nova-compute'].active, true)
    assert.ok(zones.internal, `no internal zone in ${JSON.stringify(detail.body)}`)
    novaError(await c.demo.get('/v2.1/os-availability-zone/detail'), 403, 'forbidden')
  })
})
