/** The image service's queries on every database engine: SQLite, PostgreSQL and MariaDB. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestCloud } from '../../support/cloud.ts'
import { scratchDatabase, type Engine } from '../../support/databases.ts'
import { createImage, newProject, octet, patchV21, upload } from './image-test-kit.ts'

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`image on ${engine}`, () => {
    test('create, upload, list (filters, sort, markers), patch, members, import, quotas, delete', async (t) => {
      const scratch = await scratchDatabase(engine)
      if ('skip' in scratch) return t.skip(scratch.skip)
      const cloud = await startTestCloud({
        services: ['image'], databaseUrl: engine === 'sqlite' ? undefined : scratch.url,
        config: { image: { quotas: { imageSizeTotalMib: 100 } } },
      })
      try {
        const image = cloud.service('image', await cloud.demo())
        const made = []
        for (const [i, name] of ['c', 'a', 'b'].entries()) {
          const img = await createImage(image, { name, tags: [`t${i}`, 'all'], color: i % 2 ? 'red' : 'blue' })
          if (name !== 'b') assert.equal((await upload(image, img.id, randomBytes(1000 * (i + 1)))).status, 204)
          made.push(img)
          await sleep(5)
        }
        const names = async (q: string) => (await image.get(`/v2/images?${q}`)).body.images.map((i: any) => i.name)
        assert.deepEqual(await names(''), ['b', 'a', 'c'])
        assert.deepEqual(await names('sort=name:asc'), ['a', 'b', 'c'])
        assert.deepEqual(await names('sort=size:asc'), ['b', 'c', 'a'])
        assert.deepEqual(await names('color=red'), ['a'])
        assert.deepEqual(await names('tag=all&tag=t2'), ['b'])
        assert.deepEqual(await names('size_min=1500'), ['a'])
        assert.deepEqual(await names('name=in:a,c&sort=name:desc'), ['c', 'a'])
        assert.deepEqual(await names(`sort=size:asc&limit=2&marker=${made[0].id}`), ['a'])
        const page = (await image.get('/v2/images?limit=2&sort=name:asc')).body
        assert.deepEqual((await image.get(page.next)).body.images.map((i: any) => i.name), ['c'])

        const patched = await image.patch(`/v2/images/${made[1].id}`, [
          { op: 'replace', path: '/color', value: 'green' }, { op: 'add', path: '/extra', value: 'x' }, { op: 'replace', path: '/tags', value: ['z'] },
        ], patchV21)
        assert.equal(patched.status, 200)
        assert.deepEqual([patched.body.color, patched.body.extra, patched.body.tags], ['green', 'x', ['z']])

        const second = await newProject(cloud)
        const other = cloud.service('image', second.client)
        assert.equal((await image.post(`/v2/images/${made[0].id}/members`, { member: second.projectId })).status, 200)
        assert.equal((await other.put(`/v2/images/${made[0].id}/members/${second.projectId}`, { status: 'accepted' })).status, 200)
        assert.deepEqual((await other.get('/v2/images')).body.images.map((i: any) => i.name), ['c'])

        assert.equal((await image.raw('PUT', `/v2/images/${made[2].id}/stage`, randomBytes(500), octet)).status, 204)
        assert.equal((await image.post(`/v2/images/${made[2].id}/import`, { method: { name: 'glance-direct' } })).status, 202)
        for (let i = 0; i < 200 && (await image.get(`/v2/images/${made[2].id}`)).body.status !== 'active'; i++) await sleep(25)
        assert.equal((await image.get(`/v2/images/${made[2].id}`)).body.status, 'active')

        const usage = (await image.get('/v2/info/usage')).body.usage
        assert.deepEqual(usage.image_size_total, { usage: 0, limit: 100 })
        assert.deepEqual(usage.image_count_total, { usage: 3, limit: -1 })

        assert.equal((await image.delete(`/v2/images/${made[1].id}`)).status, 204)
        assert.deepEqual(await names('sort=name:asc'), ['b', 'c'])
        assert.equal((await image.post('/v2/images', { id: made[1].id })).status, 409)
      } finally {
        await cloud.stop()
        await scratch.drop()
      }
    })
  })
}
