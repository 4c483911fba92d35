import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { evaluateRule, lookupTarget, pythonStr, substitute } from './evaluate-rule.ts'
import { parseRule, parseTemplate } from './parse-rule.ts'

const noRules = () => undefined
const check = (rule: string, target: Record<string, unknown>, creds: Record<string, unknown>) =>
  evaluateRule(parseRule(rule), target, creds, noRules)

describe('pythonStr', () => {
  it('renders values like Python str()', () => {
    assert.equal(pythonStr('abc'), 'abc')
    assert.equal(pythonStr(true), 'True')
    assert.equal(pythonStr(false), 'False')
    assert.equal(pythonStr(null), 'None')
    assert.equal(pythonStr(3), '3')
    assert.equal(pythonStr(0.5), '0.5')
    assert.equal(pythonStr(['a', 1]), "['a', 1]")
    assert.equal(pythonStr({ k: null }), "{'k': None}")
  })
})

describe('substitution', () => {
  const target = { project_id: 'p1', 'target.flat.id': 'flat', target: { user: { id: 'u1', domain_id: null } } }

  it('prefers a literal flattened key, then walks the dotted path', () => {
    assert.equal(lookupTarget(target, 'project_id'), 'p1')
    assert.equal(lookupTarget(target, 'target.flat.id'), 'flat')
    assert.equal(lookupTarget(target, 'target.user.id'), 'u1')
    assert.equal(lookupTarget(target, 'target.user.domain_id'), null)
  })

  it('returns undefined when any referenced key is missing', () => {
    assert.equal(substitute(parseTemplate('%(target.user.id)s'), target), 'u1')
    assert.equal(substitute(parseTemplate('%(target.user.domain_id)s'), target), 'None')
    assert.equal(substitute(parseTemplate('%(target.user.name)s'), target), undefined)
    assert.equal(substitute(parseTemplate('%(target.nope.id)s'), target), undefined)
    assert.equal(substitute(parseTemplate('x-%(project_id)s'), target), 'x-p1')
  })
})

describe('evaluateRule: generic checks', () => {
  const creds = {
    user_id: 'u1', project_id: 'p1', domain_id: null, system_scope: 'all', is_admin: true,
    roles: ['Admin', 'reader'], token: { is_admin_project: true, project: { domain: { id: 'd1' } } },
    groups: [{ id: 'g1' }, { id: 'g2' }],
  }

  it('compares the credential at the dotted path with the substituted value', () => {
    assert.equal(check('project_id:%(project_id)s', { project_id: 'p1' }, creds), true)
    assert.equal(check('project_id:%(project_id)s', { project_id: 'p2' }, creds), false)
    assert.equal(check('token.project.domain.id:%(target.domain.id)s', { target: { domain: { id: 'd1' } } }, creds), true)
    assert.equal(check('token.is_admin_project:True', {}, creds), true)
    assert.equal(check('system_scope:all', {}, creds), true)
  })

  it('fails when the target key is missing, even under not', () => {
    assert.equal(check('user_id:%(target.user.id)s', {}, creds), false)
    assert.equal(check('not user_id:%(target.user.id)s', {}, creds), true)
  })

  it('fails when the credential path is missing or not traversable', () => {
    assert.equal(check('nope:x', {}, creds), false)
    assert.equal(check('user_id.deeper:x', {}, creds), false)
    assert.equal(check('token.domain.id:d1', {}, creds), false)
  })

  it('matches None against null credentials and null target values', () => {
    assert.equal(check('domain_id:None', {}, creds), true)
    assert.equal(check('None:%(target.role.domain_id)s', { target: { role: { domain_id: null } } }, creds), true)
    assert.equal(check('None:%(target.role.domain_id)s', { target: { role: { domain_id: 'd1' } } }, creds), false)
    assert.equal(check('None:%(target.role.domain_id)s', { target: { role: {} } }, creds), false)
  })

  it('uses Python spellings of booleans (is_admin:1 does not match True)', () => {
    assert.equal(check('is_admin:True', {}, creds), true)
    assert.equal(check('is_admin:1', {}, creds), false)
    assert.equal(check('is_admin:1', {}, { is_admin: 1 }), true)
  })

  it('matches lists if any element matches', () => {
    assert.equal(check('roles:reader', {}, creds), true)
    assert.equal(check('roles:Admin', {}, creds), true)
    assert.equal(check('roles:admin', {}, creds), false)
    assert.equal(check('groups.id:%(g)s', { g: 'g2' }, creds), true)
    assert.equal(check('groups.id:%(g)s', { g: 'g3' }, creds), false)
  })

  it('compares literal kinds with the substituted value', () => {
    assert.equal(check("'member':%(target.role.name)s", { target: { role: { name: 'member' } } }, creds), true)
    assert.equal(check("'member':%(target.role.name)s", { target: { role: { name: 'admin' } } }, creds), false)
    assert.equal(check('True:%(enabled)s', { enabled: true }, creds), true)
    assert.equal(check('True:%(enabled)s', { enabled: 'true' }, creds), false)
  })
})

describe('evaluateRule: role checks', () => {
  it('is case-insensitive and supports substitution', () => {
    const creds = { roles: ['Admin', 'member'] }
    assert.equal(check('role:admin', {}, creds), true)
    assert.equal(check('role:MEMBER', {}, creds), true)
    assert.equal(check('role:reader', {}, creds), false)
    assert.equal(check('role:%(r)s', { r: 'admin' }, creds), true)
    assert.equal(check('role:%(r)s', {}, creds), false)
    assert.equal(check('role:admin', {}, {}), false)
  })
})

describe('evaluateRule: rule references', () => {
  const rules = new Map([
    ['yes', parseRule('@')],
    ['self', parseRule('rule:self')],
    ['ping', parseRule('rule:pong')],
    ['pong', parseRule('rule:ping or rule:yes')],
  ])
  const resolve = (name: string) => rules.get(name)

  it('resolves references and fails closed on unknown names', () => {
    assert.equal(evaluateRule(parseRule('rule:yes'), {}, {}, resolve), true)
    assert.equal(evaluateRule(parseRule('rule:missing'), {}, {}, resolve), false)
  })

  it('treats cyclic references as false instead of recursing', () => {
    assert.equal(evaluateRule(parseRule('rule:self'), {}, {}, resolve), false)
    assert.equal(evaluateRule(parseRule('rule:ping'), {}, {}, resolve), true)
    assert.equal(evaluateRule(parseRule('rule:self or rule:yes'), {}, {}, resolve), true)
  })

  it('allows the same rule twice in one expression (not a cycle)', () => {
    assert.equal(evaluateRule(parseRule('rule:yes and rule:yes'), {}, {}, resolve), true)
  })
})
