import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ensureDefaultFlavors } from '../../db/flavors.ts'
import { assertTempestSchema, PROJECTS, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { flavorAccessRoutes } from './flavor-access.ts'
import { flavorExtraSpecsRoutes } from './flavor-extra-specs.ts'
import { flavorsRoutes } from './flavors.ts'

let api: TestApi

before(async () => {
  api = await startTestApi((deps) => [...flavorsRoutes(deps), ...flavorExtraSpecsRoutes(deps), ...flavorAccessRoutes(deps)])
  await ensureDefaultFlavors(api.db, api.deps.log)
})
after(() => api?.stop())

const ids = (r: { body: any }) => r.body.flavors.map((f: any) => f.id)

describe('default flavors and lists', () => {
  test('the defaults are listed by flavorid, as strings sort', async () => {
    const r = await api.as('demo')('GET', '/v2.1/flavors')
    assert.equal(r.status, 200)
    assert.deepEqual(ids(r), ['1', '2', '3', '4', '42', '5', '84'])
    assertTempestSchema(r, 'v2_1.flavors', 'list_flavors')
    const nano = (await api.as('demo')('GET', '/v2.1/flavors/42')).body.flavor
    assert.deepEqual({ ram: nano.ram, vcpus: nano.vcpus, disk: nano.disk, name: nano.name, swap: nano.swap }, { ram: 128, vcpus: 1, disk: 1, name: 'm1.nano', swap: '' })
  })

  test('ensureDefaultFlavors does nothing on a cloud that has flavors', async () => {
    await api.as('admin')('DELETE', '/v2.1/flavors/84')
    await ensureDefaultFlavors(api.db, api.deps.log)
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/84')).status, 404)
    await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'm1.micro', id: '84', ram: 192, vcpus: 1, disk: 1 } })
  })

  test('detail at each microversion matches tempest: description from 2.55, extra_specs from 2.61, swap 0 from 2.75', async () => {
    const d21 = await api.as('demo')('GET', '/v2.1/flavors/detail')
    assertTempestSchema(d21, 'v2_1.flavors', 'list_flavors_details')
    assert.equal(d21.body.flavors[0].swap, '')
    const d255 = await api.as('demo', '2.55')('GET', '/v2.1/flavors/detail')
    assertTempestSchema(d255, 'v2_55.flavors', 'list_flavors_details')
    const d261 = await api.as('demo', '2.61')('GET', '/v2.1/flavors/detail')
    assertTempestSchema(d261, 'v2_61.flavors', 'list_flavors_details')
    assert.deepEqual(d261.body.flavors[0].extra_specs, {})
    const d275 = await api.as('demo', '2.75')('GET', '/v2.1/flavors/detail')
    assert.equal(d275.body.flavors[0].swap, 0)
    assertTempestSchema(await api.as('demo', '2.55')('GET', '/v2.1/flavors'), 'v2_55.flavors', 'list_flavors')
  })

  test('minRam, minDisk, sorting and paging with a next link', async () => {
    assert.deepEqual(ids(await api.as('demo')('GET', '/v2.1/flavors?minRam=4096')), ['3', '4', '5'])
    assert.deepEqual(ids(await api.as('demo')('GET', '/v2.1/flavors?minDisk=40&sort_key=memory_mb&sort_dir=desc')), ['5', '4', '3'])
    const page = await api.as('demo')('GET', '/v2.1/flavors?limit=2')
    assert.deepEqual(ids(page), ['1', '2'])
    assert.match(page.body.flavors_links[0].href, /\/v2\.1\/flavors\?limit=2&marker=2$/)
    assert.deepEqual(ids(await api.as('demo')('GET', '/v2.1/flavors?limit=2&marker=2')), ['3', '4'])
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors?marker=nope')).body.badRequest.message, 'marker [nope] not found')
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors?minRam=x')).body.badRequest.message, 'Invalid minRam filter [x]')
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors?sort_key=bogus')).status, 400)
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors?limit=-1')).status, 400)
    assert.equal((await api.as('demo', '2.75')('GET', '/v2.1/flavors?foo=1')).status, 400)
    assert.equal((await api.as('demo', '2.74')('GET', '/v2.1/flavors?foo=1')).status, 200)
  })
})

