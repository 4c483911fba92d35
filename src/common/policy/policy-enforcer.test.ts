import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  buildCredentialDict, createEnforcer, PolicyForbiddenError, tokenScope,
  type PolicyCredentials, type PolicyDefault,
} from './policy-enforcer.ts'

const defaults: Record<string, PolicyDefault> = {
  admin_required: { rule: 'role:admin or is_admin:1' },
  owner: { rule: 'user_id:%(user_id)s' },
  'svc:get_thing': { rule: 'rule:admin_required or project_id:%(target.thing.project_id)s', scopeTypes: ['project'] },
  'svc:list_all': { rule: 'role:reader and system_scope:all', scopeTypes: ['system'], description: 'List everything' },
  'svc:anyone': { rule: '' },
  'svc:nobody': { rule: '!' },
  'svc:loop': { rule: 'rule:svc:loop' },
  'svc:self_or_admin': { rule: 'rule:admin_required or rule:owner', scopeTypes: ['system', 'domain', 'project'] },
  'svc:domain_thing': { rule: 'role:admin and domain_id:%(target.domain.id)s', scopeTypes: ['domain'] },
  'svc:token_domain': { rule: 'token.project.domain.id:%(target.domain.id)s' },
}

const member: PolicyCredentials = { userId: 'u1', projectId: 'p1', projectDomainId: 'd1', roles: ['member', 'reader'] }
const projectAdmin: PolicyCredentials = { userId: 'a1', projectId: 'p9', roles: ['admin', 'member', 'reader'] }
const systemReader: PolicyCredentials = { userId: 's1', system: 'all', roles: ['reader'] }
const domainAdmin: PolicyCredentials = { userId: 'da', domainId: 'd1', roles: ['admin'] }
const thing = (projectId: string) => ({ target: { thing: { project_id: projectId } } })

describe('tokenScope and credentials', () => {
  it('derives scope like oslo.policy', () => {
    assert.equal(tokenScope(systemReader), 'system')
    assert.equal(tokenScope(domainAdmin), 'domain')
    assert.equal(tokenScope(member), 'project')
    assert.equal(tokenScope({ ...member, domainId: 'd1' }), 'project')
    assert.equal(tokenScope({ userId: 'x', roles: [] }), 'project')
  })

  it('builds a to_policy_values-style dict with a synthesized token', () => {
    const dict = buildCredentialDict({ ...member, is_admin: false })
    assert.equal(dict['user_id'], 'u1')
    assert.equal(dict['project_id'], 'p1')
    assert.equal(dict['domain_id'], null)
    assert.equal(dict['system_scope'], null)
    assert.equal(dict['is_admin_project'], true)
    assert.equal(dict['is_admin'], false)
    assert.deepEqual(dict['roles'], ['member', 'reader'])
    assert.deepEqual(dict['token'], {
      user: { id: 'u1' }, roles: [{ name: 'member' }, { name: 'reader' }],
      project: { id: 'p1', domain: { id: 'd1' } }, is_admin_project: true,
    })
    assert.deepEqual(buildCredentialDict(domainAdmin)['token'], {
      user: { id: 'da' }, roles: [{ name: 'admin' }], domain: { id: 'd1' },
    })
    assert.equal(buildCredentialDict(systemReader)['system'], 'all')
  })

  it('uses a provided token body verbatim', () => {
    const token = { is_admin_project: false }
    assert.equal(buildCredentialDict({ ...member, token })['token'], token)
  })
})

