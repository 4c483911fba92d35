import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatRule, parseRule, parseTemplate, PolicyParseError } from './parse-rule.ts'

const fmt = (rule: string) => formatRule(parseRule(rule))

describe('parseRule: atoms', () => {
  it('parses @, ! and the empty rule', () => {
    assert.deepEqual(parseRule('@'), { type: 'always' })
    assert.deepEqual(parseRule('!'), { type: 'never' })
    assert.deepEqual(parseRule(''), { type: 'always' })
  })

  it('parses rule: and role: checks', () => {
    assert.deepEqual(parseRule('rule:admin_required'), { type: 'rule', name: 'admin_required' })
    assert.deepEqual(parseRule('role:admin'), { type: 'role', match: 'admin', role: ['admin'] })
    assert.deepEqual(parseRule('role:compute:admin'), { type: 'role', match: 'compute:admin', role: ['compute:admin'] })
  })

  it('parses generic checks with credential paths and substitutions', () => {
    assert.deepEqual(parseRule('project_id:%(project_id)s'), {
      type: 'generic', kind: 'project_id', match: '%(project_id)s',
      subject: { path: ['project_id'] }, value: [{ ref: 'project_id' }],
    })
    const ast = parseRule('token.is_admin_project:True')
    assert.equal(ast.type, 'generic')
    assert.deepEqual(ast.type === 'generic' && ast.subject, { path: ['token', 'is_admin_project'] })
    assert.deepEqual(ast.type === 'generic' && ast.value, ['True'])
  })

  it('treats Python literals on the left as literals', () => {
    const subject = (rule: string) => {
      const ast = parseRule(rule)
      return ast.type === 'generic' ? ast.subject : undefined
    }
    assert.deepEqual(subject("'member':%(target.role.name)s"), { literal: 'member' })
    assert.deepEqual(subject('"x-y":%(a)s'), { literal: 'x-y' })
    assert.deepEqual(subject('True:%(user.enabled)s'), { literal: 'True' })
    assert.deepEqual(subject('None:%(target.role.domain_id)s'), { literal: 'None' })
    assert.deepEqual(subject('42:%(n)s'), { literal: '42' })
    assert.deepEqual(subject('1.0:%(n)s'), { literal: '1.0' })
    assert.deepEqual(subject('1e3:%(n)s'), { literal: '1000.0' })
    assert.deepEqual(subject('is_admin:1'), { path: ['is_admin'] })
  })
})

describe('parseRule: operators', () => {
  it('gives not > and > or precedence', () => {
    assert.equal(fmt('a:1 or b:2 and c:3'), '(a:1 or (b:2 and c:3))')
    assert.equal(fmt('a:1 and b:2 or c:3 and d:4'), '((a:1 and b:2) or (c:3 and d:4))')
    assert.equal(fmt('not a:1 and b:2'), '(not a:1 and b:2)')
    assert.equal(fmt('not a:1 or b:2'), '(not a:1 or b:2)')
    assert.equal(fmt('a:1 and not b:2 or c:3'), '((a:1 and not b:2) or c:3)')
    assert.equal(fmt('not not a:1'), 'not not a:1')
  })

  it('flattens chains into n-ary nodes', () => {
    assert.equal(fmt('a:1 or b:2 and c:3 and d:4 or e:5'), '(a:1 or (b:2 and c:3 and d:4) or e:5)')
  })

  it('honours parentheses, including ones glued to checks', () => {
    assert.equal(fmt('(a:1 or b:2) and c:3'), '((a:1 or b:2) and c:3)')
    assert.equal(fmt('((a:1 or b:2)) and not (c:3)'), '((a:1 or b:2) and not c:3)')
    assert.equal(
      fmt('(role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s)'),
      '((role:reader and system_scope:all) or user_id:%(target.trust.trustor_user_id)s)',
    )
  })

  it('accepts keywords in any case and extra whitespace', () => {
    assert.equal(fmt('  a:1   AND\tb:2 Or NOT c:3 '), '((a:1 and b:2) or not c:3)')
  })

  it('rejects malformed rules', () => {
    for (const bad of [
      'a:1 and', 'or a:1', 'a:1 b:2', '(a:1', 'a:1)', '()', 'not', 'noColon', '"quoted"', '   ',
      'http:/x', ':x',
    ]) {
      assert.throws(() => parseRule(bad), PolicyParseError, bad)
    }
  })
})

describe('parseTemplate', () => {
  it('splits literal text and %(key)s references', () => {
    assert.deepEqual(parseTemplate('plain'), ['plain'])
    assert.deepEqual(parseTemplate(''), [''])
    assert.deepEqual(parseTemplate('%(target.user.id)s'), [{ ref: 'target.user.id' }])
    assert.deepEqual(parseTemplate('a%(x)s-%(y)sz'), ['a', { ref: 'x' }, '-', { ref: 'y' }, 'z'])
    assert.deepEqual(parseTemplate('100%%'), ['100%'])
  })
})