describe('create, update, delete', () => {
  test('an admin creates a flavor with a generated id; a duplicate name or id is 409', async () => {
    const r = await api.as('admin', '2.55')('POST', '/v2.1/flavors', { flavor: { name: 'big', ram: '1024', vcpus: 2, disk: 10, 'OS-FLV-EXT-DATA:ephemeral': 5, swap: 512, rxtx_factor: 2, description: 'a big one' } })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assertTempestSchema(r, 'v2_55.flavors', 'create_update_get_flavor_details')
    assert.match(r.body.flavor.id, /^[0-9a-f-]{36}$/)
    assert.equal(r.body.flavor.ram, 1024)
    assert.equal(r.body.flavor.description, 'a big one')
    const dupName = await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'big', ram: 1, vcpus: 1, disk: 0 } })
    assert.equal(dupName.status, 409)
    assert.equal(dupName.body.conflictingRequest.message, 'Flavor with name big already exists.')
    const dupId = await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'other', id: 1, ram: 1, vcpus: 1, disk: 0 } })
    assert.equal(dupId.body.conflictingRequest.message, 'Flavor with ID 1 already exists.')
  })

  test('bad input is 400 and changes nothing', async () => {
    const bad = [
      { name: ' lead', ram: 1, vcpus: 1, disk: 0 },
      { name: 'x', ram: 0, vcpus: 1, disk: 0 },
      { name: 'x', ram: '0', vcpus: 1, disk: 0 },
      { name: 'x', ram: 1, vcpus: -1, disk: 0 },
      { name: 'x', ram: 1, vcpus: 1, disk: 'a' },
      { name: 'x', ram: 1, vcpus: 1 },
      { name: 'x', ram: 1, vcpus: 1, disk: 0, rxtx_factor: 0 },
      { name: 'x', ram: 1, vcpus: 1, disk: 0, 'os-flavor-access:is_public': 'maybe' },
      { name: 'x', ram: 1, vcpus: 1, disk: 0, id: ' x' },
      { name: 'x', ram: 1, vcpus: 1, disk: 0, description: 'before 2.55' },
    ]
    for (const flavor of bad) {
      const r = await api.as('admin')('POST', '/v2.1/flavors', { flavor })
      assert.equal(r.status, 400, JSON.stringify(flavor))
      assert.equal(r.body.badRequest.code, 400)
    }
    assert.equal((await api.as('admin')('GET', '/v2.1/flavors?is_public=none')).body.flavors.filter((f: any) => f.name === 'x').length, 0)
  })

  test('members may not create, update or delete flavors', async () => {
    const r = await api.as('demo')('POST', '/v2.1/flavors', { flavor: { name: 'mine', ram: 1, vcpus: 1, disk: 0 } })
    assert.equal(r.status, 403)
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.")
    assert.equal((await api.as('demo', '2.55')('PUT', '/v2.1/flavors/1', { flavor: { description: 'x' } })).status, 403)
    assert.equal((await api.as('demo')('DELETE', '/v2.1/flavors/1')).status, 403)
  })

  test('the description changes from 2.55 on; delete answers 202 and then 404', async () => {
    await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'tmp', id: 'tmp', ram: 64, vcpus: 1, disk: 0 } })
    assert.equal((await api.as('admin', '2.54')('PUT', '/v2.1/flavors/tmp', { flavor: { description: 'd' } })).status, 404)
    const u = await api.as('admin', '2.61')('PUT', '/v2.1/flavors/tmp', { flavor: { description: 'd' } })
    assert.equal(u.status, 200)
    assertTempestSchema(u, 'v2_61.flavors', 'create_update_get_flavor_details')
    assert.equal(u.body.flavor.description, 'd')
    assert.equal((await api.as('admin', '2.55')('PUT', '/v2.1/flavors/nope', { flavor: { description: 'd' } })).status, 404)
    assert.equal((await api.as('admin')('DELETE', '/v2.1/flavors/tmp')).status, 202)
    const gone = await api.as('admin')('GET', '/v2.1/flavors/tmp')
    assert.equal(gone.status, 404)
    assert.equal(gone.body.itemNotFound.message, 'Flavor tmp could not be found.')
    assert.equal((await api.as('admin')('DELETE', '/v2.1/flavors/tmp')).status, 404)
  })
})

