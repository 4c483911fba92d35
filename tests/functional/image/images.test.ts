import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { activeImage, createImage, messageOf, patchV20, patchV21, projectOf } from './image-test-kit.ts'

describe('image create, show, update and delete', () => {
  let cloud: TestCloud
  let image: ApiClient
  let demoProject: string
  before(async () => {
    cloud = await startTestCloud({ services: ['image'] })
    const demo = await cloud.demo()
    image = cloud.service('image', demo)
    demoProject = projectOf(demo)
  })
  after(() => cloud.stop())

  test('version discovery answers 300 at the root and 200 at /versions, without a token', async () => {
    const anonymous = cloud.service('image')
    const root = await anonymous.get('/')
    assert.equal(root.status, 300)
    const current = root.body.versions.find((v: any) => v.status === 'CURRENT')
    assert.equal(current.id, 'v2.15')
    assert.equal(current.links[0].href, `${cloud.urls.image}/v2/`)
    assert.ok(root.body.versions.some((v: any) => v.id === 'v2.0'))
    assert.equal((await anonymous.get('/versions')).status, 200)
    const denied = await anonymous.get('/v2/images')
    assert.equal(denied.status, 401)
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Keystone uri=/)
  })

  test('schemas list Glance\'s properties, the configured formats and the custom properties', async () => {
    const schema = (await image.get('/v2/schemas/image')).body
    assert.equal(schema.name, 'image')
    assert.deepEqual(schema.additionalProperties, { type: 'string' })
    assert.ok(schema.properties.disk_format.enum.includes('qcow2'))
    assert.equal(schema.properties.disk_format.enum[0], null)
    assert.equal(schema.properties.kernel_id.is_base, false)
    for (const key of ['id', 'name', 'status', 'visibility', 'os_hidden', 'os_hash_value', 'locations', 'tags', 'min_ram']) {
      assert.ok(key in schema.properties, key)
    }
    const images = (await image.get('/v2/schemas/images')).body
    assert.equal(images.name, 'images')
    assert.equal(images.properties.images.items.name, 'image')
    assert.deepEqual((await image.get('/v2/schemas/member')).body.properties.status.enum, ['pending', 'accepted', 'rejected'])
    assert.equal((await image.get('/v2/schemas/members')).body.name, 'members')
    assert.equal((await image.get('/v2/schemas/nothing')).status, 404)
  })

  test('create: Glance\'s defaults, custom properties as top-level keys, tags, headers', async () => {
    const res = await image.post('/v2/images', {
      name: 'cirros', disk_format: 'qcow2', container_format: 'bare', tags: ['b', 'a', 'b'], os_distro: 'cirros',
      ramdisk_id: '00000000-1111-2222-3333-444455556666',
    })
    assert.equal(res.status, 201)
    const img = res.body
    assert.equal(res.headers.get('location'), `${cloud.urls.image}/v2/images/${img.id}`)
    assert.equal(res.headers.get('openstack-image-import-methods'), 'glance-direct,copy-image')
    assert.equal(res.headers.get('openstack-image-store-ids'), 'file')
    assert.equal(img.status, 'queued')
    assert.equal(img.visibility, 'shared')
    assert.equal(img.owner, demoProject)
    assert.equal(img.protected, false)
    assert.equal(img.os_hidden, false)
    assert.equal(img.min_disk, 0)
    assert.equal(img.size, null)
    assert.equal(img.checksum, null)
    assert.equal(img.os_distro, 'cirros')
    assert.deepEqual(img.tags, ['a', 'b'])
    assert.equal(img.self, `/v2/images/${img.id}`)
    assert.equal(img.file, `/v2/images/${img.id}/file`)
    assert.equal(img.schema, '/v2/schemas/image')
    assert.match(img.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.ok(!('direct_url' in img) && !('locations' in img))
    assert.deepEqual((await image.get(`/v2/images/${img.id}`)).body, img)
  })

  test('create with a chosen id; the id is never reused, even after delete', async () => {
    const id = randomUUID()
    await createImage(image, { id })
    const again = await image.post('/v2/images', { id })
    assert.equal(again.status, 409)
    assert.equal(again.body.code, '409 Conflict')
    assert.equal(messageOf(again.body), `Image ID ${id} already exists!`)
    assert.equal((await image.delete(`/v2/images/${id}`)).status, 204)
    assert.equal((await image.post('/v2/images', { id })).status, 409)
  })

  test('bad create bodies are refused with Glance\'s status and message, and create nothing', async () => {
    const before = (await image.get('/v2/images?limit=1000')).body.images.length
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ container_format: 'wrong', disk_format: 'vhd' }, 400, /^Provided object does not match schema 'image': 'wrong' is not one of \[None, 'ami'/],
      [{ disk_format: 'wrong' }, 400, /does not match schema 'image'/],
      [{ name: 'x'.repeat(256) }, 400, /is too long/],
      [{ min_ram: 'big' }, 400, /'big' is not of type 'integer'/],
      [{ min_disk: -1 }, 400, /^Invalid value '-1' for parameter 'min_disk': Cannot be a negative value$/],
      [{ foo: 5 }, 400, /5 is not of type 'string'/],
      [{ kernel_id: 'not-a-uuid' }, 400, /does not match/],
      [{ id: 'not-a-uuid' }, 400, /does not match/],
      [{ status: 'active' }, 403, /^Attribute 'status' is read-only\.$/],
      [{ size: 5 }, 403, /^Attribute 'size' is read-only\.$/],
      [{ self: '/x' }, 403, /^Attribute 'self' is read-only\.$/],
      [{ os_glance_foo: 'bar' }, 403, /^Attribute 'os_glance_foo' is reserved\.$/],
      [{ deleted: 'true' }, 403, /^Attribute 'deleted' is reserved\.$/],
      [{ owner: randomUUID() }, 403, /^You are not permitted to create images owned by/],
      [{ visibility: 'public' }, 403, /^You are not authorized to complete publicize_image action\.$/],
    ]
    for (const [body, status, message] of cases) {
      const res = await image.post('/v2/images', body)
      assert.equal(res.status, status, JSON.stringify(body))
      assert.match(messageOf(res.body), message, JSON.stringify(body))
    }
    const malformed = await image.request('POST', '/v2/images', '{"name": ')
    assert.equal(malformed.status, 400)
    assert.equal((await image.get('/v2/images?limit=1000')).body.images.length, before)
  })

  test('errors have webob\'s JSON shape', async () => {
    const id = randomUUID()
    const res = await image.get(`/v2/images/${id}`)
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, { message: `No image found with ID ${id}<br /><br />\n\n\n`, code: '404 Not Found', title: 'Not Found' })
    assert.equal((await image.get('/v2/images/')).status, 404)
    assert.equal((await image.delete('/v2/images/')).status, 404)
    assert.equal((await image.get(`/v2/images/${'x'.repeat(40)}`)).status, 404)
  })

  test('PATCH with both media types: replace, add, remove; updated_at moves; the image answers', async () => {
    const img = await createImage(image, { name: 'before', os_distro: 'debian' })
    await new Promise((r) => setTimeout(r, 1100))
    const v21 = await image.patch(`/v2/images/${img.id}`, [
      { op: 'replace', path: '/name', value: 'after' },
      { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
      { op: 'add', path: '/os_distro', value: 'fedora' },
      { op: 'replace', path: '/tags', value: ['x', 'y'] },
      { op: 'replace', path: '/min_ram', value: 512 },
      { op: 'replace', path: '/protected', value: true },
    ], patchV21)
    assert.equal(v21.status, 200, JSON.stringify(v21.body))
    assert.equal(v21.body.name, 'after')
    assert.equal(v21.body.hw_disk_bus, 'virtio')
    assert.equal(v21.body.os_distro, 'fedora')
    assert.deepEqual(v21.body.tags, ['x', 'y'])
    assert.equal(v21.body.min_ram, 512)
    assert.equal(v21.body.protected, true)
    assert.notEqual(v21.body.updated_at, img.updated_at)
    const v20 = await image.patch(`/v2/images/${img.id}`, [{ remove: '/hw_disk_bus' }, { replace: '/protected', value: false }], patchV20)
    assert.equal(v20.status, 200)
    assert.ok(!('hw_disk_bus' in v20.body))
    assert.deepEqual((await image.get(`/v2/images/${img.id}`)).body, v20.body)
    // JSON pointer escapes: ~1 is '/', ~0 is '~'.
    const escaped = await image.patch(`/v2/images/${img.id}`, [{ op: 'add', path: '/a~1b~0c', value: 'v' }], patchV21)
    assert.equal(escaped.body['a/b~c'], 'v')
  })

  test('bad patches: Glance\'s statuses and messages, and nothing changes', async () => {
    const img = await activeImage(image, { name: 'keep', os_distro: 'debian' })
    const url = `/v2/images/${img.id}`
    const wrongType = await image.patch(url, [{ op: 'replace', path: '/name', value: 'x' }], { 'content-type': 'application/json' })
    assert.equal(wrongType.status, 415)
    assert.equal(wrongType.headers.get('accept-patch'),
      'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch')
    assert.match(messageOf(wrongType.body), /Image PATCH expects Content-Type one of/)
    const cases: Array<[unknown, Record<string, string>, number, string]> = [
      [{ op: 'replace' }, patchV21, 400, 'Request body must be a JSON array of operation objects.'],
      [['x'], patchV21, 400, 'Operations must be JSON objects.'],
      [[{ path: '/name', value: 'x' }], patchV21, 400, 'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.'],
      [[{ op: 'move', path: '/name', value: 'x' }], patchV21, 400, 'Invalid operation: `move`. It must be one of the following: add, remove, replace.'],
      [[{ op: 'replace', value: 'x' }], patchV21, 400, "Unable to find 'path' in JSON Schema change"],
      [[{ op: 'replace', path: 'name', value: 'x' }], patchV21, 400, 'Pointer `name` does not start with "/".'],
      [[{ op: 'replace', path: '/name/x', value: 'x' }], patchV21, 400, "Invalid JSON pointer for this resource: '/name/x'"],
      [[{ op: 'replace', path: '/a~2', value: 'x' }], patchV21, 400, 'Pointer `/a~2` contains "~" not part of a recognized escape sequence.'],
      [[{ op: 'replace', path: '/name' }], patchV21, 400, 'Operation "replace" requires a member named "value".'],
      [[{ op: 'replace', path: '/visibility', value: 'galaxy' }], patchV21, 400, "Provided object does not match schema 'image': 'galaxy' is not one of ['community', 'public', 'private', 'shared']\n\nFailed validating 'enum' on instance['visibility']"],
      [[{ replace: '/name', add: '/name', value: 'x' }], patchV20, 400, 'Operation objects must contain only one member named "add", "remove", or "replace".'],
      [[{ op: 'replace', path: '/status', value: 'active' }], patchV21, 403, "Attribute 'status' is read-only."],
      [[{ op: 'replace', path: '/checksum', value: 'x' }], patchV21, 403, "Attribute 'checksum' is read-only."],
      [[{ op: 'add', path: '/os_glance_x', value: 'x' }], patchV21, 403, "Attribute 'os_glance_x' is reserved."],
      [[{ op: 'replace', path: '/owner', value: 'someone' }], patchV21, 403, "Owner can't be updated by non admin."],
      [[{ op: 'replace', path: '/nothere', value: 'x' }], patchV21, 409, 'Property nothere does not exist.'],
      [[{ op: 'remove', path: '/nothere' }], patchV21, 409, 'Property nothere does not exist.'],
      [[{ op: 'remove', path: '/name' }], patchV21, 403, 'Property name may not be removed.'],
      [[{ add: '/os_distro', value: 'x' }], patchV20, 409, 'Property os_distro already present.'],
      [[{ op: 'replace', path: '/disk_format', value: 'qcow2' }], patchV21, 403, 'Attribute disk_format can be only replaced for a queued image.'],
      [[{ op: 'replace', path: '/min_disk', value: -2 }], patchV21, 400, "Invalid value '-2' for parameter 'min_disk': Cannot be a negative value"],
      [[{ op: 'replace', path: '/visibility', value: 'public' }], patchV21, 403, 'You are not authorized to complete publicize_image action.'],
      [[{ op: 'replace', path: '/locations', value: [] }], patchV21, 403, 'Cannot set locations to empty list.'],
      [[{ op: 'add', path: '/locations/-', value: { url: 'http://x', metadata: {} } }], patchV21, 403, "It's not allowed to add locations if locations are invisible."],
      // A valid change followed by a bad one: the valid one is not saved either.
      [[{ op: 'replace', path: '/name', value: 'changed' }, { op: 'replace', path: '/id', value: 'x' }], patchV21, 403, "Attribute 'id' is read-only."],
    ]
    for (const [body, headers, status, message] of cases) {
      const res = await image.patch(url, body, headers)
      assert.equal(res.status, status, JSON.stringify(body))
      assert.equal(messageOf(res.body), message.trim(), JSON.stringify(body))
    }
    const malformed = await image.request('PATCH', url, '[{"op": ', patchV21)
    assert.equal(malformed.status, 400)
    assert.equal(messageOf(malformed.body), 'Malformed JSON in request body.')
    assert.deepEqual((await image.get(url)).body, img)
  })

  test('delete: protected images stay, deleted ones are gone for good', async () => {
    const img = await createImage(image, { protected: true })
    const refused = await image.delete(`/v2/images/${img.id}`)
    assert.equal(refused.status, 403)
    assert.equal(messageOf(refused.body), `Image ${img.id} is protected and cannot be deleted.`)
    assert.equal((await image.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/protected', value: false }], patchV21)).status, 200)
    assert.equal((await image.delete(`/v2/images/${img.id}`)).status, 204)
    assert.equal((await image.get(`/v2/images/${img.id}`)).status, 404)
    const again = await image.delete(`/v2/images/${img.id}`)
    assert.equal(again.status, 404)
    assert.equal(messageOf(again.body), `Failed to find image ${img.id} to delete`)
    assert.ok(!(await image.get('/v2/images?limit=1000')).body.images.some((i: any) => i.id === img.id))
  })

  test('admin may create images for another project and give images away', async () => {
    const admin = cloud.service('image', await cloud.admin())
    const owner = randomUUID().replaceAll('-', '')
    const img = await createImage(admin, { owner })
    assert.equal(img.owner, owner)
    const other = randomUUID().replaceAll('-', '')
    const res = await admin.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/owner', value: other }], patchV21)
    assert.equal(res.status, 200)
    assert.equal((await admin.get(`/v2/images/${img.id}`)).body.owner, other)
    const published = await admin.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/visibility', value: 'public' }], patchV21)
    assert.equal(published.body.visibility, 'public')
  })
})
