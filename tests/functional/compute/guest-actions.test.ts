/**
 * Single-host guest actions through the Compute API on the fake hypervisor: rebuild (with a new
 * image and name, state checks), createImage that uploads a snapshot to the image service,
 * createBackup that does so and rotates out the oldest backups, rescue and unrescue,
 * changePassword; each with its instance action.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

const action = (id: string, body: unknown, version?: string) =>
  c.demo.request('POST', `/v2.1/servers/${id}/action`, body, version ? { 'openstack-api-version': `compute ${version}` } : {})

async function waitForImage(id: string, status: string): Promise<any> {
  const images = c.cloud.service('image', await c.cloud.demo())
  const until = Date.now() + 10_000
  let last: any
  while (Date.now() < until) {
    const r = await images.get(`/v2/images/${id}`)
    last = r.body
    if (r.status === 200 && last.status === status) return last
    if (status === 'deleted' && r.status === 404) return undefined
    await new Promise((ok) => setTimeout(ok, 20))
  }
  assert.fail(`image ${id} did not become ${status}; last ${JSON.stringify(last)}`)
}

/** The actions recorded for the server, or undefined while os-instance-actions is not served. */
async function actionsOf(id: string): Promise<string[] | undefined> {
  const r = await c.demo.get(`/v2.1/servers/${id}/os-instance-actions`)
  return r.status === 200 ? r.body.instanceActions.map((a: { action: string }) => a.action) : undefined
}
const recorded = async (id: string, ...names: string[]) => {
  const acts = await actionsOf(id)
  if (acts) for (const n of names) assert.ok(acts.includes(n), `${n} in ${acts}`)
}

