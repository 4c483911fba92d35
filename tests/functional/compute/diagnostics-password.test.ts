/**
 * Server diagnostics (admin: the hypervisor's counters of the guest, in the format of the
 * requested microversion), the server password the metadata service keeps, the fixed extension
 * list, and the legacy v2.0 version document.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
const v248 = { 'OpenStack-API-Version': 'compute 2.48' }
const v247 = { 'OpenStack-API-Version': 'compute 2.47' }

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

describe('server diagnostics', () => {
  let server: any
  let mac: string
  before(async () => {
    const flavor = await c.admin.post('/v2.1/flavors', { flavor: { name: 'diag', ram: 128, vcpus: 2, disk: 1, 'OS-FLV-EXT-DATA:ephemeral': 1 } })
    assert.equal(flavor.status, 200, JSON.stringify(flavor.body))
    server = await bootServer(c, c.demo, {}, flavor.body.flavor.id)
    const shown = (await c.demo.get(`/v2.1/servers/${server.id}`)).body.server
    mac = (Object.values(shown.addresses)[0] as any[])[0]['OS-EXT-IPS-MAC:mac_addr']
  })

  test('from 2.48 the standardized document counts the server\'s vCPUs, memory, port and disks', async () => {
    const r = await c.admin.get(`/v2.1/servers/${server.id}/diagnostics`, v248)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const d = r.body
    assert.deepEqual(Object.keys(d).sort(), [
      'config_drive', 'cpu_details', 'disk_details', 'driver', 'hypervisor', 'hypervisor_os', 'memory_details',
      'nic_details', 'num_cpus', 'num_disks', 'num_nics', 'state', 'uptime',
    ])
    assert.equal(d.state, 'running')
    assert.equal(d.driver, 'libvirt')
    assert.equal(d.config_drive, false)
    assert.equal(d.num_cpus, 2)
    assert.deepEqual(d.cpu_details.map((x: any) => x.id), [0, 1])
    assert.equal(d.memory_details.maximum, 128)
    assert.equal(d.num_nics, 1)
    assert.equal(d.nic_details[0].mac_address, mac)
    assert.equal(d.num_disks, 2, 'root and ephemeral disk')
    assert.deepEqual(Object.keys(d.disk_details[0]).sort(), ['errors_count', 'read_bytes', 'read_requests', 'write_bytes', 'write_requests'])
    assert.ok(Number.isInteger(d.uptime) && d.uptime >= 0)
  })

  test('before 2.48 the driver\'s own keys (libvirt\'s), memory in KiB', async () => {
    const r = await c.admin.get(`/v2.1/servers/${server.id}/diagnostics`, v247)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const keys = Object.keys(r.body)
    assert.ok(keys.includes('cpu0_time') && keys.includes('cpu1_time') && !keys.includes('cpu2_time'), keys.join())
    assert.ok(keys.includes('vda_read_req') && keys.includes('vdb_write'), keys.join())
    assert.equal(keys.filter((k) => /^tap.*_rx$/.test(k)).length, 1, keys.join())
    assert.equal(r.body.memory, 128 * 1024)
    assert.equal(r.body.state, undefined)
  })

  test('only admins may see them; other projects do not see the server; unknown servers are 404', async () => {
    novaError(await c.demo.get(`/v2.1/servers/${server.id}/diagnostics`), 403, 'forbidden')
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'diag-other'))
    novaError(await other.get(`/v2.1/servers/${server.id}/diagnostics`), 404, 'itemNotFound')
    novaError(await c.admin.get('/v2.1/servers/00000000-0000-0000-0000-000000000000/diagnostics'), 404, 'itemNotFound')
  })

  test('a stopped server has no running guest to measure: 409', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    novaError(await c.admin.get(`/v2.1/servers/${s.id}/diagnostics`, v248), 409, 'conflictingRequest',
      `Cannot 'get_diagnostics' instance ${s.id} while it is in power state shutdown`)
  })
})

describe('server password', () => {
  test('none is stored until the guest posts one; clearing is 204; other projects get 404', async () => {
    const s = await bootServer(c, c.demo)
    const path = `/v2.1/servers/${s.id}/os-server-password`
    const shown = await c.demo.get(path)
    assert.equal(shown.status, 200)
    assert.deepEqual(shown.body, { password: '' })
    const cleared = await c.demo.delete(path)
    assert.equal(cleared.status, 204)
    assert.deepEqual((await c.demo.get(path)).body, { password: '' })
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'password-other'))
    novaError(await other.get(path), 404, 'itemNotFound')
    novaError(await other.delete(path), 404, 'itemNotFound')
    novaError(await c.demo.get('/v2.1/servers/00000000-0000-0000-0000-000000000000/os-server-password'), 404, 'itemNotFound')
  })
})

describe('extensions and versions', () => {
  test('the fixed extension list, one extension by alias, and 404 for an unknown alias', async () => {
    const list = await c.demo.get('/v2.1/extensions')
    assert.equal(list.status, 200)
    assert.ok(list.body.extensions.some((e: any) => e.name === 'Hosts' && e.alias === 'os-hosts'))
    const one = await c.demo.get('/v2.1/extensions/os-consoles')
    assert.equal(one.status, 200)
    assert.deepEqual(one.body, { extension: {
      alias: 'os-consoles', description: 'Interactive Console support.', links: [], name: 'Consoles',
      namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z',
    } })
    novaError(await c.demo.get('/v2.1/extensions/os-no-such'), 404, 'itemNotFound')
  })

  test('every version the root lists answers at its self link with the same self link', async () => {
    const versions = (await c.demo.get('/')).body.versions
    assert.deepEqual(versions.map((v: any) => v.id), ['v2.0', 'v2.1'])
    for (const v of versions) {
      const self = v.links.find((l: any) => l.rel === 'self').href
      const doc = await c.demo.get(new URL(self).pathname)
      assert.equal(doc.status, 200, self)
      assert.equal(doc.body.version.id, v.id)
      assert.deepEqual(doc.body.version.links.filter((l: any) => l.rel === 'self'), [{ rel: 'self', href: self }])
    }
  })
})
