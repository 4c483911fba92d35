import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BadVersion, UnacceptableVersion } from '../errors.ts'
import { requestedMinor } from './microversion.ts'

test('microversion negotiation follows microversion_parse', () => {
  assert.equal(requestedMinor({}), 0)
  assert.equal(requestedMinor({ 'openstack-api-version': 'placement 1.12' }), 12)
  assert.equal(requestedMinor({ 'openstack-api-version': 'placement latest' }), 39)
  assert.equal(requestedMinor({ 'openstack-api-version': 'compute 2.1, placement 1.5' }), 5)
  assert.equal(requestedMinor({ 'openstack-api-version': 'compute 2.1' }), 0)
  assert.throws(() => requestedMinor({ 'openstack-api-version': 'placement 1.40' }), UnacceptableVersion)
  assert.throws(() => requestedMinor({ 'openstack-api-version': 'placement 2.0' }), UnacceptableVersion)
  assert.throws(() => requestedMinor({ 'openstack-api-version': 'placement 1' }), BadVersion)
  assert.throws(() => requestedMinor({ 'openstack-api-version': 'placement x.y' }), BadVersion)
})
