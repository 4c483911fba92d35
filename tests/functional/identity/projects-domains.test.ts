import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

describe('identity projects and domains', () => {
  let cloud: TestCloud
  let admin: ApiClient
  let demo: ApiClient
  before(async () => {
    cloud = await startTestCloud()
    admin = await cloud.admin()
    demo = await cloud.demo()
  })
  after(() => cloud.stop())

  const mkProject = async (project: Record<string, unknown>) => {
    const res = await admin.post('/v3/projects', { project })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.project
  }
  const mkDomain = async (name: string) => (await admin.post('/v3/domains', { domain: { name } })).body.domain
  const names = (list: Array<{ name: string }>) => list.map((p) => p.name).sort()

  test('project CRUD: defaults, extras, filters, update and delete', async () => {
    const p = await mkProject({ name: ' alpha ', description: 'first', tags: ['red', 'blue'], color: 'green' })
    assert.equal(p.name, 'alpha')
    assert.equal(p.domain_id, 'default')
    assert.equal(p.parent_id, 'default')
    assert.equal(p.is_domain, false)
    assert.equal(p.enabled, true)
    assert.equal(p.color, 'green')
    assert.deepEqual(p.tags, ['blue', 'red'])
    assert.equal(p.links.self, `${cloud.identityUrl}/v3/projects/${p.id}`)
    assert.deepEqual((await admin.get(`/v3/projects/${p.id}`)).body.project, p)

    const byName = await admin.get('/v3/projects?name=alpha')
    assert.deepEqual(byName.body.projects.map((x: { id: string }) => x.id), [p.id])
    assert.ok(names((await admin.get('/v3/projects?domain_id=default')).body.projects).includes('demo'))

    const upd = await admin.patch(`/v3/projects/${p.id}`, { project: { enabled: false, description: 'changed', tags: ['x'] } })
    assert.equal(upd.status, 200)
    assert.equal(upd.body.project.enabled, false)
    assert.equal(upd.body.project.description, 'changed')
    assert.deepEqual(upd.body.project.tags, ['x'])
    assert.equal(upd.body.project.color, 'green')
    assert.deepEqual(names((await admin.get('/v3/projects?enabled=false')).body.projects), ['alpha'])

    assert.equal((await admin.delete(`/v3/projects/${p.id}`)).status, 204)
    const gone = await admin.get(`/v3/projects/${p.id}`)
    assert.equal(gone.status, 404)
    assert.equal(gone.body.error.message, `Could not find project: ${p.id}.`)
  })

  test('duplicate names conflict within a domain, and a rejected rename changes nothing', async () => {
    const a = await mkProject({ name: 'dup-a' })
    await mkProject({ name: 'dup-b' })
    const again = await admin.post('/v3/projects', { project: { name: 'dup-a' } })
    assert.equal(again.status, 409)
    assert.match(again.body.error.message, /^Conflict occurred attempting to store project - .*same domain: name is dup-a/)
    assert.equal((await admin.patch(`/v3/projects/${a.id}`, { project: { name: 'dup-b', description: 'no' } })).status, 409)
    const after = (await admin.get(`/v3/projects/${a.id}`)).body.project
    assert.equal(after.name, 'dup-a')
    assert.equal(after.description, '')
    // The same name in another domain is fine.
    const d = await mkDomain('dup-domain')
    await mkProject({ name: 'dup-a', domain_id: d.id })
  })

  test('bad project input gets 400 and creates nothing', async () => {
    const bad: unknown[] = [
      { project: { name: 'bad-1' }, extra: 1 },
      { project: { description: 'no name' } },
      { project: { name: 'bad-2', tags: ['a,b'] } },
      { project: { name: 'bad-3', tags: ['a/b'] } },
      { project: { name: 'bad-4', tags: ['x'.repeat(256)] } },
      { project: { name: 'bad-5', tags: Array.from({ length: 81 }, (_, i) => `t${i}`) } },
      { project: { name: 'bad-6', tags: ['same', 'same'] } },
      { project: { name: 'bad-7', enabled: 'maybe' } },
      { project: { name: 'bad-8', domain_id: 'nowhere' } },
      { project: { name: 'bad-9', parent_id: 'nowhere' } },
    ]
    for (const body of bad) assert.equal((await admin.post('/v3/projects', body)).status, 400, JSON.stringify(body))
    assert.deepEqual((await admin.get('/v3/projects')).body.projects.filter((p: { name: string }) => p.name.startsWith('bad-')), [])
    const p = await mkProject({ name: 'patch-target' })
    assert.equal((await admin.patch(`/v3/projects/${p.id}`, { project: { domain_id: 'other' } })).status, 400)
    assert.equal((await admin.patch(`/v3/projects/${p.id}`, { project: { parent_id: 'other' } })).status, 403)
    assert.equal((await admin.patch(`/v3/projects/${p.id}`, { project: {} })).status, 400)
    assert.deepEqual((await admin.get(`/v3/projects/${p.id}`)).body.project, p)
  })

  test('hierarchy: parents and subtree, same-domain parents, no deleting or disabling a branch', async () => {
    const root = await mkProject({ name: 'h-root' })
    const mid = await mkProject({ name: 'h-mid', parent_id: root.id })
    const leaf = await mkProject({ name: 'h-leaf', parent_id: mid.id })
    assert.equal(leaf.parent_id, mid.id)
    const parents = await admin.get(`/v3/projects/${leaf.id}?parents_as_ids`)
    assert.deepEqual(parents.body.project.parents, { [mid.id]: { [root.id]: { default: null } } })
    const subtree = await admin.get(`/v3/projects/${root.id}?subtree_as_ids`)
    assert.deepEqual(subtree.body.project.subtree, { [mid.id]: { [leaf.id]: null } })
    assert.equal((await admin.get(`/v3/projects/${root.id}?subtree_as_ids&subtree_as_list`)).status, 400)
    assert.deepEqual(names((await admin.get(`/v3/projects?parent_id=${root.id}`)).body.projects), ['h-mid'])

    const notLeaf = await admin.delete(`/v3/projects/${mid.id}`)
    assert.equal(notLeaf.status, 403)
    assert.match(notLeaf.body.error.message, /not a leaf in the hierarchy/)
    assert.equal((await admin.patch(`/v3/projects/${mid.id}`, { project: { enabled: false } })).status, 403)
    assert.equal((await admin.get(`/v3/projects/${mid.id}`)).body.project.enabled, true)

    const other = await mkDomain('h-other')
    const cross = await admin.post('/v3/projects', { project: { name: 'h-cross', domain_id: other.id, parent_id: root.id } })
    assert.equal(cross.status, 400)
    assert.match(cross.body.error.message, /parent in a different domain/)

    await admin.patch(`/v3/projects/${leaf.id}`, { project: { enabled: false } })
    const underDisabled = await admin.post('/v3/projects', { project: { name: 'h-x', parent_id: leaf.id } })
    assert.equal(underDisabled.status, 400)
    for (const p of [leaf, mid, root]) assert.equal((await admin.delete(`/v3/projects/${p.id}`)).status, 204)
  })

  test('project tags: the sub-resource and the list filters', async () => {
    const p = await mkProject({ name: 'tagged-1', tags: ['a', 'b'] })
    await mkProject({ name: 'tagged-2', tags: ['b', 'c'] })
    const base = `/v3/projects/${p.id}/tags`
    assert.deepEqual((await admin.get(base)).body.tags, ['a', 'b'])
    const put = await admin.put(base, { tags: ['d', 'e'] })
    assert.equal(put.status, 200)
    assert.deepEqual(put.body.tags, ['d', 'e'])
    const one = await admin.put(`${base}/f`)
    assert.equal(one.status, 201)
    assert.equal(one.headers.get('location'), `${cloud.identityUrl}${base}/f`)
    assert.equal((await admin.put(`${base}/f`)).status, 400)
    assert.equal((await admin.put(`${base}/g,h`)).status, 400)
    assert.equal((await admin.get(`${base}/f`)).status, 204)
    assert.equal((await admin.get(`${base}/zz`)).status, 404)
    assert.equal((await admin.delete(`${base}/d`)).status, 204)
    assert.equal((await admin.delete(`${base}/d`)).status, 404)
    assert.deepEqual((await admin.get(base)).body.tags, ['e', 'f'])
    assert.equal((await admin.put(base, { tags: ['ok'], extra: 1 })).status, 400)
    assert.deepEqual((await admin.get(base)).body.tags, ['e', 'f'])

    await admin.put(base, { tags: ['a', 'b'] })
    const list = async (qs: string) => names((await admin.get(`/v3/projects?${qs}`)).body.projects).filter((n) => n.startsWith('tagged'))
    assert.deepEqual(await list('tags=a,b'), ['tagged-1'])
    assert.deepEqual(await list('tags=b'), ['tagged-1', 'tagged-2'])
    assert.deepEqual(await list('tags-any=a,c'), ['tagged-1', 'tagged-2'])
    assert.deepEqual(await list('not-tags=b,c'), ['tagged-1'])
    assert.deepEqual(await list('not-tags-any=a'), ['tagged-2'])
    assert.equal((await admin.delete(base)).status, 204)
    assert.deepEqual((await admin.get(base)).body.tags, [])
  })

  test('a member may read its own project but change nothing', async () => {
    const demoProject = demo.tokenBody.token.project.id
    assert.equal((await demo.get(`/v3/projects/${demoProject}`)).status, 200)
    assert.deepEqual((await demo.get(`/v3/projects/${demoProject}/tags`)).body.tags, [])
    const target = await mkProject({ name: 'guarded', tags: ['keep'] })
    const attempts = [
      demo.post('/v3/projects', { project: { name: 'by-demo' } }),
      demo.patch(`/v3/projects/${demoProject}`, { project: { description: 'mine' } }),
      demo.delete(`/v3/projects/${target.id}`),
      demo.put(`/v3/projects/${target.id}/tags/more`),
      demo.delete(`/v3/projects/${target.id}/tags`),
      demo.get(`/v3/projects/${target.id}`),
      demo.get('/v3/projects'),
      demo.post('/v3/domains', { domain: { name: 'by-demo' } }),
      demo.get('/v3/domains'),
    ]
    for (const res of await Promise.all(attempts)) assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.deepEqual((await admin.get(`/v3/projects/${target.id}`)).body.project, target)
    assert.equal((await admin.get('/v3/projects?name=by-demo')).body.projects.length, 0)
    // Unknown ids: policy first, so a member cannot probe for existence.
    assert.equal((await demo.get('/v3/projects/nope')).status, 403)
    assert.equal((await admin.get('/v3/projects/nope')).status, 404)
  })

  test('domain CRUD, filters, duplicates and explicit ids', async () => {
    const d = (await admin.post('/v3/domains', { domain: { name: 'd-one', description: 'one', tags: ['t'], motto: 'hi' } }))
    assert.equal(d.status, 201)
    const dom = d.body.domain
    assert.deepEqual([dom.name, dom.description, dom.enabled, dom.tags, dom.motto], ['d-one', 'one', true, ['t'], 'hi'])
    assert.deepEqual((await admin.get(`/v3/domains/${dom.id}`)).body.domain, dom)
    assert.deepEqual((await admin.get('/v3/domains?name=d-one')).body.domains.map((x: { id: string }) => x.id), [dom.id])

    const dup = await admin.post('/v3/domains', { domain: { name: 'd-one' } })
    assert.equal(dup.status, 409)
    assert.match(dup.body.error.message, /two projects acting as domains with the same name: d-one/)
    assert.equal((await admin.post('/v3/domains', { domain: { name: 'd-two', explicit_domain_id: 'not-a-uuid' } })).status, 400)
    assert.equal((await admin.post('/v3/domains', { domain: { name: 'd-two' }, other: 1 })).status, 400)
    assert.equal((await admin.get('/v3/domains?name=d-two')).body.domains.length, 0)
    const explicit = 'ab'.repeat(16)
    assert.equal((await admin.post('/v3/domains', { domain: { name: 'd-two', explicit_domain_id: explicit } })).body.domain.id, explicit)

    const upd = await admin.patch(`/v3/domains/${dom.id}`, { domain: { enabled: false, description: 'off' } })
    assert.deepEqual([upd.status, upd.body.domain.enabled, upd.body.domain.motto], [200, false, 'hi'])
    assert.ok(names((await admin.get('/v3/domains?enabled=false')).body.domains).includes('d-one'))
    assert.equal((await admin.patch(`/v3/domains/${dom.id}`, { domain: { name: 'd-two' } })).status, 409)
    assert.equal((await admin.get(`/v3/domains/${dom.id}`)).body.domain.name, 'd-one')
    assert.equal((await admin.get('/v3/domains/nowhere')).status, 404)
    // A member of a project may read its own domain.
    assert.equal((await demo.get('/v3/domains/default')).body.domain.name, 'Default')
  })

  test('deleting a domain: only when disabled; it takes its projects, users and groups along', async () => {
    const d = await mkDomain('doomed')
    const p = await mkProject({ name: 'doomed-p', domain_id: d.id })
    const u = (await admin.post('/v3/users', { user: { name: 'doomed-u', domain_id: d.id, password: 'pw-doomed-1' } })).body.user
    const g = (await admin.post('/v3/groups', { group: { name: 'doomed-g', domain_id: d.id } })).body.group
    const login = await cloud.anonymous().post('/v3/auth/tokens', {
      auth: { identity: { methods: ['password'], password: { user: { id: u.id, password: 'pw-doomed-1' } } } },
    })
    assert.equal(login.status, 201)
    const token = login.headers.get('x-subject-token')!

    const enabled = await admin.delete(`/v3/domains/${d.id}`)
    assert.equal(enabled.status, 403)
    assert.equal(enabled.body.error.message, 'Cannot delete a domain that is enabled, please disable it first.')
    assert.equal((await admin.get(`/v3/projects/${p.id}`)).status, 200)

    await admin.patch(`/v3/domains/${d.id}`, { domain: { enabled: false } })
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': token })).status, 404)
    assert.equal((await admin.delete(`/v3/domains/${d.id}`)).status, 204)
    for (const path of [`domains/${d.id}`, `projects/${p.id}`, `users/${u.id}`, `groups/${g.id}`]) {
      assert.equal((await admin.get(`/v3/${path}`)).status, 404, path)
    }
  })

  test('deleting a project revokes the tokens scoped to it', async () => {
    const p = await mkProject({ name: 'short-lived' })
    const u = (await admin.post('/v3/users', { user: { name: 'short-lived-u', password: 'pw-short-1' } })).body.user
    const roles = (await admin.get('/v3/roles?name=member')).body.roles
    assert.equal((await admin.put(`/v3/projects/${p.id}/users/${u.id}/roles/${roles[0].id}`)).status, 204)
    const user = await ApiClient.login(cloud.identityUrl, { user: 'short-lived-u', password: 'pw-short-1', project: 'short-lived' })
    assert.equal((await user.get(`/v3/projects/${p.id}`)).status, 200)
    assert.equal((await admin.delete(`/v3/projects/${p.id}`)).status, 204)
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': user.token! })).status, 404)
  })
})
