import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dnsDomainProblem, py, toBoolean, toInt, uniqueStringsProblem } from './attribute-values.ts'

test("py() renders values as Neutron's messages show them", () => {
  assert.equal(py(null), 'None')
  assert.equal(py(true), 'True')
  assert.equal(py('x'), 'x')
  assert.equal(py(['a', 1]), "['a', 1]")
  assert.equal(py({ k: 'v' }), "{'k': 'v'}")
})

test('convert_to_boolean accepts what oslo accepts and nothing else', () => {
  for (const v of [true, 'true', 'True', 'yes', 'on', '1', 1, 't']) assert.equal(toBoolean(v), true, String(v))
  for (const v of [false, 'false', 'no', 'off', '0', 0, 'f']) assert.equal(toBoolean(v), false, String(v))
  for (const v of ['maybe', 2, null, [], {}]) {
    assert.throws(() => toBoolean(v), { status: 400, title: 'InvalidInput', message: `Invalid input for operation: '${py(v)}' cannot be converted to boolean.` })
  }
})

test('convert_to_int is Python int(): numbers truncate, numeric strings parse', () => {
  assert.equal(toInt(1500), 1500)
  assert.equal(toInt(1500.9), 1500)
  assert.equal(toInt(' 42 '), 42)
  assert.equal(toInt(true), 1)
  for (const v of ['1.5', 'x', null, []]) assert.throws(() => toInt(v), { status: 400, title: 'InvalidInput' })
})

test('list of unique strings and DNS domains', () => {
  assert.equal(uniqueStringsProblem(['a', 'b']), undefined)
  assert.equal(uniqueStringsProblem(['a', 'a']), "Duplicate items in the list: 'a'")
  assert.equal(uniqueStringsProblem('a'), "'a' is not a list")
  assert.equal(uniqueStringsProblem(['x'.repeat(3)], 2), "'xxx' exceeds maximum length of 2")
  for (const ok of ['', 'example.org', 'example.org.', 'my-zone']) assert.equal(dnsDomainProblem(ok), undefined, ok)
  assert.match(dnsDomainProblem('-bad.org')!, /must not start or end with a hyphen/)
  assert.match(dnsDomainProblem('a.123')!, /TLD '123' must not be all numeric/)
  assert.match(dnsDomainProblem('a_b.org')!, /must be 1-63 characters long/)
})
