import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { activeImage, chunkedBody, createImage, messageOf, octet, upload } from './image-test-kit.ts'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex')
const CAP = 256 * 1024

/** A qcow2 v3 header (what `qemu-img create -f qcow2` writes), optionally naming a backing file. */
function qcow2(virtualSize: number, backingFile?: string): Buffer {
  const b = Buffer.alloc(64 * 1024)
  b.write('QFI\xfb', 0, 'latin1')
  b.writeUInt32BE(3, 4)
  b.writeUInt32BE(16, 20) // 64 KiB clusters
  b.writeBigUInt64BE(BigInt(virtualSize), 24)
  b.writeUInt32BE(104, 100) // header length
  b.writeUInt32BE(4, 96) // refcount order
  if (backingFile) {
    b.writeBigUInt64BE(512n, 8)
    b.writeUInt32BE(backingFile.length, 16)
    b.write(backingFile, 512, 'latin1')
  }
  return b
}

/** A body the test releases piece by piece, to look at the image while the upload runs. */
function controlledBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const stream = new ReadableStream<Uint8Array>({ start: (c) => { controller = c } })
  return { stream, send: (b: Uint8Array) => controller.enqueue(b), end: () => controller.close(), fail: (e: Error) => controller.error(e) }
}

async function statusOf(image: ApiClient, id: string): Promise<string> {
  return (await image.get(`/v2/images/${id}`)).body.status
}

async function waitFor(what: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > until) throw new Error('timed out')
    await sleep(25)
  }
}

