import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseVlanRanges, pickFreeId } from './ranges.ts'

test('network_vlan_ranges: physnets without ranges are provider-only, repeated physnets add up', () => {
  const r = parseVlanRanges(['physnet1:10:20', 'provider', ' physnet1:30:30 '])
  assert.deepEqual([...r.entries()], [['physnet1', [[10, 20], [30, 30]]], ['provider', []]])
})

test('pickFreeId skips taken ids and stays inside the ranges', () => {
  const taken = new Set([1, 2, 3, 5])
  for (let i = 0; i < 50; i++) {
    const id = pickFreeId([[1, 5], [9, 9]], taken)
    assert.ok(id === 4 || id === 9, String(id))
  }
  assert.equal(pickFreeId([[1, 3]], new Set([1, 2, 3])), undefined)
  assert.equal(pickFreeId([], new Set()), undefined)
  assert.equal(pickFreeId([[1, 100]], new Set(), () => 0), 1)
})
