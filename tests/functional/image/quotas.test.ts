import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { createImage, messageOf, newProject, octet, patchV21, upload } from './image-test-kit.ts'

const KiB = 1024
const overLimit = (project: string, resource: string, limit: number, usage: number, delta: number) =>
  'The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a quota threshold '
  + `was breached. The response body: Project ${project} is over a limit for [Resource ${resource} is over limit of ${limit} `
  + `due to current usage ${usage} and delta ${delta}]`

describe('per-project image quotas', () => {
  let cloud: TestCloud
  const project = async () => {
    const p = await newProject(cloud)
    return { image: cloud.service('image', p.client), id: p.projectId }
  }
  before(async () => {
    cloud = await startTestCloud({
      services: ['image'],
      config: {
        image: {
          quotas: { imageCountTotal: 3, imageSizeTotalMib: 1, imageStageTotalMib: 1, imageCountUploading: 1 },
          imageTagQuota: 2, imagePropertyQuota: 2, imageMemberQuota: 1,
        },
      },
    })
  })
  after(() => cloud.stop())

  test('image count: the fourth image is a 413 with oslo.limit\'s explanation; deleting frees a slot', async () => {
    const { image, id } = await project()
    const made = [await createImage(image), await createImage(image), await createImage(image)]
    const fourth = await image.post('/v2/images', { name: 'too many' })
    assert.equal(fourth.status, 413)
    assert.equal(fourth.body.title, 'Request Entity Too Large')
    assert.equal(messageOf(fourth.body).replace(/\s+/g, ' '), overLimit(id, 'image_count_total', 3, 3, 1))
    assert.equal((await image.get('/v2/images')).body.images.length, 3)
    assert.equal((await image.delete(`/v2/images/${made[0].id}`)).status, 204)
    assert.equal((await image.post('/v2/images', { name: 'fits again' })).status, 201)
    const usage = (await image.get('/v2/info/usage')).body.usage
    assert.deepEqual(usage.image_count_total, { usage: 3, limit: 3 })
    assert.deepEqual(usage.image_size_total, { usage: 0, limit: 1 })
  })

  test('total size: a declared size over the limit is refused before reading; a stream is cut at the limit', async () => {
    const { image, id } = await project()
    const first = await createImage(image)
    assert.equal((await upload(image, first.id, randomBytes(700 * KiB))).status, 204)
    const declared = await createImage(image)
    const big = await upload(image, declared.id, randomBytes(2048 * KiB))
    assert.equal(big.status, 413)
    assert.equal(messageOf(await big.json()).replace(/\s+/g, ' '), overLimit(id, 'image_size_total', 1, 0, 2))
    const streamed = await image.raw('PUT', `/v2/images/${declared.id}/file`, new ReadableStream({
      start(c) {
        c.enqueue(randomBytes(700 * KiB))
        c.close()
      },
    }), octet)
    assert.equal(streamed.status, 413)
    assert.match(messageOf(await streamed.json()), /^Image exceeds the storage quota: .* 331776 bytes remaining\.$/)
    assert.equal((await image.get(`/v2/images/${declared.id}`)).body.status, 'queued')
    assert.equal((await upload(image, declared.id, randomBytes(300 * KiB))).status, 204)
  })

  test('uploads at once: a second concurrent upload is a 413 and its image stays queued', async () => {
    const { image } = await project()
    const a = await createImage(image)
    const b = await createImage(image)
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const slow = image.raw('PUT', `/v2/images/${a.id}/file`, new ReadableStream({ start: (c) => { controller = c } }), octet)
    controller.enqueue(randomBytes(10 * KiB))
    while ((await image.get(`/v2/images/${a.id}`)).body.status !== 'saving') await sleep(20)
    const second = await upload(image, b.id, randomBytes(KiB))
    assert.equal(second.status, 413)
    assert.match(messageOf(await second.json()), /Resource image_count_uploading is over limit of 1 due to current usage 2 and delta 0/)
    assert.equal((await image.get(`/v2/images/${b.id}`)).body.status, 'queued')
    controller.close()
    assert.equal((await slow).status, 204)
    assert.equal((await upload(image, b.id, randomBytes(KiB))).status, 204)
  })

  test('staging total', async () => {
    const { image, id } = await project()
    const img = await createImage(image)
    const res = await image.raw('PUT', `/v2/images/${img.id}/stage`, randomBytes(2048 * KiB), octet)
    assert.equal(res.status, 413)
    assert.equal(messageOf(await res.json()).replace(/\s+/g, ' '), overLimit(id, 'image_stage_total', 1, 0, 2))
    assert.equal((await image.get(`/v2/images/${img.id}`)).body.status, 'queued')
  })

  test('tags, properties and members per image', async () => {
    const { image } = await project()
    const tooManyTags = await image.post('/v2/images', { tags: ['a', 'b', 'c'] })
    assert.equal(tooManyTags.status, 413)
    assert.equal(messageOf(tooManyTags.body), 'The limit has been exceeded on the number of allowed image tags. Attempted: 3, Maximum: 2')
    const img = await createImage(image, { tags: ['a', 'b'], p1: '1' })
    assert.equal((await image.put(`/v2/images/${img.id}/tags/c`)).status, 413)
    assert.equal((await image.put(`/v2/images/${img.id}/tags/a`)).status, 204)
    assert.equal((await image.patch(`/v2/images/${img.id}`, [{ op: 'add', path: '/p2', value: '2' }], patchV21)).status, 200)
    const third = await image.patch(`/v2/images/${img.id}`, [{ op: 'add', path: '/p3', value: '3' }], patchV21)
    assert.equal(third.status, 413)
    assert.equal(messageOf(third.body), 'The limit has been exceeded on the number of allowed image properties. Attempted: 3, Maximum: 2')
    assert.ok(!('p3' in (await image.get(`/v2/images/${img.id}`)).body))
    assert.equal((await image.post(`/v2/images/${img.id}/members`, { member: 'one' })).status, 200)
    const second = await image.post(`/v2/images/${img.id}/members`, { member: 'two' })
    assert.equal(second.status, 413)
    assert.match(messageOf(second.body), /Attempted: 2, Maximum: 1/)
  })
})

describe('image quotas are unlimited by default', () => {
  let cloud: TestCloud
  let image: ApiClient
  before(async () => {
    cloud = await startTestCloud({ services: ['image'] })
    image = cloud.service('image', await cloud.demo())
  })
  after(() => cloud.stop())

  test('no limit applies and usage reports -1', async () => {
    for (let i = 0; i < 5; i++) await createImage(image)
    const usage = (await image.get('/v2/info/usage')).body.usage
    assert.deepEqual(Object.keys(usage).sort(), ['image_count_total', 'image_count_uploading', 'image_size_total', 'image_stage_total'])
    assert.ok(Object.values(usage).every((u: any) => u.limit === -1))
  })
})
