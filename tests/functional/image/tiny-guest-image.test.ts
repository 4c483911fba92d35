import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { registerTinyGuest, TINY_GUEST_IMAGE } from '../../../src/image/tiny-guest-image.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'

let cloud: TestCloud
before(async () => { cloud = await startTestCloud({ services: ['image'] }) })
after(() => cloud.stop())

test('the tiny guest is built once and registered as a public qcow2 image every project can download', async (t) => {
  const admin = await cloud.admin()
  const register = () => registerTinyGuest({
    config: { ...cloud.config, installPackages: process.getuid?.() === 0 }, log: silentLogger,
    imageUrl: cloud.urls.image, adminToken: async () => admin.token!,
  })
  let image
  try {
    image = await register()
  } catch (err) {
    if ((err as Error).name === 'MissingHostPackages' || /packages/.test((err as Error).message)) {
      t.skip(`the guest cannot be built here: ${(err as Error).message}`)
      return
    }
    throw err
  }
  assert.equal(image.status, 'active')
  assert.equal(image.visibility, 'public')
  assert.equal(image.disk_format, 'qcow2')
  assert.ok(image.virtual_size! > image.size!, 'virtual size comes from the qcow2 header')

  const again = await register()
  assert.equal(again.id, image.id, 'a second start registers nothing new')

  const demo = cloud.service('image', await cloud.demo())
  const listed = await demo.get(`/v2/images?name=${TINY_GUEST_IMAGE}`)
  assert.deepEqual(listed.body.images.map((i: { id: string }) => i.id), [image.id])
  const res = await demo.raw('GET', `/v2/images/${image.id}/file`)
  const bytes = Buffer.from(await res.arrayBuffer())
  const disk = readFileSync(join(cloud.config.dataDir, 'tiny-guest', 'disk.qcow2'))
  assert.equal(createHash('md5').update(bytes).digest('hex'), createHash('md5').update(disk).digest('hex'))
})
