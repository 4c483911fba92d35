import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { activeImage, createImage, ids, messageOf, newProject, octet, patchV21, upload } from './image-test-kit.ts'

describe('image members, visibility and RBAC between projects', () => {
  let cloud: TestCloud
  let demo: ApiClient
  let other: ApiClient
  let admin: ApiClient
  let otherProject: string
  before(async () => {
    cloud = await startTestCloud({ services: ['image'] })
    demo = cloud.service('image', await cloud.demo())
    const second = await newProject(cloud, 'second')
    other = cloud.service('image', second.client)
    otherProject = second.projectId
    admin = cloud.service('image', await cloud.admin())
  })
  after(() => cloud.stop())

  const listed = async (client: ApiClient, query = '') => ids((await client.get(`/v2/images?limit=1000${query}`)).body.images)

  test('one project never sees or touches another\'s private image', async () => {
    const data = randomBytes(1000)
    const img = await activeImage(demo, { visibility: 'private', name: 'secret' }, data)
    const url = `/v2/images/${img.id}`
    assert.ok(!(await listed(other)).includes(img.id))
    assert.ok(!(await listed(other, '&visibility=private')).includes(img.id))
    assert.ok(!(await listed(other, '&visibility=all')).includes(img.id))
    const attempts: Array<Promise<{ status: number }>> = [
      other.get(url),
      other.patch(url, [{ op: 'replace', path: '/name', value: 'stolen' }], patchV21),
      other.delete(url),
      other.raw('GET', `${url}/file`),
      other.raw('PUT', `${url}/file`, randomBytes(10), octet),
      other.post(`${url}/actions/deactivate`),
      other.put(`${url}/tags/mine`),
      other.delete(`${url}/tags/x`),
      other.post(`${url}/members`, { member: otherProject }),
      other.get(`${url}/members`),
      other.get(`${url}/tasks`),
      other.raw('PUT', `${url}/stage`, randomBytes(10), octet),
      other.post(`${url}/import`, { method: { name: 'glance-direct' } }),
    ]
    for (const res of await Promise.all(attempts)) assert.equal(res.status, 404)
    const after = (await demo.get(url)).body
    assert.equal(after.name, 'secret')
    assert.equal(after.status, 'active')
    assert.deepEqual(after.tags, [])
    assert.deepEqual(Buffer.from(await (await demo.raw('GET', `${url}/file`)).arrayBuffer()), data)
    // The admin sees and may manage every project's images.
    assert.ok((await listed(admin)).includes(img.id))
    assert.equal((await admin.get(url)).status, 200)
  })

  test('public images: everyone sees and downloads them; only the owner (or admin) changes them', async () => {
    const img = await activeImage(admin, { visibility: 'public', name: 'pub' })
    assert.ok((await listed(demo)).includes(img.id))
    assert.ok((await listed(other, '&visibility=public')).includes(img.id))
    assert.equal((await other.raw('GET', `/v2/images/${img.id}/file`)).status, 200)
    const change = await other.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/name', value: 'x' }], patchV21)
    assert.equal(change.status, 403)
    assert.equal(messageOf(change.body), 'You are not authorized to complete modify_image action.')
    const remove = await other.delete(`/v2/images/${img.id}`)
    assert.equal(remove.status, 403)
    assert.equal(messageOf(remove.body), 'You are not authorized to complete delete_image action.')
    assert.equal((await other.put(`/v2/images/${img.id}/tags/t`)).status, 403)
  })

  test('community images are visible to all but listed only with visibility=community (or to their owner)', async () => {
    const img = await createImage(demo, { visibility: 'community', name: 'comm' })
    assert.ok((await listed(demo)).includes(img.id))
    assert.ok(!(await listed(other)).includes(img.id))
    assert.ok((await listed(other, '&visibility=community')).includes(img.id))
    assert.equal((await other.get(`/v2/images/${img.id}`)).status, 200)
  })

  test('os_hidden images are left out unless os_hidden=true', async () => {
    const img = await createImage(demo, { os_hidden: true, name: 'hidden' })
    assert.ok(!(await listed(demo)).includes(img.id))
    assert.ok((await listed(demo, '&os_hidden=true')).includes(img.id))
    assert.equal((await demo.get(`/v2/images/${img.id}`)).status, 200)
    const bad = await demo.get('/v2/images?os_hidden=maybe')
    assert.equal(bad.status, 400)
    assert.equal(messageOf(bad.body), "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'.")
  })

  test('sharing: pending until the member accepts; rejected hides it again; member_status filter; removal', async () => {
    const img = await activeImage(demo, { name: 'to-share' })
    const url = `/v2/images/${img.id}/members`
    assert.equal((await other.get(`/v2/images/${img.id}`)).status, 404)
    const added = await demo.post(url, { member: otherProject })
    assert.equal(added.status, 200)
    assert.equal(added.body.member_id, otherProject)
    assert.equal(added.body.image_id, img.id)
    assert.equal(added.body.status, 'pending')
    assert.equal(added.body.schema, '/v2/schemas/member')
    const duplicate = await demo.post(url, { member: otherProject })
    assert.equal(duplicate.status, 409)
    assert.equal(messageOf(duplicate.body), `Member ${otherProject} is duplicated for image ${img.id}`)

    // Pending: visible by id, not listed unless asked for.
    assert.equal((await other.get(`/v2/images/${img.id}`)).status, 200)
    assert.ok(!(await listed(other)).includes(img.id))
    assert.deepEqual(await listed(other, '&member_status=pending&visibility=shared'), [img.id])
    assert.ok((await listed(other, '&member_status=all')).includes(img.id))

    const ownerAccepts = await demo.put(`${url}/${otherProject}`, { status: 'accepted' })
    assert.equal(ownerAccepts.status, 403)
    assert.equal(messageOf(ownerAccepts.body), 'You are not authorized to complete modify_member action.')
    const invalid = await other.put(`${url}/${otherProject}`, { status: 'maybe' })
    assert.equal(invalid.status, 400)
    assert.equal(messageOf(invalid.body), 'Incorrect request: Status must be "pending", "accepted" or "rejected".')
    const accepted = await other.put(`${url}/${otherProject}`, { status: 'accepted' })
    assert.equal(accepted.status, 200)
    assert.equal(accepted.body.status, 'accepted')
    assert.ok((await listed(other)).includes(img.id))
    assert.equal((await other.raw('GET', `/v2/images/${img.id}/file`)).status, 200)

    // The owner sees every membership; a member only its own, and cannot add or remove members.
    assert.deepEqual((await demo.get(url)).body.members.map((m: any) => m.member_id), [otherProject])
    assert.equal((await demo.get(url)).body.schema, '/v2/schemas/members')
    assert.equal((await other.get(`${url}/${otherProject}`)).body.status, 'accepted')
    await demo.post(url, { member: 'third-project' })
    assert.deepEqual((await other.get(url)).body.members.map((m: any) => m.member_id), [otherProject])
    assert.equal((await demo.get(url)).body.members.length, 2)
    assert.equal((await other.get(`${url}/third-project`)).status, 404)
    assert.equal((await other.post(url, { member: 'fourth' })).status, 403)
    const memberRemoves = await other.delete(`${url}/${otherProject}`)
    assert.equal(memberRemoves.status, 403)
    // Members may read, not change, the image.
    assert.equal((await other.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/name', value: 'x' }], patchV21)).status, 403)

    const rejected = await other.put(`${url}/${otherProject}`, { status: 'rejected' })
    assert.equal(rejected.body.status, 'rejected')
    assert.ok(!(await listed(other)).includes(img.id))
    assert.ok((await listed(other, '&member_status=rejected')).includes(img.id))

    assert.equal((await demo.delete(`${url}/${otherProject}`)).status, 204)
    assert.equal((await other.get(`/v2/images/${img.id}`)).status, 404)
    assert.equal((await demo.get(`${url}/${otherProject}`)).status, 404)
  })

  test('members only for shared images; bad member bodies', async () => {
    const priv = await createImage(demo, { visibility: 'private' })
    const refused = await demo.post(`/v2/images/${priv.id}/members`, { member: otherProject })
    assert.equal(refused.status, 403)
    assert.equal(messageOf(refused.body), `Not allowed to create members for image ${priv.id}.`)
    const listing = await demo.get(`/v2/images/${priv.id}/members`)
    assert.equal(listing.status, 403)
    const shared = await createImage(demo)
    assert.equal(messageOf((await demo.post(`/v2/images/${shared.id}/members`, {})).body), 'Member to be added not specified')
    assert.equal(messageOf((await demo.post(`/v2/images/${shared.id}/members`, { member: '' })).body), "Member can't be empty")
    assert.equal(messageOf((await demo.put(`/v2/images/${shared.id}/members/x`, {})).body), 'Status not specified')
    assert.equal(messageOf((await demo.post('/v2/images/00000000-0000-0000-0000-000000000000/members', { member: 'x' })).body),
      'Image 00000000-0000-0000-0000-000000000000 not found.')
  })

  test('making an image public needs admin; community is allowed for members', async () => {
    const img = await createImage(demo)
    const pub = await demo.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/visibility', value: 'public' }], patchV21)
    assert.equal(pub.status, 403)
    const comm = await demo.patch(`/v2/images/${img.id}`, [{ op: 'replace', path: '/visibility', value: 'community' }], patchV21)
    assert.equal(comm.status, 200)
    assert.equal(comm.body.visibility, 'community')
  })
})

describe('image list filters, sorting and pagination', () => {
  let cloud: TestCloud
  let image: ApiClient
  const made: any[] = []
  before(async () => {
    cloud = await startTestCloud({ services: ['image'] })
    image = cloud.service('image', await cloud.demo())
    const specs: Array<[string, number, Record<string, unknown>]> = [
      ['alpha', 1000, { tags: ['red'], os_distro: 'debian', min_ram: 256 }],
      ['beta', 2000, { tags: ['red', 'blue'], os_distro: 'ubuntu' }],
      ['gamma', 3000, { tags: ['blue'], disk_format: 'iso', container_format: 'bare', visibility: 'private' }],
      ['delta, with comma', 4000, { protected: true, os_distro: 'debian' }],
    ]
    for (const [name, size, fields] of specs) {
      const img = await createImage(image, { name, ...fields })
      if (fields.disk_format !== 'iso') assert.equal((await upload(image, img.id, randomBytes(size))).status, 204)
      made.push((await image.get(`/v2/images/${img.id}`)).body)
      await new Promise((r) => setTimeout(r, 15))
    }
  })
  after(() => cloud.stop())

  const names = async (query: string) => {
    const res = await image.get(`/v2/images?${query}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.images.map((i: any) => i.name)
  }

  test('default order is newest first; filters by column, operator, property, tag and range', async () => {
    assert.deepEqual(await names(''), ['delta, with comma', 'gamma', 'beta', 'alpha'])
    assert.deepEqual(await names('name=beta'), ['beta'])
    assert.deepEqual(await names('name=in:alpha,"delta, with comma"'), ['delta, with comma', 'alpha'])
    assert.deepEqual(await names(`id=in:${made[0].id},${made[2].id}`), ['gamma', 'alpha'])
    assert.deepEqual(await names('status=queued'), ['gamma'])
    assert.deepEqual(await names('disk_format=iso'), ['gamma'])
    assert.deepEqual(await names('container_format=bare&visibility=private'), ['gamma'])
    assert.deepEqual(await names('os_distro=debian'), ['delta, with comma', 'alpha'])
    assert.deepEqual(await names('tag=red'), ['beta', 'alpha'])
    assert.deepEqual(await names('tag=red&tag=blue'), ['beta'])
    assert.deepEqual(await names('size_min=1500&size_max=3500'), ['beta'])
    assert.deepEqual(await names('size=1000'), ['alpha'])
    assert.deepEqual(await names('min_ram=256'), ['alpha'])
    assert.deepEqual(await names('protected=true'), ['delta, with comma'])
    assert.deepEqual(await names(`owner=${made[0].owner}&limit=2`), ['delta, with comma', 'gamma'])
    const created = made[2].created_at
    // Shown times have whole seconds; the filter compares against the stored time.
    const newer = (await names('')).filter((n: string) => made.find((m) => m.name === n).created_at >= created)
    assert.deepEqual(await names(`created_at=gte:${created}`), newer)
    assert.deepEqual(await names('created_at=lt:2000-01-01T00:00:00Z'), [])
    assert.deepEqual(await names('updated_at=gt:2000-01-01T00:00:00Z&name=alpha'), ['alpha'])
  })

  test('sorting: sort=key:dir,… and sort_key/sort_dir', async () => {
    assert.deepEqual(await names('sort=name:asc'), ['alpha', 'beta', 'delta, with comma', 'gamma'])
    assert.deepEqual(await names('sort=size:desc'), ['delta, with comma', 'beta', 'alpha', 'gamma'])
    assert.deepEqual(await names('sort_key=size&sort_dir=asc'), ['gamma', 'alpha', 'beta', 'delta, with comma'])
    assert.deepEqual(await names('sort_key=status&sort_key=name&sort_dir=asc&sort_dir=desc'), ['delta, with comma', 'beta', 'alpha', 'gamma'])
  })

  test('pagination follows `next` to the end without repeats', async () => {
    const seen: string[] = []
    let next: string | undefined = '/v2/images?limit=1&sort=name:asc'
    while (next) {
      const page: any = (await image.get(next)).body
      seen.push(...page.images.map((i: any) => i.name))
      assert.match(page.first, /^\/v2\/images\?limit=1&sort=name%3Aasc$/)
      next = page.next
    }
    assert.deepEqual(seen, ['alpha', 'beta', 'delta, with comma', 'gamma'])
    const page2 = (await image.get(`/v2/images?limit=2&marker=${made[3].id}`)).body
    assert.deepEqual(page2.images.map((i: any) => i.name), ['gamma', 'beta'])
  })

  test('bad list parameters are 400s with Glance\'s messages', async () => {
    const cases: Array<[string, string]> = [
      ['limit=abc', 'limit param must be an integer'],
      ['limit=-1', 'limit param must be positive'],
      ['sort_key=color', 'Invalid sort key: color. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.'],
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['sort=name&sort_key=size', 'Old and new sorting syntax cannot be combined'],
      ['visibility=secret', 'Invalid visibility value: secret'],
      ['member_status=maybe', 'Invalid status: maybe'],
      ['size_min=big', 'Unable to filter on a range with a non-numeric value.'],
      ['created_at=gte:yesterday', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
      ['name=like:alp', "Unable to filter by unknown operator 'like'."],
      ['changes-since=2020-01-01T00:00:00Z', 'The "changes-since" filter is no longer available on v2.'],
      ['marker=00000000-0000-0000-0000-000000000000', 'No image found with ID 00000000-0000-0000-0000-000000000000'],
      ['protected=yes', "Invalid value 'yes' for 'protected' filter. Valid values are 'true' or 'false'."],
      ['name=in:"unclosed', 'Invalid filter value "unclosed. The quote is not closed.'],
    ]
    for (const [query, message] of cases) {
      const res = await image.get(`/v2/images?${query}`)
      assert.equal(res.status, 400, query)
      assert.equal(messageOf(res.body), message, query)
    }
  })
})
