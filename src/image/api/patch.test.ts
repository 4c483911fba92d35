import { test } from 'node:test'
import assert from 'node:assert/strict'
import { imageConfigSchema, type ImageConfig } from '../config.ts'
import { parsePatch, patchDraft } from './patch.ts'
import { imageSchemas } from './schemas.ts'

const defaults = Object.fromEntries(Object.entries(imageConfigSchema.properties!).map(([k, v]) => [k, v.default])) as unknown as ImageConfig
const schemas = imageSchemas(defaults)

test('media types pick the draft; anything else is a 415 naming both', () => {
  assert.equal(patchDraft('application/openstack-images-v2.1-json-patch; charset=utf-8'), 10)
  assert.equal(patchDraft('application/openstack-images-v2.0-json-patch'), 4)
  assert.throws(() => patchDraft('application/json-patch+json'), (e: any) => e.status === 415 && /v2\.0-json-patch, application/.test(e.headers['Accept-Patch']))
})

test('both drafts decode to the same changes', () => {
  const d10 = parsePatch(10, [{ op: 'add', path: '/locations/-', value: { url: 'x', metadata: {} } }, { op: 'remove', path: '/a~1b' }], schemas)
  const d4 = parsePatch(4, [{ add: '/locations/-', value: { url: 'x', metadata: {} } }, { remove: '/a~1b' }], schemas)
  assert.deepEqual(d10.map((c) => [c.op, c.path]), [['add', ['locations', '-']], ['remove', ['a/b']]])
  assert.deepEqual(d4.map((c) => [c.op, c.path]), d10.map((c) => [c.op, c.path]))
})

test('values are checked against the image schema; custom properties must be strings', () => {
  assert.throws(() => parsePatch(10, [{ op: 'add', path: '/foo', value: 1 }], schemas), /1 is not of type 'string'/)
  assert.throws(() => parsePatch(10, [{ op: 'replace', path: '/min_ram', value: 'x' }], schemas), /'x' is not of type 'integer'/)
  assert.throws(() => parsePatch(10, [{ op: 'replace', path: '/tags', value: ['x'.repeat(256)] }], schemas), /is too long/)
  assert.equal(parsePatch(10, [{ op: 'replace', path: '/name', value: null }], schemas).length, 1)
})

test('pointer rules', () => {
  for (const [path, message] of [['', 'does not start'], ['/a//b', 'adjacent'], ['/a/', 'end with'], ['/a~', 'recognized escape']]) {
    assert.throws(() => parsePatch(10, [{ op: 'remove', path }], schemas), new RegExp(message), path)
  }
})
