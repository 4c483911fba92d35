import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createEnforcer, type PolicyCredentials } from '../common/policy/policy-enforcer.ts'
import { identityPolicies } from './policies.ts'

const enforcer = createEnforcer(identityPolicies)
const allow = (action: string, target: Record<string, unknown>, creds: PolicyCredentials) =>
  enforcer.authorize(action, target, creds)

const systemAdmin: PolicyCredentials = { userId: 'sys-admin', system: 'all', roles: ['admin', 'member', 'reader'] }
const systemReader: PolicyCredentials = { userId: 'sys-reader', system: 'all', roles: ['reader'] }
const cloudAdmin: PolicyCredentials = {
  userId: 'admin', userDomainId: 'default', projectId: 'admin-project', projectDomainId: 'default',
  roles: ['admin', 'member', 'reader'], isAdminProject: true,
}
const member: PolicyCredentials = {
  userId: 'alice', userDomainId: 'd1', projectId: 'p1', projectDomainId: 'd1', roles: ['member', 'reader'],
}
const reader: PolicyCredentials = { ...member, userId: 'bob', roles: ['reader'] }
const domainManager: PolicyCredentials = { userId: 'dm', userDomainId: 'd1', domainId: 'd1', roles: ['manager', 'member', 'reader'] }
const domainAdmin: PolicyCredentials = { userId: 'da', userDomainId: 'd1', domainId: 'd1', roles: ['admin', 'manager', 'member', 'reader'] }
const service: PolicyCredentials = { userId: 'nova', projectId: 'service', roles: ['service'] }

const userTarget = (id: string, domainId: string) => ({ user_id: id, target: { user: { id, domain_id: domainId } } })

