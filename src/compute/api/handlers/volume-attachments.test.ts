import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { assertTempestSchema, insertInstance, startTestApi, type TestApi } from '../handler-test-kit.ts'
import { volumeAttachmentRoutes } from './volume-attachments.ts'

let api: TestApi
let bare: string
let withVolume: string
const volume = randomUUID()
const attachment = randomUUID()

const mapping = (instance: string, extra: Record<string, unknown>) => ({
  uuid: randomUUID(), instance_uuid: instance, source_type: 'image', destination_type: 'local', boot_index: 0, device_name: '/dev/vda',
  volume_id: null, image_id: 'img', snapshot_id: null, volume_size: null, delete_on_termination: 1, disk_bus: null, device_type: 'disk',
  guest_format: null, tag: null, attachment_id: null, created_at: new Date().toISOString(), ...extra,
})

before(async () => {
  api = await startTestApi((deps) => volumeAttachmentRoutes(deps))
  bare = await insertInstance(api)
  withVolume = await insertInstance(api)
  // What an attach will leave once block storage exists: the image disk, then a volume on vdb.
  await api.db.insertInto('block_device_mappings').values([
    mapping(withVolume, {}),
    mapping(withVolume, {
      source_type: 'volume', destination_type: 'volume', boot_index: null, device_name: '/dev/vdb', volume_id: volume,
      image_id: null, delete_on_termination: 0, tag: 'data', attachment_id: attachment,
    }),
  ]).execute()
})
after(() => api?.stop())

test('a server without volumes lists none; another project cannot see the list', async () => {
  const r = await api.as('demo')('GET', `/v2.1/servers/${bare}/os-volume_attachments`)
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, { volumeAttachments: [] })
  assertTempestSchema(r, 'v2_1.servers', 'list_volume_attachments')
  assert.equal((await api.as('alt')('GET', `/v2.1/servers/${bare}/os-volume_attachments`)).status, 404)
  assert.equal((await api.as('demo')('GET', `/v2.1/servers/${randomUUID()}/os-volume_attachments`)).status, 404)
})

test('volume attachments in the fields of each microversion; disks that are not volumes are left out', async () => {
  const list = async (version: string) => {
    const r = await api.as('demo', version)('GET', `/v2.1/servers/${withVolume}/os-volume_attachments`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r
  }
  const base = { volumeId: volume, serverId: withVolume, device: '/dev/vdb' }
  const v21 = await list('2.1')
  assertTempestSchema(v21, 'v2_1.servers', 'list_volume_attachments')
  assert.deepEqual(v21.body.volumeAttachments, [{ id: volume, ...base }])
  assert.deepEqual((await list('2.70')).body.volumeAttachments, [{ id: volume, ...base, tag: 'data' }])
  const v279 = await list('2.79')
  assertTempestSchema(v279, 'v2_79.servers', 'list_volume_attachments')
  assert.deepEqual(v279.body.volumeAttachments, [{ id: volume, ...base, tag: 'data', delete_on_termination: false }])
  const v289 = (await list('2.89')).body.volumeAttachments
  assert.equal(v289.length, 1)
  assert.deepEqual(Object.keys(v289[0]).sort(), ['attachment_id', 'bdm_uuid', 'delete_on_termination', 'device', 'serverId', 'tag', 'volumeId'])
  assert.equal(v289[0].attachment_id, attachment)

  const one = await api.as('demo', '2.79')('GET', `/v2.1/servers/${withVolume}/os-volume_attachments/${volume}`)
  assert.equal(one.status, 200)
  assertTempestSchema(one, 'v2_79.servers', 'show_volume_attachment')
  assert.deepEqual(one.body.volumeAttachment, { id: volume, ...base, tag: 'data', delete_on_termination: false })
  const other = randomUUID()
  const missing = await api.as('demo')('GET', `/v2.1/servers/${withVolume}/os-volume_attachments/${other}`)
  assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: `Instance ${withVolume} is not attached to volume ${other}` } })
})

test('paging: offset and limit cut the server\'s mappings; bad values are 400, unknown parameters too from 2.75', async () => {
  const get = (q: string, version = '2.1') => api.as('demo', version)('GET', `/v2.1/servers/${withVolume}/os-volume_attachments?${q}`)
  assert.equal((await get('offset=1')).body.volumeAttachments.length, 1)
  // The first mapping is the image disk: a page of one holds no volume.
  assert.equal((await get('limit=1')).body.volumeAttachments.length, 0)
  assert.equal((await get('offset=2')).body.volumeAttachments.length, 0)
  assert.equal((await get('limit=-1')).status, 400)
  assert.equal((await get('offset=x')).status, 400)
  assert.equal((await get('foo=1')).status, 200)
  assert.equal((await get('foo=1', '2.75')).status, 400)
})
