import assert from 'node:assert/strict'
import { test } from 'node:test'
import { atLeast, MAX_VERSION, requestedVersion } from './microversion.ts'

test('no header is 2.1; latest is the maximum; both header spellings work', () => {
  assert.equal(requestedVersion({}).text, '2.1')
  assert.equal(requestedVersion({ 'openstack-api-version': 'compute latest' }).text, MAX_VERSION)
  assert.equal(requestedVersion({ 'openstack-api-version': 'image 2.5, compute 2.47' }).text, '2.47')
  assert.equal(requestedVersion({ 'x-openstack-nova-api-version': '2.26' }).text, '2.26')
})

test('out of range is 406, malformed is 400', () => {
  assert.throws(() => requestedVersion({ 'openstack-api-version': 'compute 2.999' }), (e: any) => e.status === 406)
  assert.throws(() => requestedVersion({ 'openstack-api-version': 'compute 1.0' }), (e: any) => e.status === 406)
  assert.throws(() => requestedVersion({ 'openstack-api-version': 'compute two' }), (e: any) => e.status === 400)
})

test('atLeast compares minor versions numerically', () => {
  const v = requestedVersion({ 'openstack-api-version': 'compute 2.10' })
  assert.ok(atLeast(v, '2.9'))
  assert.ok(atLeast(v, '2.10'))
  assert.ok(!atLeast(v, '2.11'))
})
