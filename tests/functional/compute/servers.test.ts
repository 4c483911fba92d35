/**
 * Servers through the Compute API as a user sees them: boot onto the fake hypervisor with a port
 * from the network service, list and filter, power actions with Nova's state machine, delete that
 * gives the port and the capacity back, bad input that changes nothing, faults, and isolation.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

const serverCount = async (as: ApiClient) => (await as.get('/v2.1/servers')).body.servers.length

describe('boot and delete', () => {
  test('a server boots to ACTIVE with an address on its network and a port bound to the host', async () => {
    const s = await bootServer(c, c.demo, { name: 'web-1', metadata: { role: 'web' }, accessIPv6: '0000:0000:0000:0000:0000:BABE:220.12.22.2' })
    assert.equal(s.name, 'web-1')
    assert.equal(s.accessIPv6, '::babe:dc0c:1602', 'accessIPv6 reads back in canonical form, as netaddr writes it')
    assert.equal(s['OS-EXT-STS:vm_state'], 'active')
    assert.equal(s['OS-EXT-STS:power_state'], 1)
    assert.deepEqual(s.metadata, { role: 'web' })
    const addrs = s.addresses.private
    assert.equal(addrs.length, 1)
    assert.match(addrs[0].addr, /^10\.20\.0\.\d+$/)
    assert.equal(addrs[0]['OS-EXT-IPS:type'], 'fixed')
    const ports = (await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)).body.ports
    assert.equal(ports.length, 1)
    assert.equal(ports[0].device_owner, 'compute:nova')
    assert.equal(ports[0].fixed_ips[0].ip_address, addrs[0].addr)
    const asAdmin = (await c.admin.get(`/v2.1/servers/${s.id}`)).body.server
    assert.equal(asAdmin['OS-EXT-SRV-ATTR:host'], c.cloud.config.host)

    const del = await c.demo.delete(`/v2.1/servers/${s.id}`)
    assert.equal(del.status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
    assert.equal((await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)).body.ports.length, 0)
  })

  test('create answers 202 with the id, links, adminPass and both request id headers', async () => {
    const r = await c.demo.post('/v2.1/servers', { server: { name: 'h', imageRef: c.imageId, flavorRef: '42', networks: 'none' } }, { 'OpenStack-API-Version': 'compute 2.37' })
    assert.equal(r.status, 202)
    assert.deepEqual(Object.keys(r.body.server).sort(), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups'])
    assert.match(r.headers.get('x-compute-request-id') ?? '', /^req-/)
    assert.equal(r.headers.get('x-compute-request-id'), r.headers.get('x-openstack-request-id'))
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.37')
    await waitForStatus(c.demo, r.body.server.id, 'ACTIVE')
    await c.demo.delete(`/v2.1/servers/${r.body.server.id}`)
    await waitForStatus(c.demo, r.body.server.id, 'DELETED')
  })

  test('min_count/max_count boots several servers named name-1, name-2', async () => {
    const r = await c.demo.post('/v2.1/servers', { server: { name: 'many', imageRef: c.imageId, flavorRef: '42', min_count: 2, max_count: 2, networks: [{ uuid: c.networkId }] } })
    assert.equal(r.status, 202, JSON.stringify(r.body))
    const list = (await c.demo.get('/v2.1/servers?name=^many')).body.servers
    assert.deepEqual(list.map((s: any) => s.name).sort(), ['many-1', 'many-2'])
    for (const s of list) await waitForStatus(c.demo, s.id, 'ACTIVE')
    for (const s of list) await c.demo.delete(`/v2.1/servers/${s.id}`)
    for (const s of list) await waitForStatus(c.demo, s.id, 'DELETED')
  })
})

describe('state machine', () => {
  test('stop, start, pause, unpause, suspend, resume and reboot move through Nova states; wrong states get 409', async () => {
    const s = await bootServer(c, c.demo)
    const act = (body: unknown) => c.demo.post(`/v2.1/servers/${s.id}/action`, body)
    novaError(await act({ 'os-start': null }), 409, 'conflictingRequest', `Cannot 'start' instance ${s.id} while it is in vm_state active`)
    assert.equal((await act({ 'os-stop': null })).status, 202)
    assert.equal((await waitForStatus(c.demo, s.id, 'SHUTOFF'))['OS-EXT-STS:power_state'], 4)
    novaError(await act({ pause: null }), 409, 'conflictingRequest', `Cannot 'pause' instance ${s.id} while it is in vm_state stopped`)
    novaError(await act({ reboot: { type: 'SOFT' } }), 409, 'conflictingRequest')
    assert.equal((await act({ 'os-start': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal((await act({ pause: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'PAUSED')
    assert.equal((await act({ unpause: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal((await act({ suspend: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SUSPENDED')
    assert.equal((await act({ resume: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal((await act({ reboot: { type: 'HARD' } })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    novaError(await act({ reboot: { type: 'GENTLE' } }), 400, 'badRequest')
    novaError(await act({ restore: null }), 409, 'conflictingRequest', `Cannot 'restore' instance ${s.id} while it is in vm_state active`)
    novaError(await c.demo.post(`/v2.1/servers/${randomUUID()}/action`, { restore: null }), 404, 'itemNotFound')
    const out = await act({ 'os-getConsoleOutput': { length: 3 } })
    assert.equal(out.status, 200)
    assert.equal(out.body.output.split('\n').length, 3, 'the trailing newline counts as a line, as in Nova')
    const whole = (await act({ 'os-getConsoleOutput': {} })).body.output
    assert.ok(whole.endsWith(out.body.output) && whole.length > out.body.output.length, whole)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })

  test('a locked server refuses actions from its owner until unlocked', async () => {
    const s = await bootServer(c, c.demo)
    const act = (body: unknown) => c.demo.post(`/v2.1/servers/${s.id}/action`, body)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { lock: { locked_reason: 'maintenance' } }, { 'OpenStack-API-Version': 'compute 2.73' })).status, 202)
    const shown = (await c.demo.get(`/v2.1/servers/${s.id}`, { 'OpenStack-API-Version': 'compute 2.73' })).body.server
    assert.equal(shown.locked, true)
    assert.equal(shown.locked_reason, 'maintenance')
    novaError(await act({ 'os-stop': null }), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    novaError(await c.demo.delete(`/v2.1/servers/${s.id}`), 409, 'conflictingRequest')
    novaError(await act({ forceDelete: null }), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    assert.equal((await act({ unlock: null })).status, 202)
    assert.equal((await c.demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })

  test('the owner force-deletes a server (202, as `openstack server delete --force` expects); another project cannot', async () => {
    const s = await bootServer(c, c.demo)
    const stranger = c.cloud.service('compute', await otherProjectMember(c.cloud, 'force-delete-stranger'))
    novaError(await stranger.post(`/v2.1/servers/${s.id}/action`, { forceDelete: null }), 404, 'itemNotFound')
    assert.equal((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.status, 'ACTIVE')
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { forceDelete: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'DELETED')
    assert.equal((await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)).body.ports.length, 0)
  })

  test('a guest that stops by itself becomes SHUTOFF at the next power-state sync', async () => {
    const s = await bootServer(c, c.demo)
    const compute = c.cloud.running('compute') as unknown as { driver: { crash(id: string): void }; syncPowerStates(): Promise<void> }
    compute.driver.crash(s.id)
    await compute.syncPowerStates()
    const now = (await c.demo.get(`/v2.1/servers/${s.id}`)).body.server
    assert.equal(now.status, 'SHUTOFF')
    assert.equal(now['OS-EXT-STS:power_state'], 4)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })
})

describe('personality files (below 2.57)', () => {
  const v256 = { 'OpenStack-API-Version': 'compute 2.56' }
  const file = (path: string, text: string) => ({ path, contents: Buffer.from(text).toString('base64') })
  const boot = (personality: unknown, headers: Record<string, string> = v256) =>
    c.demo.post('/v2.1/servers', { server: { name: 'files', imageRef: c.imageId, flavorRef: '42', networks: [{ uuid: c.networkId }], personality } }, headers)
  const consoleOf = async (id: string) => (await c.demo.post(`/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output as string

  test('are written into the guest at create and at rebuild', async () => {
    const r = await boot([file('/etc/motd', 'hello'), file('/root/notes.txt', 'twelve bytes')])
    assert.equal(r.status, 202, JSON.stringify(r.body))
    const id = r.body.server.id
    await waitForStatus(c.demo, id, 'ACTIVE')
    const log = await consoleOf(id)
    assert.match(log, /injected file \/etc\/motd \(5 bytes\)/)
    assert.match(log, /injected file \/root\/notes.txt \(12 bytes\)/)
    const rebuilt = await c.demo.post(`/v2.1/servers/${id}/action`, { rebuild: { imageRef: c.imageId, personality: [file('/etc/issue', 'rebuilt')] } }, v256)
    assert.equal(rebuilt.status, 202, JSON.stringify(rebuilt.body))
    await waitForStatus(c.demo, id, 'ACTIVE')
    assert.match(await consoleOf(id), /injected file \/etc\/issue \(7 bytes\)/)
    novaError(await c.demo.post(`/v2.1/servers/${id}/action`, { rebuild: { imageRef: c.imageId, personality: [] } }, { 'OpenStack-API-Version': 'compute 2.57' }), 400, 'badRequest')
    await c.demo.delete(`/v2.1/servers/${id}`)
    await waitForStatus(c.demo, id, 'DELETED')
  })

  test('over the injected file quotas is 403, a malformed file 400, and from 2.57 the field is refused; nothing is created', async () => {
    const before = await serverCount(c.demo)
    const limits = (await c.demo.get('/v2.1/limits', v256)).body.limits.absolute
    const max = limits.maxPersonality as number
    assert.ok(max > 0)
    novaError(await boot(Array.from({ length: max + 1 }, (_, n) => file(`/f${n}`, 'x'))), 403, 'forbidden', 'Personality file limit exceeded')
    novaError(await boot([file(`/${'p'.repeat(255)}`, 'x')]), 403, 'forbidden', 'Personality file path exceeds maximum 255')
    const big = 'y'.repeat(limits.maxPersonalitySize)
    novaError(await boot([file('/big', big)]), 403, 'forbidden', `Personality file content exceeds maximum ${limits.maxPersonalitySize}`)
    novaError(await boot([{ path: '/a', contents: 'not base64!' }]), 400, 'badRequest', "Invalid input for field/attribute contents. Value: not base64!. 'not base64!' is not a 'base64'")
    novaError(await boot([{ path: '/a', contents: 'eA==', mode: '0644' }]), 400, 'badRequest')
    novaError(await boot([file('/a', 'x')], { 'OpenStack-API-Version': 'compute 2.57' }), 400, 'badRequest', /'personality' was unexpected/)
    assert.equal(await serverCount(c.demo), before)
  })
})

describe('bad input changes nothing', () => {
  const boot = (server: Record<string, unknown>, as = () => c.demo) => as().post('/v2.1/servers', { server: { name: 'bad', imageRef: c.imageId, flavorRef: '42', ...server } })

  test('unknown flavor, unknown image, bad names, another project\'s network, malformed bodies', async () => {
    const before = await serverCount(c.demo)
    novaError(await boot({ flavorRef: 'nope' }), 400, 'badRequest', 'Flavor nope could not be found.')
    novaError(await boot({ imageRef: '11111111-2222-3333-4444-555555555555' }), 400, 'badRequest', 'Can not find requested image')
    novaError(await boot({ name: '' }), 400, 'badRequest')
    novaError(await boot({ name: 12345 }), 400, 'badRequest')
    novaError(await boot({ name: 'x'.repeat(256) }), 400, 'badRequest')
    novaError(await boot({ networks: [{ uuid: 'not-a-uuid' }] }), 400, 'badRequest')
    novaError(await boot({ accessIPv6: '2.2.2.2' }), 400, 'badRequest')
    novaError(await boot({ unknown_field: 1 }), 400, 'badRequest')
    const other = await otherProjectMember(c.cloud, 'compute-other')
    const otherNet = (await c.cloud.service('network', other).post('/v2.0/networks', { network: { name: 'theirs' } })).body.network
    novaError(await boot({ networks: [{ uuid: otherNet.id }] }), 400, 'badRequest', `Network ${otherNet.id} could not be found.`)
    const raw = await c.demo.raw('POST', '/v2.1/servers', '{"server": ', { 'content-type': 'application/json' })
    assert.equal(raw.status, 400)
    assert.equal(await serverCount(c.demo), before)
  })

  test('over the instance quota is 403 and creates nothing', async () => {
    const before = await serverCount(c.demo)
    const r = await boot({ min_count: 50, max_count: 50, networks: [{ uuid: c.networkId }] })
    novaError(r, 403, 'forbidden', /Quota exceeded for (instances|cores|ram)/)
    assert.equal(await serverCount(c.demo), before)
  })

  test('a build that fails on every host ends in ERROR with a fault, never half-built', async () => {
    const flavor = await c.admin.post('/v2.1/flavors', { flavor: { name: 'faulty', ram: 64, vcpus: 1, disk: 1, id: 'faulty' } })
    assert.equal(flavor.status, 200, JSON.stringify(flavor.body))
    assert.equal((await c.admin.post('/v2.1/flavors/faulty/os-extra_specs', { extra_specs: { 'nubis:fake_fault': 'spawn' } })).status, 200)
    const r = await boot({ flavorRef: 'faulty', networks: [{ uuid: c.networkId }] }, () => c.admin)
    assert.equal(r.status, 202)
    const s = await waitForStatus(c.admin, r.body.server.id, 'ERROR')
    assert.match(s.fault.message, /No valid host was found|injected fault/)
    assert.equal(s.fault.code, 500)
    // The ports made for the failed attempt are gone.
    assert.equal((await c.cloud.service('network', await c.cloud.admin()).get(`/v2.0/ports?device_id=${s.id}`)).body.ports.length, 0)
    assert.equal((await c.admin.delete(`/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.admin, s.id, 'DELETED')
  })
})

describe('listing and isolation', () => {
  test('filters by name, status and flavor; paging with limit and marker', async () => {
    const a = await bootServer(c, c.demo, { name: 'alpha' })
    const b = await bootServer(c, c.demo, { name: 'beta' })
    const names = async (q: string) => (await c.demo.get(`/v2.1/servers${q}`)).body.servers.map((s: any) => s.name).sort()
    assert.deepEqual(await names('?name=alp'), ['alpha'])
    assert.deepEqual(await names('?status=ACTIVE&name=^(alpha|beta)$'), ['alpha', 'beta'])
    assert.deepEqual(await names('?status=SHUTOFF&name=^(alpha|beta)$'), [])
    assert.deepEqual(await names('?flavor=nope'), [])
    const page = await c.demo.get('/v2.1/servers?limit=1&name=^(alpha|beta)$')
    assert.equal(page.body.servers.length, 1)
    assert.match(page.body.servers_links[0].href, /marker=/)
    const next = await c.demo.get(`/v2.1/servers?limit=1&name=^(alpha|beta)$&marker=${page.body.servers[0].id}`)
    assert.equal(next.body.servers.length, 1)
    assert.notEqual(next.body.servers[0].id, page.body.servers[0].id)
    const none = await c.demo.get('/v2.1/servers?limit=0')
    assert.equal(none.status, 200, JSON.stringify(none.body))
    assert.deepEqual(none.body, { servers: [] })
    novaError(await c.demo.get('/v2.1/servers?limit=-1'), 400, 'badRequest')
    novaError(await c.demo.get('/v2.1/servers?limit=abc'), 400, 'badRequest')
    novaError(await c.demo.get('/v2.1/servers?changes-since=yesterday'), 400, 'badRequest')
    novaError(await c.demo.get('/v2.1/servers?changes-since=2011/01/01'), 400, 'badRequest', /changes-since.*is not a 'date-time'/)
    assert.equal((await c.demo.get('/v2.1/servers?changes-since=2011-01-01 00:00:00 00:00')).status, 200, 'an unescaped + of the zone is a space')
    assert.equal((await c.demo.get('/v2.1/servers?changes-since=2011-01-01')).status, 200)
    novaError(await c.demo.get('/v2.1/servers?marker=00000000-0000-0000-0000-000000000000'), 400, 'badRequest')

    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'compute-iso'))
    novaError(await other.get(`/v2.1/servers/${a.id}`), 404, 'itemNotFound', `Instance ${a.id} could not be found.`)
    novaError(await other.delete(`/v2.1/servers/${a.id}`), 404, 'itemNotFound')
    novaError(await other.post(`/v2.1/servers/${a.id}/action`, { 'os-stop': null }), 404, 'itemNotFound')
    assert.equal((await other.get('/v2.1/servers')).body.servers.length, 0)
    const all = (await c.admin.get('/v2.1/servers?all_tenants=1')).body.servers.map((s: any) => s.id)
    assert.ok(all.includes(a.id) && all.includes(b.id))
    const demoProject = (await c.demo.get(`/v2.1/servers/${a.id}`)).body.server.tenant_id
    const adminOwn = (await c.admin.get(`/v2.1/servers?tenant_id=${demoProject}`)).body.servers.map((s: any) => s.id)
    assert.ok(!adminOwn.includes(a.id), 'without all_tenants tenant_id is ignored: the admin sees its own project, as in Nova')
    const narrowed = (await c.admin.get(`/v2.1/servers?all_tenants=1&tenant_id=${demoProject}`)).body.servers.map((s: any) => s.id)
    assert.ok(narrowed.includes(a.id) && narrowed.includes(b.id))
    for (const s of [a, b]) await c.demo.delete(`/v2.1/servers/${s.id}`)
    for (const s of [a, b]) await waitForStatus(c.demo, s.id, 'DELETED')
  })

  test('microversions: unsupported versions get 406, views follow the requested version', async () => {
    novaError(await c.demo.get('/v2.1/servers', { 'OpenStack-API-Version': 'compute 3.0' }), 406, 'notAcceptable')
    novaError(await c.demo.get('/v2.1/servers', { 'OpenStack-API-Version': 'compute 2.x' }), 400, 'badRequest')
    const latest = await c.demo.get('/v2.1', { 'OpenStack-API-Version': 'compute latest' })
    assert.equal(latest.status, 200)
    const s = await bootServer(c, c.demo)
    const v21 = (await c.demo.get(`/v2.1/servers/${s.id}`)).body.server
    assert.deepEqual(Object.keys(v21.flavor).sort(), ['id', 'links'])
    assert.equal('tags' in v21, false)
    const v247 = (await c.demo.get(`/v2.1/servers/${s.id}`, { 'X-OpenStack-Nova-API-Version': '2.47' })).body.server
    assert.equal(v247.flavor.original_name, 'm1.nano')
    assert.deepEqual(v247.tags, [])
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
  })
})