describe('image data: upload, download, inspection, lifecycle and import', () => {
  let cloud: TestCloud
  let image: ApiClient
  let admin: ApiClient
  let storeDir: string
  before(async () => {
    cloud = await startTestCloud({ services: ['image'], config: { image: { imageSizeCapBytes: CAP } } })
    image = cloud.service('image', await cloud.demo())
    admin = cloud.service('image', await cloud.admin())
    storeDir = join(cloud.config.dataDir, 'images')
  })
  after(() => cloud.stop())

  const storedFiles = () => readdirSync(storeDir).filter((n) => !n.startsWith('.') && n !== 'staging')

  test('upload with Content-Length, then download: size, md5, sha512, virtual size, Content-MD5', async () => {
    const data = randomBytes(100_000)
    const img = await createImage(image)
    const empty = await image.raw('GET', `/v2/images/${img.id}/file`)
    assert.equal(empty.status, 204)
    assert.equal((await empty.arrayBuffer()).byteLength, 0)
    const res = await upload(image, img.id, data)
    assert.equal(res.status, 204)
    const shown = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(shown.status, 'active')
    assert.equal(shown.size, data.length)
    assert.equal(shown.virtual_size, data.length)
    assert.equal(shown.checksum, md5(data))
    assert.equal(shown.os_hash_algo, 'sha512')
    assert.equal(shown.os_hash_value, sha512(data))
    assert.equal(shown.stores, 'file')
    const dl = await image.raw('GET', `/v2/images/${img.id}/file`)
    assert.equal(dl.status, 200)
    assert.equal(dl.headers.get('content-md5'), md5(data))
    assert.equal(dl.headers.get('content-type'), 'application/octet-stream')
    assert.equal(Number(dl.headers.get('content-length')), data.length)
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), data)
    const head = await image.raw('HEAD', `/v2/images/${img.id}/file`)
    assert.equal(head.status, 200)
    assert.equal(Number(head.headers.get('content-length')), data.length)
  })

  test('a chunked upload is `saving` while it runs and active afterwards', async () => {
    const img = await createImage(image)
    const body = controlledBody()
    const pending = image.raw('PUT', `/v2/images/${img.id}/file`, body.stream, octet)
    const first = randomBytes(70_000)
    body.send(first)
    await waitFor(async () => (await statusOf(image, img.id)) === 'saving')
    assert.equal((await image.raw('GET', `/v2/images/${img.id}/file`)).status, 204)
    const second = randomBytes(50_000)
    body.send(second)
    body.end()
    assert.equal((await pending).status, 204)
    const shown = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(shown.status, 'active')
    assert.equal(shown.checksum, md5(Buffer.concat([first, second])))
  })

  test('Range downloads: 206 with Content-Range, suffixes, open ends; 416 and 400 for bad ranges', async () => {
    const data = randomBytes(1000)
    const img = await activeImage(image, {}, data)
    const get = (range: string) => image.raw('GET', `/v2/images/${img.id}/file`, undefined, { range })
    const cases: Array<[string, number, number, string]> = [
      ['bytes=0-4', 0, 5, 'bytes 0-4/1000'],
      ['bytes=10-19', 10, 20, 'bytes 10-19/1000'],
      ['bytes=990-', 990, 1000, 'bytes 990-999/1000'],
      ['bytes=-3', 997, 1000, 'bytes 997-999/1000'],
      ['bytes=995-5000', 995, 1000, 'bytes 995-999/1000'],
    ]
    for (const [range, from, to, contentRange] of cases) {
      const res = await get(range)
      assert.equal(res.status, 206, range)
      assert.equal(res.headers.get('content-range'), contentRange, range)
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(from, to), range)
    }
    const pastEnd = await get('bytes=1000-')
    assert.equal(pastEnd.status, 416)
    const body: any = await pastEnd.json()
    assert.equal(body.code, '416 Request Range Not Satisfiable')
    assert.equal(messageOf(body), 'The Range requested is not available. Invalid start position in Range header. Start position MUST be in the inclusive range [0, 999].')
    assert.equal((await get('bytes=5-2')).status, 416)
    assert.equal((await get('lines=1-2')).status, 416)
    const multi = await get('bytes=0-1,5-6')
    assert.equal(multi.status, 400)
  })

  test('a second upload to an active image is a 409 and leaves the data alone', async () => {
    const data = randomBytes(2000)
    const img = await activeImage(image, {}, data)
    const again = await upload(image, img.id, randomBytes(10))
    assert.equal(again.status, 409)
    assert.equal(messageOf(await again.json()), 'Image status transition from active to saving is not allowed')
    const dl = await image.raw('GET', `/v2/images/${img.id}/file`)
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), data)
  })

  test('uploads Glance refuses before reading: wrong media type, missing formats', async () => {
    const img = await createImage(image)
    const wrong = await upload(image, img.id, randomBytes(10), { 'content-type': 'text/plain' })
    assert.equal(wrong.status, 415)
    assert.match(messageOf(await wrong.json()), /Invalid content type text\/plain/)
    const bare = await image.post('/v2/images', { name: 'no formats' })
    const missing = await upload(image, bare.body.id, randomBytes(10))
    assert.equal(missing.status, 400)
    assert.equal(messageOf(await missing.json()), 'Properties disk_format, container_format must be set prior to saving data.')
    assert.equal(await statusOf(image, bare.body.id), 'queued')
  })

  test('inspection: the content must be the disk_format and safe; a refused image stays queued and can be retried', async () => {
    const img = await createImage(image, { disk_format: 'qcow2' })
    const garbage = await upload(image, img.id, randomBytes(4096))
    assert.equal(garbage.status, 415)
    assert.match(messageOf(await garbage.json()), /Image disk_format qcow2 does not match stream data raw/)
    assert.equal(await statusOf(image, img.id), 'queued')
    const backed = await upload(image, img.id, qcow2(1 << 30, '/etc/shadow'))
    assert.equal(backed.status, 415)
    assert.match(messageOf(await backed.json()), /safety checks.*backing file/)
    assert.equal(await statusOf(image, img.id), 'queued')
    const good = await upload(image, img.id, qcow2(1 << 30))
    assert.equal(good.status, 204)
    const shown = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(shown.status, 'active')
    assert.equal(shown.virtual_size, 1 << 30)
    // Glance inspects bare containers only: other containers carry whatever they carry.
    const ova = await activeImage(image, { disk_format: 'vmdk', container_format: 'ova' }, randomBytes(3000))
    assert.equal(ova.status, 'active')
    assert.equal(ova.virtual_size, null)
  })

  test('image_size_cap: a larger upload is a 413, the image stays queued, nothing is stored', async () => {
    const before = storedFiles().length
    const img = await createImage(image)
    const res = await image.raw('PUT', `/v2/images/${img.id}/file`, chunkedBody(randomBytes(CAP + 1)), octet)
    assert.equal(res.status, 413)
    assert.equal(messageOf(await res.json()), 'The incoming image is too large: The provided image is too large.')
    assert.equal(await statusOf(image, img.id), 'queued')
    assert.equal(storedFiles().length, before)
  })

  test('a client that goes away mid-upload leaves a queued image and no data; the upload can be retried', async () => {
    const before = storedFiles().length
    const img = await createImage(image)
    const body = controlledBody()
    const abort = new AbortController()
    const pending = fetch(`${cloud.urls.image}/v2/images/${img.id}/file`, {
      method: 'PUT', body: body.stream, duplex: 'half', signal: abort.signal,
      headers: { ...octet, 'x-auth-token': image.token! },
    } as RequestInit).catch((err) => err)
    body.send(randomBytes(50_000))
    await waitFor(async () => (await statusOf(image, img.id)) === 'saving')
    abort.abort()
    await pending
    await waitFor(async () => (await statusOf(image, img.id)) === 'queued')
    assert.equal(storedFiles().length, before)
    assert.equal((await upload(image, img.id, randomBytes(100))).status, 204)
  })

  test('deleting an image during its upload: the upload ends 410 and leaves no data', async () => {
    const before = storedFiles().length
    const img = await createImage(image)
    const body = controlledBody()
    const pending = image.raw('PUT', `/v2/images/${img.id}/file`, body.stream, octet)
    body.send(randomBytes(10_000))
    await waitFor(async () => (await statusOf(image, img.id)) === 'saving')
    assert.equal((await image.delete(`/v2/images/${img.id}`)).status, 204)
    body.send(randomBytes(10_000))
    body.end()
    assert.equal((await pending).status, 410)
    assert.equal(storedFiles().length, before)
  })

  test('deactivate: members cannot download, admins can; reactivate restores; only active images', async () => {
    const data = randomBytes(500)
    const img = await activeImage(image, {}, data)
    assert.equal((await image.post(`/v2/images/${img.id}/actions/deactivate`)).status, 204)
    assert.equal((await image.post(`/v2/images/${img.id}/actions/deactivate`)).status, 204)
    assert.equal(await statusOf(image, img.id), 'deactivated')
    const refused = await image.raw('GET', `/v2/images/${img.id}/file`)
    assert.equal(refused.status, 403)
    assert.equal(messageOf(await refused.json()), 'The requested image has been deactivated. Image data download is forbidden.')
    const byAdmin = await admin.raw('GET', `/v2/images/${img.id}/file`)
    assert.deepEqual(Buffer.from(await byAdmin.arrayBuffer()), data)
    assert.equal((await image.post(`/v2/images/${img.id}/actions/reactivate`)).status, 204)
    assert.equal(await statusOf(image, img.id), 'active')
    assert.equal((await image.raw('GET', `/v2/images/${img.id}/file`)).status, 200)
    const queued = await createImage(image)
    const notActive = await image.post(`/v2/images/${queued.id}/actions/deactivate`)
    assert.equal(notActive.status, 403)
    assert.equal(messageOf(notActive.body), "Not allowed to deactivate image in status 'queued'")
  })

  test('deleting an image removes its data from the store', async () => {
    const img = await activeImage(image)
    const files = storedFiles()
    assert.ok(files.some((f) => f.startsWith(img.id)))
    assert.equal((await image.delete(`/v2/images/${img.id}`)).status, 204)
    assert.ok(!storedFiles().some((f) => f.startsWith(img.id)))
  })

  test('interoperable import: discovery, stage, glance-direct, tasks; copy-image with one store', async () => {
    assert.deepEqual((await image.get('/v2/info/import')).body['import-methods'].value, ['glance-direct', 'copy-image'])
    assert.deepEqual((await image.get('/v2/info/stores')).body, { stores: [{ id: 'file', default: 'true' }] })
    const data = randomBytes(30_000)
    const img = await createImage(image, { visibility: 'private' })
    const early = await image.post(`/v2/images/${img.id}/import`, { method: { name: 'glance-direct' } })
    assert.equal(early.status, 409)
    assert.equal(messageOf(early.body), "Image needs to be staged before 'glance-direct' method can be used")
    assert.equal((await image.raw('PUT', `/v2/images/${img.id}/stage`, chunkedBody(data), octet)).status, 204)
    const staged = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(staged.status, 'uploading')
    assert.equal(staged.size, data.length)
    assert.equal((await image.raw('PUT', `/v2/images/${img.id}/stage`, data, octet)).status, 409)
    const unknown = await image.post(`/v2/images/${img.id}/import`, { method: { name: 'web-download' } })
    assert.equal(unknown.status, 400)
    assert.equal(messageOf(unknown.body), "Unknown import method name 'web-download'.")
    const started = await image.post(`/v2/images/${img.id}/import`, { method: { name: 'glance-direct' } })
    assert.equal(started.status, 202)
    await waitFor(async () => (await statusOf(image, img.id)) === 'active')
    const done = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(done.checksum, md5(data))
    assert.equal(done.stores, 'file')
    assert.equal(done.os_glance_importing_to_stores, '')
    assert.equal(done.os_glance_failed_import, '')
    assert.ok(!('os_glance_import_task' in done))
    const tasks = (await image.get(`/v2/images/${img.id}/tasks`)).body.tasks
    assert.equal(tasks.length, 1)
    assert.equal(tasks[0].status, 'success')
    assert.equal(tasks[0].request_id, started.headers.get('x-openstack-request-id'))
    assert.equal(tasks[0].input.import_req.method.name, 'glance-direct')
    assert.deepEqual(readdirSync(join(storeDir, 'staging')).filter((n) => !n.startsWith('.')), [])
    assert.deepEqual(Buffer.from(await (await image.raw('GET', `/v2/images/${img.id}/file`)).arrayBuffer()), data)

    const notAdmin = await image.post(`/v2/images/${img.id}/import`, { method: { name: 'copy-image' }, all_stores: true })
    assert.equal(notAdmin.status, 403)
    assert.equal((await admin.post(`/v2/images/${img.id}/import`, { method: { name: 'copy-image' }, all_stores: true })).status, 202)
    const present = await admin.post(`/v2/images/${img.id}/import`, { method: { name: 'copy-image' }, stores: ['file'] })
    assert.equal(present.status, 400)
    assert.equal(messageOf(present.body), "Image is already present at store 'file'")
    const elsewhere = await admin.post(`/v2/images/${img.id}/import`, { method: { name: 'copy-image' }, stores: ['ceph'] })
    assert.equal(elsewhere.status, 409)
  })

  test('an import of unacceptable staged data fails its task and puts the image back to queued', async () => {
    const img = await createImage(image, { disk_format: 'qcow2' })
    assert.equal((await image.raw('PUT', `/v2/images/${img.id}/stage`, randomBytes(5000), octet)).status, 204)
    assert.equal((await image.post(`/v2/images/${img.id}/import`, { method: { name: 'glance-direct' } })).status, 202)
    await waitFor(async () => (await image.get(`/v2/images/${img.id}/tasks`)).body.tasks[0]?.status === 'failure')
    const after = (await image.get(`/v2/images/${img.id}`)).body
    assert.equal(after.status, 'queued')
    assert.equal(after.os_glance_failed_import, 'file')
    assert.match((await image.get(`/v2/images/${img.id}/tasks`)).body.tasks[0].message, /does not match/)
    assert.deepEqual(readdirSync(join(storeDir, 'staging')).filter((n) => !n.startsWith('.')), [])
  })
})