describe('identityPolicies', () => {
  it('parses every rule and defines the core actions', () => {
    assert.equal(enforcer.rules().length, Object.keys(identityPolicies).length)
    for (const action of [
      'identity:check_token', 'identity:validate_token', 'identity:revoke_token', 'identity:get_auth_catalog',
      'identity:get_auth_projects', 'identity:get_auth_domains', 'identity:get_auth_system', 'identity:create_domain',
      'identity:list_user_projects', 'identity:get_project_tag', 'identity:create_user', 'identity:add_user_to_group',
      'identity:list_groups_for_user', 'identity:get_domain_role', 'identity:create_implied_role',
      'identity:check_grant', 'identity:check_system_grant_for_user', 'identity:list_role_assignments_for_tree',
      'identity:create_region', 'identity:create_service', 'identity:create_endpoint', 'identity:create_credential',
      'identity:list_application_credentials', 'admin_required', 'service_admin_or_token_subject',
    ]) {
      assert.ok(identityPolicies[action], action)
    }
  })

  it('lets a system admin and a project-scoped cloud admin create users; not members or readers', () => {
    const target = { target: { user: { name: 'new', domain_id: 'd1' } } }
    assert.equal(allow('identity:create_user', target, systemAdmin), true)
    assert.equal(allow('identity:create_user', target, cloudAdmin), true)
    assert.equal(allow('identity:create_user', target, member), false)
    assert.equal(allow('identity:create_user', target, reader), false)
    assert.equal(allow('identity:create_user', target, systemReader), false)
  })

  it('lets a domain manager manage users only in its own domain', () => {
    assert.equal(allow('identity:create_user', { target: { user: { domain_id: 'd1' } } }, domainManager), true)
    assert.equal(allow('identity:create_user', { target: { user: { domain_id: 'd2' } } }, domainManager), false)
    assert.equal(allow('identity:update_user', userTarget('x', 'd1'), domainManager), true)
  })

  it('keeps readers read-only', () => {
    assert.equal(allow('identity:list_users', {}, systemReader), true)
    assert.equal(allow('identity:get_user', userTarget('x', 'd9'), systemReader), true)
    assert.equal(allow('identity:update_user', userTarget('x', 'd9'), systemReader), false)
    assert.equal(allow('identity:create_project', { target: { project: { domain_id: 'd1' } } }, reader), false)
    assert.equal(allow('identity:delete_user', userTarget('bob', 'd1'), reader), false)
  })

  it('lets a user get itself but not others', () => {
    assert.equal(allow('identity:get_user', userTarget('alice', 'd1'), member), true)
    assert.equal(allow('identity:get_user', userTarget('carol', 'd1'), member), false)
    assert.equal(allow('identity:update_user', userTarget('alice', 'd1'), member), false)
  })

  it('has no policy for self-service password change (Keystone leaves that API unenforced)', () => {
    assert.deepEqual(Object.keys(identityPolicies).filter((k) => k.includes('password')), [])
  })

  it('lets a member list only its own application credentials', () => {
    assert.equal(allow('identity:list_application_credentials', { user_id: 'alice' }, member), true)
    assert.equal(allow('identity:list_application_credentials', { user_id: 'carol' }, member), false)
    assert.equal(allow('identity:list_application_credentials', { user_id: 'carol' }, systemReader), true)
    assert.equal(allow('identity:create_application_credential', { user_id: 'alice' }, member), true)
    assert.equal(allow('identity:create_application_credential', { user_id: 'alice' }, { ...member, projectId: undefined, domainId: 'd1' }), false)
  })

  it('lets token subjects check and revoke their own tokens; services validate any', () => {
    const own = { target: { token: { user_id: 'alice' } } }
    const other = { target: { token: { user_id: 'carol' } } }
    assert.equal(allow('identity:check_token', own, member), true)
    assert.equal(allow('identity:revoke_token', own, member), true)
    assert.equal(allow('identity:check_token', other, member), false)
    assert.equal(allow('identity:validate_token', other, service), true)
    assert.equal(allow('identity:validate_token', other, systemReader), true)
  })

  it('guards projects, including root domains with a null domain_id', () => {
    const project = (id: string, domainId: string | null) => ({ target: { project: { id, domain_id: domainId } } })
    assert.equal(allow('identity:get_project', project('p1', 'd1'), reader), true)
    assert.equal(allow('identity:get_project', project('p2', 'd1'), reader), false)
    assert.equal(allow('identity:get_project', project('default', null), reader), false)
    assert.equal(allow('identity:get_project', project('p2', 'd1'), { ...domainManager, roles: ['reader'] }), true)
    assert.equal(allow('identity:create_project', project('new', 'd1'), domainManager), true)
    assert.equal(allow('identity:create_project', project('new', 'd2'), domainManager), false)
    assert.equal(allow('identity:get_project_tag', project('p1', 'd1'), member), true)
  })

  it('treats the admin role as global, whatever the scope (admin_required = role:admin)', () => {
    const grant = { target: { user: { domain_id: 'd2' }, project: { domain_id: 'd2' }, role: { name: 'admin', domain_id: 'd3' } } }
    assert.equal(allow('identity:create_grant', grant, domainAdmin), true)
    assert.equal(allow('identity:create_user', { target: { user: { domain_id: 'd2' } } }, domainAdmin), true)
  })

  it('enforces scope types', () => {
    assert.equal(allow('identity:create_domain', {}, domainAdmin), false)
    assert.equal(allow('identity:create_domain', {}, cloudAdmin), true)
    assert.equal(allow('identity:create_trust', { target: { trust: { trustor_user_id: 'admin' } } }, systemAdmin), false)
  })

  it('limits which roles a domain manager may grant', () => {
    const grant = (roleName: string, roleDomain: string | null = null) => ({
      target: { user: { id: 'u', domain_id: 'd1' }, project: { id: 'p1', domain_id: 'd1' }, role: { name: roleName, domain_id: roleDomain } },
    })
    assert.equal(allow('identity:create_grant', grant('member'), domainManager), true)
    assert.equal(allow('identity:create_grant', grant('admin'), domainManager), false)
    assert.equal(allow('identity:create_grant', grant('manager'), domainManager), true)
    assert.equal(allow('identity:create_grant', grant('member', 'd2'), domainManager), true)
    assert.equal(allow('identity:check_grant', grant('member'), { ...domainManager, roles: ['reader'] }), true)
    assert.equal(allow('identity:list_roles', {}, domainManager), true)
    assert.equal(allow('identity:list_roles', {}, { ...member, roles: ['manager'] }), false)
  })

  it('allows regions and the auth catalog to anyone, but only admins to change them', () => {
    assert.equal(allow('identity:list_regions', {}, reader), true)
    assert.equal(allow('identity:get_auth_catalog', {}, reader), true)
    assert.equal(allow('identity:create_region', {}, reader), false)
    assert.equal(allow('identity:create_region', {}, cloudAdmin), true)
  })
})