describe('createEnforcer.authorize', () => {
  const enforcer = createEnforcer(defaults)

  it('evaluates rules with references and target substitution', () => {
    assert.equal(enforcer.authorize('svc:get_thing', thing('p1'), member), true)
    assert.equal(enforcer.authorize('svc:get_thing', thing('p2'), member), false)
    assert.equal(enforcer.authorize('svc:get_thing', thing('p2'), projectAdmin), true)
    assert.equal(enforcer.authorize('svc:get_thing', {}, member), false)
  })

  it('returns false for undefined actions and for "!"; "" allows everyone', () => {
    assert.equal(enforcer.authorize('svc:unknown', {}, projectAdmin), false)
    assert.equal(enforcer.authorize('svc:nobody', {}, projectAdmin), false)
    assert.equal(enforcer.authorize('svc:anyone', {}, member), true)
  })

  it('enforces scope types before evaluating the rule', () => {
    assert.equal(enforcer.authorize('svc:list_all', {}, systemReader), true)
    assert.equal(enforcer.authorize('svc:list_all', {}, member), false)
    assert.equal(enforcer.authorize('svc:get_thing', thing('p1'), { ...systemReader, roles: ['admin'] }), false)
    assert.equal(enforcer.authorize('svc:domain_thing', { target: { domain: { id: 'd1' } } }, domainAdmin), true)
    assert.equal(enforcer.authorize('svc:domain_thing', { target: { domain: { id: 'd2' } } }, domainAdmin), false)
    assert.equal(enforcer.authorize('svc:domain_thing', { target: { domain: { id: 'd1' } } }, projectAdmin), false)
  })

  it('does not apply scope to rules without scopeTypes', () => {
    assert.equal(enforcer.authorize('admin_required', {}, systemReader), false)
    assert.equal(enforcer.authorize('admin_required', {}, { ...systemReader, roles: ['admin'] }), true)
  })

  it('checks token.* against the synthesized token', () => {
    const target = { target: { domain: { id: 'd1' } } }
    assert.equal(enforcer.authorize('svc:token_domain', target, member), true)
    assert.equal(enforcer.authorize('svc:token_domain', target, { ...member, projectDomainId: 'd2' }), false)
    assert.equal(enforcer.authorize('svc:token_domain', target, domainAdmin), false)
  })

  it('treats a self-referencing rule as false without hanging', () => {
    assert.equal(enforcer.authorize('svc:loop', {}, projectAdmin), false)
  })

  it('lets the owner through via rule:owner', () => {
    assert.equal(enforcer.authorize('svc:self_or_admin', { user_id: 'u1' }, member), true)
    assert.equal(enforcer.authorize('svc:self_or_admin', { user_id: 'u2' }, member), false)
  })
})

describe('createEnforcer: overrides, errors and listing', () => {
  it('replaces check strings but keeps default scope types; adds new rules', () => {
    const enforcer = createEnforcer(defaults, { 'svc:list_all': '@', 'custom:alias': 'rule:admin_required' })
    assert.equal(enforcer.authorize('svc:list_all', {}, { ...systemReader, roles: [] }), true)
    assert.equal(enforcer.authorize('svc:list_all', {}, member), false)
    assert.equal(enforcer.authorize('custom:alias', {}, projectAdmin), true)
    assert.equal(enforcer.authorize('custom:alias', {}, member), false)
  })

  it('lets overrides redefine base rules that defaults reference', () => {
    const enforcer = createEnforcer(defaults, { admin_required: 'role:superuser' })
    assert.equal(enforcer.authorize('svc:get_thing', thing('p2'), projectAdmin), false)
    assert.equal(enforcer.authorize('svc:get_thing', thing('p2'), { ...member, roles: ['SuperUser'] }), true)
  })

  it('throws at creation for malformed rules, naming the action', () => {
    assert.throws(() => createEnforcer({ 'svc:bad': { rule: 'role:a and' } }), /svc:bad/)
    assert.throws(() => createEnforcer(defaults, { 'svc:get_thing': '(role:a' }), /override.*svc:get_thing/)
  })

  it('enforce throws the configured error, or PolicyForbiddenError by default', () => {
    class Forbidden extends Error {}
    const custom = createEnforcer(defaults, {}, { forbidden: (action) => new Forbidden(`no ${action}`) })
    assert.throws(() => custom.enforce('svc:nobody', {}, member), (err: unknown) => {
      return err instanceof Forbidden && err.message === 'no svc:nobody'
    })
    assert.doesNotThrow(() => custom.enforce('svc:anyone', {}, member))
    const plain = createEnforcer(defaults)
    assert.throws(() => plain.enforce('svc:unknown', {}, member), PolicyForbiddenError)
  })

  it('lists the effective rules', () => {
    const rules = createEnforcer(defaults, { 'svc:anyone': 'role:x', extra: '@' }).rules()
    assert.equal(rules.length, Object.keys(defaults).length + 1)
    assert.deepEqual(rules.find((r) => r.name === 'svc:list_all'), {
      name: 'svc:list_all', rule: 'role:reader and system_scope:all', scopeTypes: ['system'],
      description: 'List everything', overridden: false,
    })
    assert.deepEqual(rules.find((r) => r.name === 'svc:anyone'), { name: 'svc:anyone', rule: 'role:x', overridden: true })
    assert.deepEqual(rules.at(-1), { name: 'extra', rule: '@', overridden: true })
  })
})
