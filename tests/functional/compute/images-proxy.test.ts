/**
 * Nova's image proxy (/images below 2.36, /images/{id}/metadata below 2.39) as a user of the old
 * API sees it: a server snapshot followed through SAVING to ACTIVE in Nova's view, listed with
 * Nova's filters, its metadata changed in the image service, deleted; other projects and newer
 * microversions get 404.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import { bootServer, novaError, startComputeCloud, type ComputeCloud } from './support.ts'

let c: ComputeCloud

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

async function waitForNovaImage(id: string, status: string): Promise<any> {
  const until = Date.now() + 10_000
  let last: any
  while (Date.now() < until) {
    const r = await c.demo.get(`/v2.1/images/${id}`)
    if (status === 'DELETED' && r.status === 404) return undefined
    assert.equal(r.status, 200, JSON.stringify(r.body))
    last = r.body.image
    if (last.status === status) return last
    await new Promise((ok) => setTimeout(ok, 20))
  }
  assert.fail(`image ${id} did not become ${status}; last ${JSON.stringify(last)}`)
}

describe('the /images proxy', () => {
  test('a snapshot in Nova\'s image view: status, progress, minRam/minDisk, metadata, server; list filters; delete', async () => {
    const s = await bootServer(c, c.demo)
    const snap = await c.demo.post(`/v2.1/servers/${s.id}/action`, { createImage: { name: 'snap-\u20a1', metadata: { image_type: 'test' } } })
    assert.equal(snap.status, 202, JSON.stringify(snap.body))
    const id = snap.headers.get('location')!.split('/').at(-1)!
    const image = await waitForNovaImage(id, 'ACTIVE')
    assert.equal(image.name, 'snap-\u20a1')
    assert.equal(image.progress, 100)
    assert.equal(image.metadata.image_type, 'test')
    assert.equal(image.server.id, s.id)
    assert.match(image.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.ok(image['OS-EXT-IMG-SIZE:size'] > 0)
    assert.deepEqual(image.links.map((l: any) => l.rel), ['self', 'bookmark', 'alternate'])
    const original = (await c.demo.get(`/v2.1/images/${c.imageId}`)).body.image
    assert.equal(image.minRam, original.minRam)
    assert.deepEqual(Object.keys(original).includes('server'), false, 'an uploaded image names no server')

    const ids = async (query: string) => (await c.demo.get(`/v2.1/images${query}`)).body.images.map((i: any) => i.id)
    assert.deepEqual(await ids(`?server=${s.id}`), [id])
    assert.deepEqual(await ids('?name=snap-%E2%82%A1'), [id])
    assert.deepEqual(await ids('?type=test'), [id])
    assert.ok((await ids('?status=ACTIVE')).includes(c.imageId))
    assert.deepEqual(await ids('?status=SAVING'), [])
    const page = await c.demo.get('/v2.1/images/detail?limit=1')
    assert.equal(page.body.images.length, 1)
    assert.ok(page.body.images[0].minDisk !== undefined)
    assert.match(page.body.images_links[0].href, /marker=/)
    novaError(await c.demo.get('/v2.1/images?changes-since=2011/01/01'), 400, 'badRequest')
    novaError(await c.demo.get('/v2.1/images?marker=nope'), 400, 'badRequest')

    assert.equal((await c.demo.delete(`/v2.1/images/${id}`)).status, 204)
    novaError(await c.demo.get(`/v2.1/images/${id}`), 404, 'itemNotFound', 'Image not found.')
    novaError(await c.demo.delete(`/v2.1/images/${id}`), 404, 'itemNotFound', 'Image not found.')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('image metadata is read and written through to the image service, with Nova\'s errors', async () => {
    const images = c.cloud.service('image', await c.cloud.demo())
    const own = await images.post('/v2/images', { name: 'meta', disk_format: 'raw', container_format: 'bare', colour: 'red' })
    assert.equal(own.status, 201)
    const base = `/v2.1/images/${own.body.id}/metadata`
    assert.equal((await c.demo.get(base)).body.metadata.colour, 'red')
    const merged = await c.demo.post(base, { metadata: { size_hint: 'small' } })
    assert.equal(merged.status, 200, JSON.stringify(merged.body))
    assert.equal(merged.body.metadata.colour, 'red')
    assert.equal(merged.body.metadata.size_hint, 'small')
    assert.deepEqual((await c.demo.put(`${base}/colour`, { meta: { colour: 'blue' } })).body, { meta: { colour: 'blue' } })
    assert.equal((await images.get(`/v2/images/${own.body.id}`)).body.colour, 'blue')
    assert.deepEqual((await c.demo.get(`${base}/colour`)).body, { meta: { colour: 'blue' } })

    novaError(await c.demo.put(`${base}/colour`, { meta: { shape: 'round' } }), 400, 'badRequest', 'Request body and URI mismatch')
    novaError(await c.demo.post(base, { metadata: { 'bad/key': 'x' } }), 400, 'badRequest')
    novaError(await c.demo.get(`${base}/missing`), 404, 'itemNotFound')
    novaError(await c.demo.delete(`${base}/missing`), 404, 'itemNotFound', 'Invalid metadata key')
    assert.equal((await images.get(`/v2/images/${own.body.id}`)).body.colour, 'blue', 'refused requests changed nothing')

    const replaced = await c.demo.put(base, { metadata: { only: 'this' } })
    assert.deepEqual(replaced.body, { metadata: { only: 'this' } })
    const after = (await images.get(`/v2/images/${own.body.id}`)).body
    assert.equal(after.only, 'this')
    assert.ok(!('colour' in after) && !('size_hint' in after))
    assert.equal((await c.demo.delete(`${base}/only`)).status, 204)
    assert.ok(!('only' in (await images.get(`/v2/images/${own.body.id}`)).body))
    const withData = (await images.get(`/v2/images/${c.imageId}`)).body
    assert.ok('stores' in withData, JSON.stringify(withData))
    assert.ok(!('stores' in (await c.demo.get(`/v2.1/images/${c.imageId}/metadata`)).body.metadata), 'where Glance keeps the data is not metadata')

    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'images-proxy-other'))
    novaError(await other.get(`/v2.1/images/${own.body.id}`), 404, 'itemNotFound')
    novaError(await other.get(base), 404, 'itemNotFound')
    novaError(await other.delete(`/v2.1/images/${own.body.id}`), 404, 'itemNotFound')
    assert.equal((await images.get(`/v2/images/${own.body.id}`)).status, 200, 'the other project deleted nothing')
    await images.delete(`/v2/images/${own.body.id}`)
  })

  test('the proxy is gone from 2.36 (images) and 2.39 (image metadata)', async () => {
    const at = (v: string) => ({ 'OpenStack-API-Version': `compute ${v}` })
    assert.equal((await c.demo.get('/v2.1/images', at('2.35'))).status, 200)
    novaError(await c.demo.get('/v2.1/images', at('2.36')), 404, 'itemNotFound')
    novaError(await c.demo.get(`/v2.1/images/${c.imageId}`, at('2.36')), 404, 'itemNotFound')
    assert.equal((await c.demo.get(`/v2.1/images/${c.imageId}/metadata`, at('2.38'))).status, 200)
    novaError(await c.demo.get(`/v2.1/images/${c.imageId}/metadata`, at('2.39')), 404, 'itemNotFound')
  })
})
