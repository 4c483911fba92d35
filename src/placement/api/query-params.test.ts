import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PlacementBadRequest } from '../errors.ts'
import type { PlacementRequest } from './context.ts'
import { parseMemberOf, parseResources, parseTraits } from './query-params.ts'

const req = (qs: string, minor = 39) => ({ query: new URLSearchParams(qs), ctx: { minor } }) as unknown as PlacementRequest

test('resources: amounts by class, with placement messages for bad forms', () => {
  assert.deepEqual([...parseResources('VCPU:2,MEMORY_MB:512')], [['VCPU', 2], ['MEMORY_MB', 512]])
  assert.throws(() => parseResources(''), /Got: empty string/)
  assert.throws(() => parseResources('VCPU'), /Badly formed resources parameter.*Got: VCPU\./)
  assert.throws(() => parseResources('VCPU:x'), /expected positive integer amount. Got: x/)
  assert.throws(() => parseResources('VCPU:0'), /requires amount >= 1. Got: 0/)
})

test('required: AND of traits, forbidden from 1.22, any-of and repetition from 1.39', () => {
  assert.deepEqual(parseTraits(req('required=A,!B&required=in:C,D'), 'required'), { required: [['A'], ['C', 'D']], forbidden: ['B'] })
  // Before 1.39 only the last value counts and in: is refused.
  assert.deepEqual(parseTraits(req('required=A&required=B', 38), 'required'), { required: [['B']], forbidden: [] })
  assert.throws(() => parseTraits(req('required=in:A,B', 38), 'required'), /only supported since microversion 1.39/)
  assert.throws(() => parseTraits(req('required=!A', 21), 'required'), PlacementBadRequest)
  assert.throws(() => parseTraits(req('required=A,,B'), 'required'), /Got an empty trait/)
})

test('member_of: any-of sets, forbidden from 1.32, repetition from 1.24', () => {
  const [a, b] = ['8e1b0a3c-1d1e-4f37-9a4e-0b3c4d5e6f70', '9f2c1b4d-2e2f-4a48-8b5f-1c4d5e6f7a81']
  assert.deepEqual(parseMemberOf(req(`member_of=in:${a},${b}&member_of=!${b}`), 'member_of'), { required: [[a, b]], forbidden: [b] })
  assert.throws(() => parseMemberOf(req(`member_of=${a}&member_of=${b}`, 23), 'member_of'), /Multiple member_of parameters/)
  assert.throws(() => parseMemberOf(req(`member_of=!${a}`, 31), 'member_of'), /Forbidden member_of parameters/)
  assert.throws(() => parseMemberOf(req('member_of=not-a-uuid'), 'member_of'), /valid UUID/)
})
