import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

const names = (token: any): string[] => token.roles.map((r: { name: string }) => r.name).sort()

describe('identity roles, implied roles, grants and role assignments', () => {
  let cloud: TestCloud
  let admin: ApiClient
  let demoProject: string
  let adminProject: string
  before(async () => {
    cloud = await startTestCloud()
    admin = await cloud.admin()
    adminProject = admin.tokenBody.token.project.id
    demoProject = (await cloud.demo()).tokenBody.token.project.id
  })
  after(() => cloud.stop())

  let seq = 0
  async function newUser(): Promise<{ id: string; name: string }> {
    const name = `user-${++seq}`
    const res = await admin.post('/v3/users', { user: { name, password: 'pw-secret', domain_id: 'default' } })
    assert.equal(res.status, 201)
    return { id: res.body.user.id, name }
  }
  async function newRole(name: string, domainId?: string): Promise<string> {
    const res = await admin.post('/v3/roles', { role: { name, ...(domainId ? { domain_id: domainId } : {}) } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.role.id
  }
  const roleId = async (name: string) => (await admin.get(`/v3/roles?name=${name}`)).body.roles[0].id
  const login = (name: string, project = 'demo') => ApiClient.login(cloud.identityUrl, { user: name, password: 'pw-secret', project })

  test('role CRUD: create, duplicate 409, filters, update, delete; members may not write', async () => {
    const created = await admin.post('/v3/roles', { role: { name: 'auditor', description: 'reads logs' } })
    assert.equal(created.status, 201)
    const r = created.body.role
    assert.equal(r.domain_id, null)
    assert.equal(r.links.self, `${cloud.identityUrl}/v3/roles/${r.id}`)
    assert.equal((await admin.post('/v3/roles', { role: { name: 'auditor' } })).status, 409)
    const domainRole = await newRole('auditor', 'default')
    const globals = await admin.get('/v3/roles?name=auditor')
    assert.deepEqual(globals.body.roles.map((x: any) => x.id), [r.id])
    const scoped = await admin.get('/v3/roles?domain_id=default')
    assert.deepEqual(scoped.body.roles.map((x: any) => x.id), [domainRole])
    const patched = await admin.patch(`/v3/roles/${r.id}`, { role: { description: 'audits' } })
    assert.equal(patched.body.role.description, 'audits')
    assert.equal((await admin.patch(`/v3/roles/${domainRole}`, { role: { domain_id: null } })).status, 400)

    const demo = await cloud.demo()
    assert.equal((await demo.post('/v3/roles', { role: { name: 'sneaky' } })).status, 403)
    assert.equal((await demo.delete(`/v3/roles/${r.id}`)).status, 403)
    assert.equal((await demo.get('/v3/roles')).status, 403)
    for (const bad of [{ role: {} }, { role: { name: '   ' } }, { role: { name: 'x', options: { nope: true } } }, {}]) {
      assert.equal((await admin.post('/v3/roles', bad)).status, 400, JSON.stringify(bad))
    }
    assert.equal((await admin.get('/v3/roles?name=x')).body.roles.length, 0)

    assert.equal((await admin.delete(`/v3/roles/${r.id}`)).status, 204)
    assert.equal((await admin.get(`/v3/roles/${r.id}`)).status, 404)
    assert.equal((await admin.delete(`/v3/roles/${domainRole}`)).status, 204)
  })

  test('a grant shows in a fresh token; revoking the only role invalidates the existing token at once', async () => {
    const u = await newUser()
    const member = await roleId('member')
    const grant = `/v3/projects/${demoProject}/users/${u.id}/roles/${member}`
    assert.equal((await admin.head(grant)).status, 404)
    assert.equal((await admin.put(grant)).status, 204)
    assert.equal((await admin.put(grant)).status, 204)
    assert.equal((await admin.head(grant)).status, 204)
    assert.equal((await admin.get(grant)).status, 204)
    const listed = await admin.get(`/v3/projects/${demoProject}/users/${u.id}/roles`)
    assert.deepEqual(listed.body.roles.map((x: any) => x.name), ['member'])

    const user = await login(u.name)
    assert.deepEqual(names(user.tokenBody.token), ['member', 'reader'])
    const check = () => admin.get('/v3/auth/tokens', { 'x-subject-token': user.token! })
    assert.equal((await check()).status, 200)
    assert.equal((await admin.delete(grant)).status, 204)
    assert.equal((await check()).status, 404)
    assert.equal((await admin.delete(grant)).status, 404)
  })

  test('system and domain grants: grant, check, list, use, revoke', async () => {
    const u = await newUser()
    const reader = await roleId('reader')
    const sys = `/v3/system/users/${u.id}/roles/${reader}`
    assert.equal((await admin.put(sys)).status, 204)
    assert.equal((await admin.head(sys)).status, 204)
    assert.deepEqual((await admin.get(`/v3/system/users/${u.id}/roles`)).body.roles.map((r: any) => r.name), ['reader'])
    const onDomain = `/v3/domains/default/users/${u.id}/roles/${reader}`
    assert.equal((await admin.put(onDomain)).status, 204)
    assert.deepEqual((await admin.get(`/v3/domains/default/users/${u.id}/roles`)).body.roles.map((r: any) => r.id), [reader])
    const sysList = (await admin.get(`/v3/role_assignments?scope.system=all&user.id=${u.id}`)).body.role_assignments
    assert.deepEqual(sysList.map((a: any) => a.scope), [{ system: { all: true } }])
    assert.equal(sysList[0].links.assignment, `${cloud.identityUrl}${sys}`)

    const system = await ApiClient.login(cloud.identityUrl, { user: u.name, password: 'pw-secret', system: true })
    assert.deepEqual(system.tokenBody.token.system, { all: true })
    assert.equal((await system.get('/v3/roles')).status, 200)
    assert.equal((await system.post('/v3/roles', { role: { name: 'nope' } })).status, 403)
    assert.equal((await admin.delete(sys)).status, 204)
    assert.equal((await admin.get('/v3/auth/tokens', { 'x-subject-token': system.token! })).status, 404)
    assert.equal((await admin.delete(onDomain)).status, 204)
    assert.equal((await admin.get(`/v3/domains/default/users/${u.id}/roles`)).body.roles.length, 0)
  })

  test('grants are refused to members (403) and for unknown things (404), and change nothing', async () => {
    const u = await newUser()
    const member = await roleId('member')
    const demo = await cloud.demo()
    assert.equal((await demo.put(`/v3/projects/${demoProject}/users/${u.id}/roles/${member}`)).status, 403)
    assert.equal((await admin.put(`/v3/projects/${demoProject}/users/nobody/roles/${member}`)).status, 404)
    assert.equal((await admin.put(`/v3/projects/nowhere/users/${u.id}/roles/${member}`)).status, 404)
    assert.equal((await admin.put(`/v3/projects/${demoProject}/users/${u.id}/roles/norole`)).status, 404)
    assert.equal((await admin.put(`/v3/domains/nodomain/users/${u.id}/roles/${member}`)).status, 404)
    const listed = await admin.get(`/v3/role_assignments?user.id=${u.id}`)
    assert.deepEqual(listed.body.role_assignments, [])
    assert.equal((await demo.get('/v3/role_assignments')).status, 403)
  })

  test('implied roles: rules, checks, refusals, and their effect on tokens', async () => {
    const prior = await newRole('operator')
    const implied = await newRole('observer')
    const rule = `/v3/roles/${prior}/implies/${implied}`
    const put = await admin.put(rule)
    assert.equal(put.status, 201)
    assert.equal(put.body.role_inference.prior_role.name, 'operator')
    assert.equal(put.body.role_inference.implies.name, 'observer')
    assert.equal((await admin.put(rule)).status, 409)
    assert.equal((await admin.head(rule)).status, 204)
    assert.equal((await admin.get(rule)).body.role_inference.implies.id, implied)
    const list = await admin.get(`/v3/roles/${prior}/implies`)
    assert.deepEqual(list.body.role_inference.implies.map((x: any) => x.name), ['observer'])
    const inferences = (await admin.get('/v3/role_inferences')).body.role_inferences
    assert.ok(inferences.some((i: any) => i.prior_role.id === prior && i.implies[0].id === implied))

    // admin may not be implied; cycles are refused; a global role may not imply a domain-specific one.
    assert.equal((await admin.put(`/v3/roles/${prior}/implies/${await roleId('admin')}`)).status, 403)
    assert.equal((await admin.put(`/v3/roles/${implied}/implies/${prior}`)).status, 403)
    assert.equal((await admin.put(`/v3/roles/${prior}/implies/${prior}`)).status, 403)
    const domainRole = await newRole('local-op', 'default')
    assert.equal((await admin.put(`/v3/roles/${prior}/implies/${domainRole}`)).status, 403)
    assert.equal((await admin.put(`/v3/roles/${domainRole}/implies/${prior}`)).status, 201)
    assert.equal((await (await cloud.demo()).put(`/v3/roles/${implied}/implies/${await roleId('reader')}`)).status, 403)

    // The domain-specific role is not in the token, but what it implies (transitively) is.
    const u = await newUser()
    assert.equal((await admin.put(`/v3/projects/${demoProject}/users/${u.id}/roles/${domainRole}`)).status, 204)
    assert.deepEqual(names((await login(u.name)).tokenBody.token), ['observer', 'operator'])

    assert.equal((await admin.delete(rule)).status, 204)
    assert.equal((await admin.get(rule)).status, 404)
    assert.deepEqual(names((await login(u.name)).tokenBody.token), ['operator'])
  })

  test('a domain-specific role is granted only on projects of its domain', async () => {
    const d = await admin.post('/v3/domains', { domain: { name: 'elsewhere' } })
    assert.equal(d.status, 201)
    const foreign = await newRole('foreign', d.body.domain.id)
    const u = await newUser()
    assert.equal((await admin.put(`/v3/projects/${demoProject}/users/${u.id}/roles/${foreign}`)).status, 403)
    assert.equal((await admin.put(`/v3/system/users/${u.id}/roles/${foreign}`)).status, 400)
    assert.deepEqual((await admin.get(`/v3/role_assignments?user.id=${u.id}`)).body.role_assignments, [])
  })

  test('role assignments: direct and effective with groups, inheritance and implied roles', async () => {
    const u = await newUser()
    const member = await roleId('member')
    const reader = await roleId('reader')
    const g = (await admin.post('/v3/groups', { group: { name: 'crew', domain_id: 'default' } })).body.group
    assert.equal((await admin.put(`/v3/groups/${g.id}/users/${u.id}`)).status, 204)
    assert.equal((await admin.put(`/v3/projects/${demoProject}/groups/${g.id}/roles/${member}`)).status, 204)
    const inherit = `/v3/OS-INHERIT/domains/default/users/${u.id}/roles/${reader}/inherited_to_projects`
    assert.equal((await admin.put(inherit)).status, 204)
    assert.equal((await admin.head(inherit)).status, 204)
    const inheritedList = await admin.get(`/v3/OS-INHERIT/domains/default/users/${u.id}/roles/inherited_to_projects`)
    assert.deepEqual(inheritedList.body.roles.map((x: any) => x.name), ['reader'])

    const direct = (await admin.get(`/v3/role_assignments?user.id=${u.id}`)).body.role_assignments
    assert.equal(direct.length, 1)
    assert.deepEqual(direct[0].scope, { domain: { id: 'default' }, 'OS-INHERIT:inherited_to': 'projects' })
    assert.equal(direct[0].links.assignment, `${cloud.identityUrl}${inherit}`)
    const byGroup = (await admin.get(`/v3/role_assignments?group.id=${g.id}`)).body.role_assignments
    assert.deepEqual(byGroup.map((a: any) => [a.group.id, a.scope.project.id, a.role.id]), [[g.id, demoProject, member]])

    const eff = (await admin.get(`/v3/role_assignments?user.id=${u.id}&effective&include_names`)).body.role_assignments
    const view = eff.map((a: any) => `${a.scope.project.name}:${a.role.name}:${a.links.membership ? 'group' : 'user'}`).sort()
    // Inherited to every project of the domain, the bootstrap's `service` project included.
    assert.deepEqual(view, ['admin:reader:user', 'demo:member:group', 'demo:reader:group', 'demo:reader:user', 'service:reader:user'])
    const fromGroup = eff.find((a: any) => a.role.name === 'member')
    assert.equal(fromGroup.user.name, u.name)
    assert.equal(fromGroup.links.membership, `${cloud.identityUrl}/v3/groups/${g.id}/users/${u.id}`)
    const inherited = eff.find((a: any) => a.scope.project.id === adminProject)
    assert.equal(inherited.scope['OS-INHERIT:inherited_to'], 'projects')

    const onDemo = (await admin.get(`/v3/role_assignments?scope.project.id=${demoProject}&effective&role.id=${reader}`)).body
    assert.ok(onDemo.role_assignments.some((a: any) => a.user.id === u.id && a.links.prior_role))
    assert.equal((await admin.get('/v3/role_assignments?include_subtree=true')).status, 400)
    assert.equal((await admin.get(`/v3/role_assignments?group.id=${g.id}&effective`)).status, 400)
    assert.equal((await admin.get(`/v3/role_assignments?user.id=${u.id}&group.id=${g.id}`)).status, 400)
    const tree = await admin.get(`/v3/role_assignments?scope.project.id=${demoProject}&include_subtree=true`)
    assert.equal(tree.status, 200)

    // The group grant carries into the member's token; once it is removed, the same token
    // validates with only the roles the user still holds (the inherited reader grant).
    const user = await login(u.name)
    assert.deepEqual(names(user.tokenBody.token), ['member', 'reader'])
    assert.equal((await admin.delete(`/v3/projects/${demoProject}/groups/${g.id}/roles/${member}`)).status, 204)
    const after = await admin.get('/v3/auth/tokens', { 'x-subject-token': user.token! })
    assert.equal(after.status, 200)
    assert.deepEqual(names(after.body.token), ['reader'])
  })
})
