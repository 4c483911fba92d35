import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { findCommand, runCommand } from '../../common/host/run-command.ts'
import { configDriveFiles, writeConfigDrive } from './config-drive.ts'

const uuid = '0b4a5c8e-3f1d-4e2a-9c7b-6d5e4f3a2b1c'

test('meta_data.json carries the instance, its key pair and extra keys; network data defaults to empty', () => {
  const files = configDriveFiles({
    hostname: 'vm1', uuid, sshKey: 'ssh-ed25519 AAAA test', metaData: { meta: { role: 'db' }, project_id: 'p1', availability_zone: 'az2' },
  })
  assert.deepEqual([...files.keys()], ['openstack/latest/meta_data.json', 'openstack/latest/network_data.json', 'openstack/latest/vendor_data.json'])
  const meta = JSON.parse(files.get('openstack/latest/meta_data.json')!.toString())
  assert.equal(meta.uuid, uuid)
  assert.equal(meta.hostname, 'vm1')
  assert.equal(meta.name, 'vm1')
  assert.equal(meta.availability_zone, 'az2')
  assert.equal(meta.project_id, 'p1')
  assert.deepEqual(meta.meta, { role: 'db' })
  assert.deepEqual(meta.public_keys, { default: 'ssh-ed25519 AAAA test' })
  assert.deepEqual(meta.keys, [{ name: 'default', type: 'ssh', data: 'ssh-ed25519 AAAA test' }])
  assert.equal(Buffer.from(meta.random_seed, 'base64').length, 512)
  assert.deepEqual(JSON.parse(files.get('openstack/latest/network_data.json')!.toString()), { links: [], networks: [], services: [] })
  assert.deepEqual(JSON.parse(files.get('openstack/latest/vendor_data.json')!.toString()), {})
})

test('user_data is written byte for byte, and only when given', () => {
  const script = Buffer.from([0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0xff, 0x00])
  assert.deepEqual(configDriveFiles({ hostname: 'h', uuid, userData: script }).get('openstack/latest/user_data'), script)
  assert.equal(configDriveFiles({ hostname: 'h', uuid }).has('openstack/latest/user_data'), false)
})

test('the drive is an ISO9660 image labelled config-2 with the openstack/latest files', async (t) => {
  if (!(await findCommand('genisoimage'))) return t.skip('genisoimage is not installed (apt-get install genisoimage)')
  const dir = await mkdtemp(join(tmpdir(), 'nubis-config-drive-test-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const iso = join(dir, 'disk.config')
  const networkData = { links: [{ id: 'tap1', type: 'phy', ethernet_mac_address: '52:54:00:00:01:50' }], networks: [], services: [] }
  await writeConfigDrive(iso, { hostname: 'vm1', uuid, userData: '#!/bin/sh\necho hi\n', networkData })
  assert.ok((await stat(iso)).size > 0)

  const info = await runCommand('isoinfo', ['-d', '-i', iso])
  assert.equal(info.code, 0, info.stderr)
  assert.match(info.stdout, /^Volume id: config-2$/m)
  assert.match(info.stdout, /Joliet/)
  const extract = async (path: string) => (await runCommand('isoinfo', ['-J', '-i', iso, '-x', path])).stdout
  assert.equal(JSON.parse(await extract('/openstack/latest/meta_data.json')).uuid, uuid)
  assert.deepEqual(JSON.parse(await extract('/openstack/latest/network_data.json')), networkData)
  assert.equal(await extract('/openstack/latest/user_data'), '#!/bin/sh\necho hi\n')
  // Rock Ridge keeps the lower-case names guests look for.
  const listing = await runCommand('isoinfo', ['-R', '-l', '-i', iso])
  assert.match(listing.stdout, / meta_data\.json\s*$/m)
})