describe('rebuild', () => {
  test('rebuild with a new name, metadata and password answers 202 with the server and comes back ACTIVE', async () => {
    const s = await bootServer(c, c.demo)
    const r = await action(s.id, { rebuild: { imageRef: c.imageId, name: 'rebuilt', metadata: { a: 'b' }, adminPass: 'Secret-1' } })
    assert.equal(r.status, 202, JSON.stringify(r.body))
    assert.equal(r.body.server.adminPass, 'Secret-1')
    assert.equal(r.body.server.name, 'rebuilt')
    assert.equal(r.body.server.status, 'REBUILD')
    assert.equal(r.body.server.image.id, c.imageId)
    const done = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(done.name, 'rebuilt')
    assert.deepEqual(done.metadata, { a: 'b' })
    assert.equal(done['OS-EXT-STS:power_state'], 1)
  })

  test('at 2.75 the answer is the full server view with user_data', async () => {
    const s = await bootServer(c, c.demo)
    const r = await action(s.id, { rebuild: { imageRef: c.imageId } }, '2.75')
    assert.equal(r.status, 202, JSON.stringify(r.body))
    assert.ok('OS-EXT-STS:task_state' in r.body.server)
    assert.ok('user_data' in r.body.server)
    assert.ok(typeof r.body.server.adminPass === 'string')
    await waitForStatus(c.demo, s.id, 'ACTIVE')
  })

  test('a stopped server rebuilds back to SHUTOFF; a missing image is 400; a paused one is 409', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await action(s.id, { 'os-stop': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    novaError(await action(s.id, { rebuild: { imageRef: crypto.randomUUID() } }), 400, 'badRequest', 'Cannot find image for rebuild')
    novaError(await action(s.id, { rebuild: { name: 'x' } }), 400, 'badRequest')
    assert.equal((await action(s.id, { rebuild: { imageRef: c.imageId } })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    assert.equal((await action(s.id, { 'os-start': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal((await action(s.id, { pause: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'PAUSED')
    novaError(await action(s.id, { rebuild: { imageRef: c.imageId } }), 409, 'conflictingRequest', `Cannot 'rebuild' instance ${s.id} while it is in vm_state paused`)
    await recorded(s.id, 'rebuild')
  })
})

describe('createImage', () => {
  test('a snapshot becomes an active image of the caller with the instance properties; the server returns to ACTIVE', async () => {
    const s = await bootServer(c, c.demo)
    const r = await action(s.id, { createImage: { name: 'snap-\u{1F600}-ñ', metadata: { purpose: 'test' } } })
    assert.equal(r.status, 202, JSON.stringify(r.body))
    const location = r.headers.get('location')
    assert.ok(location, 'Location header before 2.45')
    const imageId = location!.split('/').at(-1)!
    const image = await waitForImage(imageId, 'active')
    assert.equal(image.name, 'snap-\u{1F600}-ñ')
    assert.equal(image.instance_uuid, s.id)
    assert.equal(image.image_type, 'snapshot')
    assert.equal(image.purpose, 'test')
    assert.equal(image.base_image_ref, c.imageId)
    assert.ok(image.size > 0)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    await recorded(s.id, 'createImage')

    const r2 = await action(s.id, { createImage: { name: 'snap-2' } }, '2.45')
    assert.equal(r2.status, 202)
    assert.match(r2.body.image_id, /^[0-9a-f-]{36}$/)
    await waitForImage(r2.body.image_id, 'active')
    await waitForStatus(c.demo, s.id, 'ACTIVE')
  })

  test('a snapshot that fails in the hypervisor deletes the image and leaves the server ACTIVE', async () => {
    const flavor = await c.admin.post('/v2.1/flavors', { flavor: { name: 'snapfail', ram: 64, vcpus: 1, disk: 1 } })
    assert.equal(flavor.status, 200, JSON.stringify(flavor.body))
    const fid = flavor.body.flavor.id
    assert.equal((await c.admin.post(`/v2.1/flavors/${fid}/os-extra_specs`, { extra_specs: { 'nubis:fake_fault': 'snapshot' } })).status, 200)
    const s = await bootServer(c, c.demo, {}, fid)
    const r = await action(s.id, { createImage: { name: 'doomed' } }, '2.45')
    assert.equal(r.status, 202)
    await waitForImage(r.body.image_id, 'deleted')
    const back = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(back['OS-EXT-STS:vm_state'], 'active')
  })
})

describe('createBackup', () => {
  /** The caller's active backups of the server and type, oldest first (as tempest lists them). */
  async function backupsOf(serverId: string, type: string): Promise<string[]> {
    const images = c.cloud.service('image', await c.cloud.demo())
    const r = await images.get(`/v2/images?image_type=backup&backup_type=${type}&instance_uuid=${serverId}&sort_key=created_at&sort_dir=asc`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.images.map((i: { name: string }) => i.name)
  }
  const backup = (id: string, name: string, rotation: number | string, version?: string, type = 'daily') =>
    action(id, { createBackup: { name, backup_type: type, rotation } }, version)

  test('backups keep the newest `rotation` of their type, each an image of type backup; the server returns to ACTIVE', async () => {
    const s = await bootServer(c, c.demo)
    const r1 = await backup(s.id, 'b1', 2)
    assert.equal(r1.status, 202, JSON.stringify(r1.body))
    const first = r1.headers.get('location')!.split('/').at(-1)!
    const image = await waitForImage(first, 'active')
    assert.equal(image.image_type, 'backup')
    assert.equal(image.backup_type, 'daily')
    assert.equal(image.instance_uuid, s.id)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    await recorded(s.id, 'createBackup')

    const r2 = await backup(s.id, 'b2', '2', '2.45')
    assert.equal(r2.status, 202)
    assert.deepEqual(Object.keys(r2.body), ['image_id'])
    assert.equal(r2.headers.get('location'), null)
    await waitForImage(r2.body.image_id, 'active')
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    // Another type rotates on its own.
    const weekly = await backup(s.id, 'w1', 1, '2.45', 'weekly')
    await waitForImage(weekly.body.image_id, 'active')
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.deepEqual(await backupsOf(s.id, 'daily'), ['b1', 'b2'])

    const r3 = await backup(s.id, 'b3', 2, '2.45')
    await waitForImage(r3.body.image_id, 'active')
    await waitForImage(first, 'deleted')
    assert.deepEqual(await backupsOf(s.id, 'daily'), ['b2', 'b3'])
    assert.deepEqual(await backupsOf(s.id, 'weekly'), ['w1'])
  })

  test('rotation 0 keeps none, the new backup included, and has no Location before 2.45', async () => {
    const s = await bootServer(c, c.demo)
    const r = await backup(s.id, 'gone', 0)
    assert.equal(r.status, 202)
    assert.equal(r.headers.get('location'), null)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    const until = Date.now() + 10_000
    while ((await backupsOf(s.id, 'daily')).length && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20))
    assert.deepEqual(await backupsOf(s.id, 'daily'), [])
  })

  test('bad bodies are 400 and a rescued server 409, creating no image', async () => {
    const s = await bootServer(c, c.demo)
    const bad = [
      { name: 'b', backup_type: 'daily', rotation: -1 }, { name: 'b', backup_type: 'daily', rotation: 'x' },
      { name: 'b', backup_type: 'daily', rotation: 1.5 }, { name: 'b', rotation: 1 }, { backup_type: 'daily', rotation: 1 },
      { name: ' b', backup_type: 'daily', rotation: 1 }, { name: 'b', backup_type: 1, rotation: 1 },
      { name: 'b', backup_type: 'daily', rotation: 1, extra: 1 }, { name: 'b', backup_type: 'daily', rotation: 1, metadata: { k: 1 } },
    ]
    for (const body of bad) novaError(await action(s.id, { createBackup: body }), 400, 'badRequest')
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { rescue: null })).status, 200)
    await waitForStatus(c.demo, s.id, 'RESCUE')
    novaError(await backup(s.id, 'b', 1), 409, 'conflictingRequest', `Cannot 'createBackup' instance ${s.id} while it is in vm_state rescued`)
    assert.deepEqual(await backupsOf(s.id, 'daily'), [])
  })
})

describe('rescue and password', () => {
  test('rescue gives RESCUE with the password, unrescue ACTIVE; rescue of a rescued server is 409', async () => {
    const s = await bootServer(c, c.demo)
    const r = await action(s.id, { rescue: { adminPass: 'Resc-1' } })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body, { adminPass: 'Resc-1' })
    const rescued = await waitForStatus(c.demo, s.id, 'RESCUE')
    assert.equal(rescued['OS-EXT-STS:vm_state'], 'rescued')
    novaError(await action(s.id, { rescue: null }), 409, 'conflictingRequest')
    assert.equal((await action(s.id, { unrescue: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    novaError(await action(s.id, { unrescue: null }), 409, 'conflictingRequest')
    await recorded(s.id, 'rescue', 'unrescue')
  })

  test('a rescue image with hw_rescue_device / hw_rescue_bus gives a stable device rescue: its disk joins the server\'s own', async () => {
    const s = await bootServer(c, c.demo)
    const images = c.cloud.service('image', await c.cloud.demo())
    const img = await images.post('/v2/images', { name: 'rescue', disk_format: 'raw', container_format: 'bare', hw_rescue_device: 'disk', hw_rescue_bus: 'scsi' })
    assert.equal(img.status, 201, JSON.stringify(img.body))
    assert.equal((await images.raw('PUT', `/v2/images/${img.body.id}/file`, Buffer.alloc(512), { 'content-type': 'application/octet-stream' })).status, 204)
    const disks = async () => (await c.admin.get(`/v2.1/servers/${s.id}/diagnostics`, { 'openstack-api-version': 'compute 2.48' })).body.disk_details.length
    const own = await disks()

    assert.equal((await action(s.id, { rescue: { rescue_image_ref: img.body.id } })).status, 200)
    await waitForStatus(c.demo, s.id, 'RESCUE')
    const log = (await action(s.id, { 'os-getConsoleOutput': {} })).body.output
    assert.match(log, new RegExp(`stable device rescue: image ${img.body.id} attached as disk sda on the scsi bus`))
    assert.equal(await disks(), own + 1)
    assert.equal((await action(s.id, { unrescue: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(await disks(), own)

    // The server's own image, without those properties: the classic rescue, from that image.
    assert.equal((await action(s.id, { rescue: null })).status, 200)
    await waitForStatus(c.demo, s.id, 'RESCUE')
    assert.match((await action(s.id, { 'os-getConsoleOutput': {} })).body.output, new RegExp(`rescue boot from image ${c.imageId}`))
    assert.equal(await disks(), own)
    assert.equal((await c.demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
    assert.equal((await images.delete(`/v2/images/${img.body.id}`)).status, 204)
  })

  test('changePassword sets the guest password; a stopped server is 409', async () => {
    const s = await bootServer(c, c.demo)
    const r = await action(s.id, { changePassword: { adminPass: 'New-pass-1' } })
    assert.equal(r.status, 202, JSON.stringify(r.body))
    const back = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(back['OS-EXT-STS:task_state'], null)
    novaError(await action(s.id, { changePassword: {} }), 400, 'badRequest')
    assert.equal((await action(s.id, { 'os-stop': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    novaError(await action(s.id, { changePassword: { adminPass: 'x' } }), 409, 'conflictingRequest', `Cannot 'changePassword' instance ${s.id} while it is in vm_state stopped`)
  })
})
