import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

describe('domain configuration, EC2 credentials and projects acting as domains', () => {
  let cloud: TestCloud
  let admin: ApiClient
  let demo: ApiClient
  before(async () => {
    cloud = await startTestCloud()
    admin = await cloud.admin()
    demo = await cloud.demo()
  })
  after(() => cloud.stop())

  const mkDomain = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await admin.post('/v3/domains', { domain: { name, ...extra } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.domain.id as string
  }
  const ldap = { url: 'ldap://one.example:389/', user_tree_dn: 'ou=Users,dc=example', password: 's3cret' }

  test('config: create, replace, show by group and option; sensitive options are kept but never shown', async () => {
    const id = await mkDomain('cfg-a')
    const base = `/v3/domains/${id}/config`
    const created = await admin.put(base, { config: { identity: { driver: 'ldap' }, ldap } })
    assert.equal(created.status, 201)
    assert.deepEqual(created.body.config, { identity: { driver: 'ldap' }, ldap: { url: ldap.url, user_tree_dn: ldap.user_tree_dn } })
    assert.deepEqual((await admin.get(base)).body.config, created.body.config)
    assert.deepEqual((await admin.get(`${base}/ldap`)).body.config, { ldap: { url: ldap.url, user_tree_dn: ldap.user_tree_dn } })
    assert.deepEqual((await admin.get(`${base}/ldap/url`)).body.config, { url: ldap.url })
    assert.equal((await admin.get(`${base}/ldap/password`)).status, 404)

    const replaced = await admin.put(base, { config: { identity: { driver: 'sql', list_limit: 7 } } })
    assert.equal(replaced.status, 200)
    assert.deepEqual(replaced.body.config, { identity: { driver: 'sql', list_limit: 7 } })
    const gone = await admin.get(`${base}/ldap`)
    assert.equal(gone.status, 404)
    assert.equal(gone.body.error.message, `Could not find group ldap in domain configuration for domain ${id}.`)
  })

  test('config: PATCH merges; a group or option in the path must exist and be the only one given', async () => {
    const id = await mkDomain('cfg-b')
    const base = `/v3/domains/${id}/config`
    await admin.put(base, { config: { identity: { driver: 'ldap' }, ldap: { url: 'ldap://a' } } })
    const whole = await admin.patch(base, { config: { ldap: { suffix: 'dc=x' } } })
    assert.equal(whole.status, 200)
    assert.deepEqual(whole.body.config, { identity: { driver: 'ldap' }, ldap: { suffix: 'dc=x', url: 'ldap://a' } })
    const group = await admin.patch(`${base}/identity`, { config: { identity: { driver: 'x', list_limit: 3 } } })
    assert.deepEqual(group.body.config.identity, { driver: 'x', list_limit: 3 })
    const option = await admin.patch(`${base}/ldap/url`, { config: { url: 'ldap://b' } })
    assert.equal(option.body.config.ldap.url, 'ldap://b')

    const before = (await admin.get(base)).body.config
    const other = await admin.patch(`${base}/identity`, { config: { ldap: { url: 'ldap://c' } } })
    assert.equal(other.status, 403)
    const two = await admin.patch(`${base}/ldap/url`, { config: { url: 'ldap://c', suffix: 'dc=y' } })
    assert.equal(two.status, 403)
    assert.equal((await admin.patch(`${base}/ldap/user`, { config: { user: 'cn=admin' } })).status, 404)
    assert.deepEqual((await admin.get(base)).body.config, before)
  })

  test('config: deleting an option, a group, then everything', async () => {
    const id = await mkDomain('cfg-c')
    const base = `/v3/domains/${id}/config`
    await admin.put(base, { config: { identity: { driver: 'ldap', list_limit: 5 }, ldap: { url: 'ldap://a' } } })
    assert.equal((await admin.delete(`${base}/identity/driver`)).status, 204)
    assert.equal((await admin.get(`${base}/identity/driver`)).status, 404)
    assert.equal((await admin.delete(`${base}/identity/driver`)).status, 404)
    assert.equal((await admin.delete(`${base}/identity`)).status, 204)
    assert.deepEqual((await admin.get(base)).body.config, { ldap: { url: 'ldap://a' } })
    assert.equal((await admin.delete(base)).status, 204)
    const none = await admin.get(base)
    assert.equal(none.status, 404)
    assert.equal(none.body.error.message, `Could not find any options in domain configuration for domain ${id}.`)
  })

  test('config: unsupported groups and options are 403 and change nothing; unknown domains 404', async () => {
    const id = await mkDomain('cfg-d')
    const base = `/v3/domains/${id}/config`
    await admin.put(base, { config: { ldap: { url: 'ldap://a' } } })
    for (const config of [{ nova: { x: 1 } }, { ldap: { colour: 'red' } }, {}, { ldap: {} }, undefined]) {
      const res = await admin.put(base, { config })
      assert.equal(res.status, 403, JSON.stringify(config))
      assert.match(res.body.error.message, /^Invalid domain specific configuration: /)
    }
    assert.equal((await admin.patch(base, { config: { ldap: { url: 'ldap://b', colour: 'red' } } })).status, 403)
    assert.equal((await admin.get(`${base}/nova`)).status, 403)
    assert.equal((await admin.delete(`${base}/ldap/colour`)).status, 403)
    assert.deepEqual((await admin.get(base)).body.config, { ldap: { url: 'ldap://a' } })

    const missing = '/v3/domains/no-such-domain/config'
    assert.equal((await admin.put(missing, { config: { ldap: { url: 'x' } } })).status, 404)
    assert.equal((await admin.get(missing)).status, 404)
    assert.equal((await admin.patch(`${missing}/ldap`, { config: { ldap: { url: 'x' } } })).status, 404)
    const del = await admin.delete(missing)
    assert.equal(del.status, 404)
    assert.equal(del.body.error.message, 'Could not find domain: no-such-domain.')
  })

  test('config: defaults are the whitelisted options as Keystone ships them', async () => {
    const all = await admin.get('/v3/domains/config/default')
    assert.equal(all.status, 200)
    assert.deepEqual(all.body.config.identity, { driver: 'sql', list_limit: null })
    assert.equal(all.body.config.ldap.url, 'ldap://localhost')
    assert.ok(!('password' in all.body.config.ldap))
    assert.deepEqual(Object.keys((await admin.get('/v3/domains/config/ldap/default')).body.config), ['ldap'])
    assert.deepEqual((await admin.get('/v3/domains/config/ldap/suffix/default')).body.config, { suffix: 'cn=example,cn=com' })
    assert.equal((await admin.get('/v3/domains/config/ldap/password/default')).status, 403)
    assert.equal((await admin.get('/v3/domains/config/nova/default')).status, 403)
  })

  test('config: security compliance is readable by anyone, for the default domain only', async () => {
    const sc = await demo.get('/v3/domains/default/config/security_compliance')
    assert.equal(sc.status, 200)
    assert.deepEqual(sc.body.config, { security_compliance: { password_regex: null, password_regex_description: null } })
    assert.deepEqual((await demo.get('/v3/domains/default/config/security_compliance/password_regex')).body.config, { password_regex: null })
    assert.equal((await demo.get('/v3/domains/default/config/security_compliance/lockout_duration')).status, 403)
    const other = await mkDomain('cfg-e')
    assert.equal((await admin.get(`/v3/domains/${other}/config/security_compliance`)).status, 403)
  })

  test('config: a member may not read or change it; deleting a domain deletes its config', async () => {
    const id = '0123456789abcdef0123456789abcdef'
    await mkDomain('cfg-f', { explicit_domain_id: id })
    const base = `/v3/domains/${id}/config`
    await admin.put(base, { config: { ldap: { url: 'ldap://a' } } })
    assert.equal((await demo.put(base, { config: { ldap: { url: 'ldap://evil' } } })).status, 403)
    assert.equal((await demo.get(base)).status, 403)
    assert.equal((await demo.patch(base, { config: { ldap: { url: 'ldap://evil' } } })).status, 403)
    assert.equal((await demo.delete(base)).status, 403)
    assert.equal((await demo.get('/v3/domains/config/default')).status, 403)
    assert.deepEqual((await admin.get(base)).body.config, { ldap: { url: 'ldap://a' } })

    await admin.patch(`/v3/domains/${id}`, { domain: { enabled: false } })
    assert.equal((await admin.delete(`/v3/domains/${id}`)).status, 204)
    await mkDomain('cfg-f', { explicit_domain_id: id })
    assert.equal((await admin.get(base)).status, 404)
  })

  test('EC2: a member manages its own key pairs, which also show in /v3/credentials', async () => {
    const me = demo.tokenBody.token.user.id
    const project = demo.tokenBody.token.project.id
    const base = `/v3/users/${me}/credentials/OS-EC2`
    const res = await demo.post(base, { tenant_id: project })
    assert.equal(res.status, 201)
    const c = res.body.credential
    assert.match(c.access, /^[0-9a-f]{32}$/)
    assert.match(c.secret, /^[0-9a-f]{32}$/)
    assert.deepEqual({ ...c, access: 'a', secret: 's' }, {
      user_id: me, tenant_id: project, access: 'a', secret: 's', trust_id: null,
      links: { self: `${cloud.identityUrl}/v3/users/${me}/credentials/OS-EC2/${c.access}` },
    })
    assert.deepEqual((await demo.get(`${base}/${c.access}`)).body.credential, c)
    assert.deepEqual((await demo.get(base)).body.credentials.map((x: { access: string }) => x.access), [c.access])

    const v3 = (await demo.get('/v3/credentials?type=ec2')).body.credentials
    assert.equal(v3.length, 1)
    assert.equal(v3[0].project_id, project)
    assert.deepEqual(JSON.parse(v3[0].blob), { access: c.access, secret: c.secret, trust_id: null })

    assert.equal((await demo.delete(`${base}/${c.access}`)).status, 204)
    assert.equal((await demo.get(`${base}/${c.access}`)).status, 404)
    assert.deepEqual((await demo.get(base)).body.credentials, [])
  })

  test('EC2: unknown users and projects are 404; other users are 403', async () => {
    const adminId = admin.tokenBody.token.user.id
    const me = demo.tokenBody.token.user.id
    const project = demo.tokenBody.token.project.id
    assert.equal((await demo.post(`/v3/users/${me}/credentials/OS-EC2`, { tenant_id: 'nope' })).status, 404)
    assert.equal((await admin.post('/v3/users/nobody/credentials/OS-EC2', { tenant_id: project })).status, 404)
    assert.equal((await demo.post(`/v3/users/${adminId}/credentials/OS-EC2`, { tenant_id: project })).status, 403)
    assert.equal((await demo.get(`/v3/users/${adminId}/credentials/OS-EC2`)).status, 403)
    assert.equal((await demo.get(`/v3/users/${me}/credentials/OS-EC2/unknown`)).status, 404)

    const mine = (await admin.post(`/v3/users/${adminId}/credentials/OS-EC2`, { tenant_id: project })).body.credential
    assert.equal((await demo.get(`/v3/users/${me}/credentials/OS-EC2/${mine.access}`)).status, 403)
    assert.equal((await demo.delete(`/v3/users/${me}/credentials/OS-EC2/${mine.access}`)).status, 403)
    assert.equal((await admin.get(`/v3/users/${adminId}/credentials/OS-EC2/${mine.access}`)).status, 200)
  })

  test('projects acting as domains: create, list, disable and delete through /v3/projects', async () => {
    const res = await admin.post('/v3/projects', { project: { name: 'dom-proj', is_domain: true, domain_id: null, tags: ['t'] } })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const p = res.body.project
    assert.deepEqual([p.is_domain, p.domain_id, p.parent_id, p.enabled, p.tags], [true, null, null, true, ['t']])
    assert.ok((await admin.get('/v3/projects?is_domain=true')).body.projects.some((x: { id: string }) => x.id === p.id))
    assert.ok(!(await admin.get('/v3/projects')).body.projects.some((x: { id: string }) => x.id === p.id))
    assert.equal((await admin.get(`/v3/domains/${p.id}`)).body.domain.name, 'dom-proj')
    assert.deepEqual((await admin.get(`/v3/projects/${p.id}`)).body.project, p)

    const dup = await admin.post('/v3/projects', { project: { name: 'dom-proj', is_domain: true } })
    assert.equal(dup.status, 409)
    const nested = await admin.post('/v3/projects', { project: { name: 'dom-nested', is_domain: true, domain_id: 'default' } })
    assert.equal(nested.status, 400)
    assert.equal((await admin.get('/v3/domains?name=dom-nested')).body.domains.length, 0)
    assert.equal((await demo.post('/v3/projects', { project: { name: 'dom-demo', is_domain: true } })).status, 403)

    const enabled = await admin.delete(`/v3/projects/${p.id}`)
    assert.equal(enabled.status, 400)
    assert.match(enabled.body.error.message, /^cannot delete an enabled project acting as a domain/)
    const off = await admin.patch(`/v3/projects/${p.id}`, { project: { enabled: false } })
    assert.equal(off.status, 200)
    assert.equal(off.body.project.enabled, false)
    assert.equal((await admin.delete(`/v3/projects/${p.id}`)).status, 204)
    assert.equal((await admin.get(`/v3/domains/${p.id}`)).status, 404)
  })

  test('project tags still answer from their own routes', async () => {
    const p = (await admin.post('/v3/projects', { project: { name: 'tagged' } })).body.project
    assert.equal((await admin.put(`/v3/projects/${p.id}/tags/blue`)).status, 201)
    assert.deepEqual((await admin.get(`/v3/projects/${p.id}/tags`)).body.tags, ['blue'])
    assert.equal((await demo.put(`/v3/projects/${p.id}/tags/red`)).status, 403)
  })
})
