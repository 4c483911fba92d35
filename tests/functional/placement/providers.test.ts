/** Placement: the version document, microversion negotiation, authentication and policy, and resource providers (flat and nested). */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { placementError, provider, startPlacementCloud, versioned, type PlacementCloud } from './support.ts'

describe('placement providers', () => {
  let pc: PlacementCloud
  before(async () => { pc = await startPlacementCloud() })
  after(async () => { await pc.stop() })

  test('GET / is the version document, needs no token, and echoes the microversion', async () => {
    const anon = pc.cloud.service('placement')
    const res = await anon.get('/')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.versions[0], { id: 'v1.0', min_version: '1.0', max_version: '1.39', status: 'CURRENT', links: [{ rel: 'self', href: '' }] })
    assert.equal(res.headers.get('openstack-api-version'), 'placement 1.0')
    assert.equal(res.headers.get('vary'), 'openstack-api-version')
    assert.equal(res.headers.get('last-modified'), null)
    const latest = await anon.get('/', { 'openstack-api-version': 'placement latest' })
    assert.equal(latest.headers.get('openstack-api-version'), 'placement 1.39')
    assert.equal(latest.headers.get('cache-control'), 'no-cache')
    assert.ok(latest.headers.get('last-modified'))
  })

  test('microversions out of range are 406 with the range, malformed ones 400', async () => {
    const tooNew = await pc.admin.get('/resource_providers', { 'openstack-api-version': 'placement 1.40' })
    assert.equal(tooNew.status, 406)
    assert.equal(tooNew.body.errors[0].max_version, '1.39')
    assert.equal(tooNew.body.errors[0].min_version, '1.0')
    assert.match(tooNew.body.errors[0].detail, /Unacceptable version header: 1.40/)
    const bad = await pc.admin.get('/resource_providers', { 'openstack-api-version': 'placement one.two' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.errors[0].detail, /invalid version string: one.two/)
    const older = await pc.admin.get('/resource_providers', { 'openstack-api-version': 'placement 1.5' })
    assert.equal(older.headers.get('openstack-api-version'), 'placement 1.5')
    // A route that starts at 1.6 does not exist at 1.5.
    assert.equal((await pc.admin.get('/traits', { 'openstack-api-version': 'placement 1.5' })).status, 404)
  })

  test('no token is 401; a member is refused with placement 403 bodies', async () => {
    const anon = pc.cloud.service('placement')
    const res = await anon.get('/resource_providers')
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Keystone uri=/)
    const demo = versioned(pc.cloud.service('placement', await pc.cloud.demo()))
    const denied = await demo.get('/resource_providers')
    assert.equal(denied.status, 403)
    const e = placementError(denied)
    assert.equal(e.code, 'placement.undefined_code')
    assert.match(e.detail, /Policy does not allow placement:resource_providers:list to be performed/)
    assert.match(denied.body.errors[0].request_id, /^req-/)
    assert.equal((await demo.post('/resource_providers', { name: 'x' })).status, 403)
    assert.equal((await demo.get('/allocation_candidates?resources=VCPU:1')).status, 403)
  })

  test('a project reader may read its own project usages only', async () => {
    const demo = await pc.cloud.demo()
    const projectId = demo.tokenBody.token.project.id
    const api = versioned(pc.cloud.service('placement', demo))
    assert.equal((await api.get(`/usages?project_id=${projectId}`)).status, 200)
    assert.equal((await api.get(`/usages?project_id=${randomUUID()}`)).status, 403)
  })

  test('create, show, rename and delete a provider; error bodies carry codes from 1.23', async () => {
    const api = pc.at()
    const uuid = randomUUID()
    const made = await api.post('/resource_providers', { name: 'rp-crud', uuid })
    assert.equal(made.status, 200)
    assert.equal(made.headers.get('location'), `/resource_providers/${uuid}`)
    assert.equal(made.body.generation, 0)
    assert.equal(made.body.root_provider_uuid, uuid)
    assert.equal(made.body.parent_provider_uuid, null)
    assert.deepEqual(made.body.links.map((l: any) => l.rel), ['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations'])

    const old = await versioned(pc.admin, 19).post('/resource_providers', { name: 'rp-old' })
    assert.equal(old.status, 201)
    assert.equal(old.body, undefined)
    assert.match(old.headers.get('location') ?? '', /^\/resource_providers\/[0-9a-f-]{36}$/)

    const dupe = await api.post('/resource_providers', { name: 'rp-crud' })
    assert.equal(dupe.status, 409)
    assert.equal(placementError(dupe).code, 'placement.duplicate_name')
    assert.match(placementError(dupe).detail, /Conflicting resource provider name: rp-crud already exists/)
    const dupeUuid = await api.post('/resource_providers', { name: 'other', uuid })
    assert.match(placementError(dupeUuid).detail, new RegExp(`uuid: ${uuid}`))
    const noCode = await versioned(pc.admin, 22).post('/resource_providers', { name: 'rp-crud' })
    assert.equal(noCode.body.errors[0].code, undefined)

    const invalid = await api.post('/resource_providers', { name: 'x', bogus: 1 })
    assert.equal(invalid.status, 400)
    assert.match(placementError(invalid).detail, /JSON does not validate: Additional properties are not allowed \('bogus' was unexpected\)/)
    assert.equal((await pc.admin.post('/resource_providers', 'name=x', { 'content-type': 'text/plain' })).status, 415)

    const shown = await api.get(`/resource_providers/${uuid}`)
    assert.equal(shown.status, 200)
    assert.equal(shown.body.name, 'rp-crud')
    assert.ok(shown.headers.get('last-modified'))
    const renamed = await api.put(`/resource_providers/${uuid}`, { name: 'rp-renamed' })
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.name, 'rp-renamed')
    assert.equal(renamed.body.generation, 0)
    assert.equal((await api.put(`/resource_providers/${uuid}`, { name: 'rp-old' })).status, 409)

    assert.equal((await api.delete(`/resource_providers/${uuid}`)).status, 204)
    const gone = await api.get(`/resource_providers/${uuid}`)
    assert.equal(gone.status, 404)
    assert.match(placementError(gone).detail, new RegExp(`No resource provider with uuid ${uuid} found`))
    assert.equal((await api.delete(`/resource_providers/${uuid}`)).status, 404)
  })

  test('list filters: name, uuid, member_of, required traits, resources, in_tree', async () => {
    const api = pc.at()
    const agg = randomUUID()
    const a = await provider(api, 'flt-a', { VCPU: { total: 4 } }, { traits: ['HW_CPU_X86_AVX2'], aggregates: [agg] })
    await provider(api, 'flt-b', { VCPU: { total: 1 }, DISK_GB: { total: 100 } }, { traits: ['CUSTOM_FAST'] })
    const child = await provider(api, 'flt-a-child', { SRIOV_NET_VF: { total: 8 } }, { parent: a })
    const names = async (q: string) => (await api.get(`/resource_providers?${q}`)).body.resource_providers.map((p: any) => p.name).filter((n: string) => n.startsWith('flt-')).sort()
    assert.deepEqual(await names('name=flt-b'), ['flt-b'])
    assert.deepEqual(await names(`uuid=${a}`), ['flt-a'])
    assert.deepEqual(await names(`member_of=${agg}`), ['flt-a'])
    assert.deepEqual(await names(`member_of=!${agg}`), ['flt-a-child', 'flt-b'])
    assert.deepEqual(await names('required=HW_CPU_X86_AVX2'), ['flt-a'])
    assert.deepEqual(await names('required=!HW_CPU_X86_AVX2'), ['flt-a-child', 'flt-b'])
    assert.deepEqual(await names('required=in:HW_CPU_X86_AVX2,CUSTOM_FAST'), ['flt-a', 'flt-b'])
    assert.deepEqual(await names('resources=VCPU:2'), ['flt-a'])
    assert.deepEqual(await names('resources=VCPU:1,DISK_GB:50'), ['flt-b'])
    assert.deepEqual(await names(`in_tree=${child}`), ['flt-a', 'flt-a-child'])
    const unknownRc = await api.get('/resource_providers?resources=NOPE:1')
    assert.equal(unknownRc.status, 400)
    assert.match(placementError(unknownRc).detail, /Invalid resource class in resources parameter: No such resource class NOPE/)
    const badResources = await api.get('/resource_providers?resources=VCPU')
    assert.match(placementError(badResources).detail, /Badly formed resources parameter/)
    const unknownKey = await api.get('/resource_providers?colour=red')
    assert.match(placementError(unknownKey).detail, /Additional properties are not allowed \('colour' was unexpected\)/)
    assert.equal((await versioned(pc.admin, 17).get('/resource_providers?required=CUSTOM_FAST')).status, 400)
  })

  test('nested trees: parents, roots, re-parenting from 1.37, loops and deleting parents', async () => {
    const api = pc.at()
    const root = await provider(api, 'tree-root')
    const mid = await provider(api, 'tree-mid', {}, { parent: root })
    const leaf = await provider(api, 'tree-leaf', {}, { parent: mid })
    const shown = (await api.get(`/resource_providers/${leaf}`)).body
    assert.equal(shown.parent_provider_uuid, mid)
    assert.equal(shown.root_provider_uuid, root)
    const noParent = await api.post('/resource_providers', { name: 'orphan', parent_provider_uuid: randomUUID() })
    assert.equal(noParent.status, 400)
    assert.match(placementError(noParent).detail, /parent provider UUID does not exist/)

    const parent = await api.delete(`/resource_providers/${mid}`)
    assert.equal(parent.status, 409)
    assert.equal(placementError(parent).code, 'placement.resource_provider.cannot_delete_parent')

    const other = await provider(api, 'tree-other')
    const v36 = versioned(pc.admin, 36)
    const refused = await v36.put(`/resource_providers/${mid}`, { name: 'tree-mid', parent_provider_uuid: other })
    assert.equal(refused.status, 400)
    assert.match(placementError(refused).detail, /re-parenting a provider is not currently allowed/)
    const loop = await api.put(`/resource_providers/${root}`, { name: 'tree-root', parent_provider_uuid: leaf })
    assert.equal(loop.status, 400)
    assert.match(placementError(loop).detail, /creating loop in the provider tree is not allowed/)

    const moved = await api.put(`/resource_providers/${mid}`, { name: 'tree-mid', parent_provider_uuid: other })
    assert.equal(moved.status, 200)
    assert.equal(moved.body.root_provider_uuid, other)
    assert.equal((await api.get(`/resource_providers/${leaf}`)).body.root_provider_uuid, other)
    const unparented = await api.put(`/resource_providers/${mid}`, { name: 'tree-mid', parent_provider_uuid: null })
    assert.equal(unparented.body.root_provider_uuid, mid)
    assert.equal((await api.get(`/resource_providers/${leaf}`)).body.root_provider_uuid, mid)
    assert.equal((await api.delete(`/resource_providers/${leaf}`)).status, 204)
    assert.equal((await api.delete(`/resource_providers/${mid}`)).status, 204)
  })
})

describe('placement method and version routing', () => {
  let pc: PlacementCloud
  before(async () => { pc = await startPlacementCloud() })
  after(async () => { await pc.stop() })

  test('a method a resource does not serve is 405 with Allow, in placement error bodies', async () => {
    const res = await pc.admin.request('PATCH', '/resource_providers', undefined, { 'openstack-api-version': 'placement latest' })
    assert.equal(res.status, 405)
    assert.equal(res.headers.get('allow'), 'GET, POST')
    assert.equal(res.body.errors[0].status, 405)
    assert.match(res.body.errors[0].request_id, /^req-/)
    const put = await pc.admin.put('/usages', 'x', { 'content-type': 'text/plain', 'openstack-api-version': 'placement latest' })
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET')
    // DELETE of all inventories came in 1.5; before, it is a 405.
    const rp = await provider(pc.at(), 'route-rp', { VCPU: { total: 1 } })
    const old = await versioned(pc.admin, 4).delete(`/resource_providers/${rp}/inventories`)
    assert.equal(old.status, 405)
    assert.equal(old.headers.get('allow'), 'GET, PUT, POST')
  })
})