describe('private flavors and access', () => {
  test('a private flavor exists only for admins and the projects it is given to', async () => {
    const c = await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'secret', id: 'secret', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false } })
    assert.equal(c.status, 200)
    assert.equal(c.body.flavor['os-flavor-access:is_public'], false)
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/secret')).status, 404)
    assert.ok(!ids(await api.as('demo')('GET', '/v2.1/flavors')).includes('secret'))
    assert.ok(!ids(await api.as('admin')('GET', '/v2.1/flavors')).includes('secret'))
    assert.deepEqual(ids(await api.as('admin')('GET', '/v2.1/flavors?is_public=false')), ['secret'])
    assert.equal((await api.as('admin')('GET', '/v2.1/flavors?is_public=maybe')).status, 400)

    const add = await api.as('admin')('POST', '/v2.1/flavors/secret/action', { addTenantAccess: { tenant: PROJECTS.demo } })
    assert.equal(add.status, 200)
    assertTempestSchema(add, 'v2_1.flavors_access', 'add_remove_list_flavor_access')
    assert.deepEqual(add.body.flavor_access, [{ flavor_id: 'secret', tenant_id: PROJECTS.demo }])
    assert.equal((await api.as('admin')('POST', '/v2.1/flavors/secret/action', { addTenantAccess: { tenant: PROJECTS.demo } })).status, 409)
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/secret')).status, 200)
    assert.ok(ids(await api.as('demo')('GET', '/v2.1/flavors')).includes('secret'))
    assert.equal((await api.as('alt')('GET', '/v2.1/flavors/secret')).status, 404)
    assert.ok(!ids(await api.as('alt')('GET', '/v2.1/flavors/detail')).includes('secret'))

    const list = await api.as('admin')('GET', '/v2.1/flavors/secret/os-flavor-access')
    assertTempestSchema(list, 'v2_1.flavors_access', 'add_remove_list_flavor_access')
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/secret/os-flavor-access')).status, 403)
    assert.equal((await api.as('admin')('GET', '/v2.1/flavors/1/os-flavor-access')).status, 404)
    assert.equal((await api.as('demo')('POST', '/v2.1/flavors/secret/action', { addTenantAccess: { tenant: PROJECTS.alt } })).status, 403)

    const rm = await api.as('admin')('POST', '/v2.1/flavors/secret/action', { removeTenantAccess: { tenant: PROJECTS.demo } })
    assert.deepEqual(rm.body.flavor_access, [])
    assert.equal((await api.as('admin')('POST', '/v2.1/flavors/secret/action', { removeTenantAccess: { tenant: PROJECTS.demo } })).status, 404)
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/secret')).status, 404)
  })

  test('public flavors take no access from 2.7 on; bad action bodies are 400', async () => {
    assert.equal((await api.as('admin', '2.7')('POST', '/v2.1/flavors/1/action', { addTenantAccess: { tenant: PROJECTS.alt } })).status, 409)
    assert.equal((await api.as('admin')('POST', '/v2.1/flavors/1/action', { addTenantAccess: {} })).status, 400)
    assert.equal((await api.as('admin')('POST', '/v2.1/flavors/1/action', { dance: {} })).status, 400)
  })
})

describe('extra specs', () => {
  test('set, list, show, update one key, delete; views carry them from 2.61', async () => {
    await api.as('admin')('POST', '/v2.1/flavors', { flavor: { name: 'spec', id: 'spec', ram: 64, vcpus: 1, disk: 0 } })
    const set = await api.as('admin')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'hw:numa_nodes': '1', 'hw:cpu_policy': 'shared' } })
    assert.equal(set.status, 200)
    assertTempestSchema(set, 'v2_1.flavors_extra_specs', 'set_get_flavor_extra_specs')
    const list = await api.as('demo')('GET', '/v2.1/flavors/spec/os-extra_specs')
    assert.deepEqual(list.body.extra_specs, { 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1' })
    const one = await api.as('demo')('GET', '/v2.1/flavors/spec/os-extra_specs/hw:numa_nodes')
    assert.deepEqual(one.body, { 'hw:numa_nodes': '1' })
    assertTempestSchema(one, 'v2_1.flavors_extra_specs', 'set_get_flavor_extra_specs_key')
    const upd = await api.as('admin')('PUT', '/v2.1/flavors/spec/os-extra_specs/hw:numa_nodes', { 'hw:numa_nodes': '2' })
    assert.deepEqual(upd.body, { 'hw:numa_nodes': '2' })
    assert.equal((await api.as('admin')('PUT', '/v2.1/flavors/spec/os-extra_specs/hw:numa_nodes', { other: '2' })).body.badRequest.message, 'Request body and URI mismatch')
    assert.equal((await api.as('admin')('PUT', '/v2.1/flavors/spec/os-extra_specs/a', { a: '1', b: '2' })).status, 400)
    const shown = await api.as('demo', '2.61')('GET', '/v2.1/flavors/spec')
    assert.deepEqual(shown.body.flavor.extra_specs, { 'hw:cpu_policy': 'shared', 'hw:numa_nodes': '2' })
    const del = await api.as('admin')('DELETE', '/v2.1/flavors/spec/os-extra_specs/hw:cpu_policy')
    assert.equal(del.status, 200)
    const missing = await api.as('admin')('DELETE', '/v2.1/flavors/spec/os-extra_specs/hw:cpu_policy')
    assert.equal(missing.body.itemNotFound.message, 'Flavor spec has no extra specs with key hw:cpu_policy.')
    assert.equal((await api.as('demo')('GET', '/v2.1/flavors/spec/os-extra_specs/hw:cpu_policy')).status, 404)
  })

  test('members read but do not write; 2.86 validates known keys; unknown flavors are 404', async () => {
    assert.equal((await api.as('demo')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { a: 'b' } })).status, 403)
    assert.equal((await api.as('demo')('DELETE', '/v2.1/flavors/spec/os-extra_specs/hw:numa_nodes')).status, 403)
    assert.equal((await api.as('admin', '2.86')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'fastest' } })).status, 400)
    assert.equal((await api.as('admin', '2.85')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'fastest' } })).status, 200)
    assert.equal((await api.as('admin', '2.86')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'foo:bar': 'baz' } })).status, 200)
    assert.equal((await api.as('admin')('POST', '/v2.1/flavors/spec/os-extra_specs', { extra_specs: { 'bad/key': 'x' } })).status, 400)
    assert.equal((await api.as('admin')('GET', '/v2.1/flavors/nope/os-extra_specs')).status, 404)
  })
})
