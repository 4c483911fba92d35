/**
 * Shelving through the public APIs on the fake hypervisor: shelve offloads at once by default
 * (the snapshot lands in the image service, placement and the hypervisor are freed), unshelve
 * schedules the server again and deletes the snapshot; with shelvedOffloadTimeSec -1 a shelved
 * server keeps its host until an admin offloads it, and unshelve powers it on there. Wrong
 * states, bad bodies per microversion, policies and other projects change nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })
const action = (client: ApiClient, id: string, body: unknown, version?: string) =>
  client.request('POST', `/v2.1/servers/${id}/action`, body, version ? v(version) : {})

async function images(c: ComputeCloud): Promise<ApiClient> {
  return c.cloud.service('image', await c.cloud.demo())
}

/** Provider → resources the server holds in placement. */
async function allocations(c: ComputeCloud, id: string): Promise<Record<string, unknown>> {
  const placement = c.cloud.service('placement', await c.cloud.admin())
  const r = await placement.get(`/allocations/${id}`, { 'openstack-api-version': 'placement 1.28' })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.allocations
}

async function hypervisorUse(c: ComputeCloud): Promise<{ vcpus_used: number; running_vms: number }> {
  const r = await c.admin.get('/v2.1/os-hypervisors/detail')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.hypervisors[0]
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((ok) => setTimeout(ok, 50))
  }
  assert.fail(`timed out waiting for ${what}`)
}

/** The server's actions, oldest first, with their event names. */
async function actionsOf(c: ComputeCloud, id: string): Promise<Array<{ action: string; events: string[] }>> {
  const list = await c.admin.get(`/v2.1/servers/${id}/os-instance-actions`)
  assert.equal(list.status, 200, JSON.stringify(list.body))
  const out = []
  for (const a of list.body.instanceActions.toReversed()) {
    const one = await c.admin.get(`/v2.1/servers/${id}/os-instance-actions/${a.request_id}`, v('2.51'))
    out.push({ action: a.action, events: one.body.instanceAction.events.map((e: { event: string }) => e.event) })
  }
  return out
}

describe('shelve with the default shelvedOffloadTimeSec (0: offload at once)', () => {
  let c: ComputeCloud
  before(async () => {
    c = await startComputeCloud()
  })
  after(() => c?.stop())

  test('shelve offloads: snapshot in the image service, no allocation, no host; unshelve boots it again and deletes the snapshot', async () => {
    const s = await bootServer(c, c.demo, { name: 'keeper' })
    assert.ok(Object.keys(await allocations(c, s.id)).length)
    await eventually('the hypervisor to count the server', async () => (await hypervisorUse(c)).running_vms === 1)

    const r = await action(c.demo, s.id, { shelve: null })
    assert.equal(r.status, 202, JSON.stringify(r.body))
    assert.equal(r.body, undefined)
    const shelved = await waitForStatus(c.admin, s.id, 'SHELVED_OFFLOADED')
    assert.equal(shelved['OS-EXT-STS:vm_state'], 'shelved_offloaded')
    assert.equal(shelved['OS-EXT-SRV-ATTR:host'], null)
    assert.equal(shelved['OS-EXT-SRV-ATTR:hypervisor_hostname'], null)
    assert.equal(shelved['OS-EXT-STS:power_state'], 4)

    const imgs = await (await images(c)).get('/v2/images?name=keeper-shelved')
    assert.equal(imgs.status, 200)
    assert.equal(imgs.body.images.length, 1)
    const snap = imgs.body.images[0]
    assert.equal(snap.status, 'active')
    assert.equal(snap.image_type, 'snapshot')
    assert.equal(snap.instance_uuid, s.id)
    assert.deepEqual(await allocations(c, s.id), {})
    await eventually('the hypervisor to report the server gone', async () => (await hypervisorUse(c)).running_vms === 0)
    assert.equal((await hypervisorUse(c)).vcpus_used, 0)

    assert.equal((await action(c.demo, s.id, { unshelve: null })).status, 202)
    const back = await waitForStatus(c.admin, s.id, 'ACTIVE')
    assert.ok(back['OS-EXT-SRV-ATTR:host'])
    assert.equal(back['OS-EXT-STS:power_state'], 1)
    assert.equal(back.image.id, c.imageId, 'the server keeps the image it was booted from')
    assert.ok(Object.keys(await allocations(c, s.id)).length)
    const gone = await (await images(c)).get(`/v2/images/${snap.id}`)
    assert.equal(gone.status, 404)
    await eventually('the hypervisor to count the server again', async () => (await hypervisorUse(c)).running_vms === 1)

    const acts = await actionsOf(c, s.id)
    assert.deepEqual(acts.map((a) => a.action), ['create', 'shelve', 'unshelve'])
    assert.deepEqual(acts[1].events, ['compute_shelve_instance'])
    assert.ok(acts[2].events.includes('schedule_instances'), JSON.stringify(acts[2]))
    assert.ok(acts[2].events.includes('compute_unshelve_instance'), JSON.stringify(acts[2]))

    // The guest runs again: it can be shelved a second time and deleted while offloaded.
    assert.equal((await action(c.demo, s.id, { shelve: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHELVED_OFFLOADED')
    const again = await (await images(c)).get('/v2/images?name=keeper-shelved')
    assert.equal(again.body.images.length, 1)
    assert.equal((await c.demo.request('DELETE', `/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
    assert.equal((await (await images(c)).get(`/v2/images/${again.body.images[0].id}`)).status, 404)
    const ports = await c.demoNetwork.get(`/v2.0/ports?device_id=${s.id}`)
    assert.deepEqual(ports.body.ports, [])
  })

  test('a stopped server shelves too; 2.77 unshelves into a zone, bad bodies are 400 per version and change nothing', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await action(c.demo, s.id, { 'os-stop': null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    assert.equal((await action(c.demo, s.id, { shelve: {} })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHELVED_OFFLOADED')

    novaError(await action(c.demo, s.id, { unshelve: {} }, '2.77'), 400, 'badRequest')
    novaError(await action(c.demo, s.id, { unshelve: { availability_zone: 'nova', host: 'x' } }, '2.77'), 400, 'badRequest')
    novaError(await action(c.demo, s.id, { unshelve: { availability_zone: null } }, '2.77'), 400, 'badRequest')
    novaError(await action(c.demo, s.id, { unshelve: { foo: 1 } }, '2.91'), 400, 'badRequest')
    novaError(await action(c.demo, s.id, { unshelve: { host: 1 } }, '2.91'), 400, 'badRequest')
    novaError(await action(c.demo, s.id, { unshelve: { availability_zone: 'nowhere' } }, '2.77'), 400, 'badRequest', 'The requested availability zone is not available')
    novaError(await action(c.demo, s.id, { unshelve: { host: 'some-host' } }, '2.91'), 403, 'forbidden')
    novaError(await action(c.admin, s.id, { unshelve: { host: 'no-such-host' } }, '2.91'), 400, 'badRequest', 'Compute host no-such-host could not be found.')
    const still = await waitForStatus(c.demo, s.id, 'SHELVED_OFFLOADED')
    assert.equal(still['OS-EXT-STS:task_state'], null)

    assert.equal((await action(c.demo, s.id, { unshelve: { availability_zone: 'nova' } }, '2.77')).status, 202)
    const back = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(back['OS-EXT-AZ:availability_zone'], 'nova')
  })

  test('at 2.91 an admin unshelves onto a host with the zone unpinned', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await action(c.demo, s.id, { shelve: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHELVED_OFFLOADED')
    const hosts = await c.admin.get('/v2.1/os-hypervisors/detail')
    const host = hosts.body.hypervisors[0].service.host
    novaError(await action(c.admin, s.id, { unshelve: { host, availability_zone: 'elsewhere' } }, '2.91'), 400, 'badRequest', 'The requested availability zone is not available')
    assert.equal((await action(c.admin, s.id, { unshelve: { host, availability_zone: null } }, '2.91')).status, 202)
    const back = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(back['OS-EXT-SRV-ATTR:host'] ?? host, host)
  })

  test('wrong states are 409 in Nova\'s words and change nothing; other projects get 404', async () => {
    const s = await bootServer(c, c.demo)
    novaError(await action(c.demo, s.id, { unshelve: null }), 409, 'conflictingRequest', `Cannot 'unshelve' instance ${s.id} while it is in vm_state active`)
    novaError(await action(c.admin, s.id, { shelveOffload: null }), 409, 'conflictingRequest', `Cannot 'shelveOffload' instance ${s.id} while it is in vm_state active`)
    assert.equal((await action(c.demo, s.id, { lock: null })).status, 202)
    novaError(await action(c.demo, s.id, { shelve: null }), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    assert.equal((await action(c.demo, s.id, { unlock: null })).status, 202)
    assert.equal((await action(c.demo, s.id, { rescue: null })).status, 200)
    await waitForStatus(c.demo, s.id, 'RESCUE')
    novaError(await action(c.demo, s.id, { shelve: null }), 409, 'conflictingRequest', `Cannot 'shelve' instance ${s.id} while it is in vm_state rescued`)
    assert.equal((await action(c.demo, s.id, { unrescue: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')

    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'shelve-other'))
    for (const body of [{ shelve: null }, { unshelve: null }, { shelveOffload: null }]) {
      novaError(await action(other, s.id, body), 404, 'itemNotFound')
    }
    const now = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.equal(now['OS-EXT-STS:task_state'], null)
    const acts = (await actionsOf(c, s.id)).map((a) => a.action)
    assert.ok(!acts.includes('shelve') && !acts.includes('unshelve') && !acts.includes('shelveOffload'), String(acts))
    const snaps = await (await images(c)).get('/v2/images?name=vm-shelved')
    assert.deepEqual(snaps.body.images.filter((i: { instance_uuid?: string }) => i.instance_uuid === s.id), [])
  })
})

describe('shelve with shelvedOffloadTimeSec -1 (never offload by itself)', () => {
  let c: ComputeCloud
  before(async () => {
    c = await startComputeCloud({ config: { compute: { shelvedOffloadTimeSec: -1 } } })
  })
  after(() => c?.stop())

  test('a shelved server keeps its host and allocation; unshelve powers it on there and forgets the snapshot', async () => {
    const s = await bootServer(c, c.demo, { name: 'stays' })
    assert.equal((await action(c.demo, s.id, { shelve: null })).status, 202)
    const shelved = await waitForStatus(c.admin, s.id, 'SHELVED')
    assert.ok(shelved['OS-EXT-SRV-ATTR:host'])
    assert.equal(shelved['OS-EXT-STS:power_state'], 4)
    assert.ok(Object.keys(await allocations(c, s.id)).length)
    const snap = (await (await images(c)).get('/v2/images?name=stays-shelved')).body.images[0]
    assert.equal(snap.status, 'active')

    novaError(await action(c.demo, s.id, { shelve: null }), 409, 'conflictingRequest', `Cannot 'shelve' instance ${s.id} while it is in vm_state shelved`)
    novaError(await action(c.demo, s.id, { unshelve: { availability_zone: 'nova' } }, '2.77'), 409, 'conflictingRequest',
      `Specifying an availability zone or a host when unshelving server "${s.id}" with status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.`)

    assert.equal((await action(c.demo, s.id, { unshelve: null })).status, 202)
    const back = await waitForStatus(c.admin, s.id, 'ACTIVE')
    assert.equal(back['OS-EXT-SRV-ATTR:host'], shelved['OS-EXT-SRV-ATTR:host'])
    assert.equal(back['OS-EXT-STS:power_state'], 1)
    assert.equal((await (await images(c)).get(`/v2/images/${snap.id}`)).status, 404)
    const acts = await actionsOf(c, s.id)
    assert.deepEqual(acts.at(-1), { action: 'unshelve', events: ['compute_start_instance'] })
  })

  test('shelveOffload is for admins and only from SHELVED; it frees placement and the host', async () => {
    const s = await bootServer(c, c.demo)
    novaError(await action(c.admin, s.id, { shelveOffload: null }), 409, 'conflictingRequest')
    assert.equal((await action(c.demo, s.id, { shelve: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHELVED')
    novaError(await action(c.demo, s.id, { shelveOffload: null }), 403, 'forbidden')
    await waitForStatus(c.demo, s.id, 'SHELVED')

    assert.equal((await action(c.admin, s.id, { shelveOffload: null })).status, 202)
    const off = await waitForStatus(c.admin, s.id, 'SHELVED_OFFLOADED')
    assert.equal(off['OS-EXT-SRV-ATTR:host'], null)
    assert.deepEqual(await allocations(c, s.id), {})
    const acts = await actionsOf(c, s.id)
    assert.deepEqual(acts.at(-1), { action: 'shelveOffload', events: ['compute_shelve_offload_instance'] })

    assert.equal((await action(c.demo, s.id, { unshelve: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.ok(Object.keys(await allocations(c, s.id)).length)
  })
})

describe('shelve with shelvedOffloadTimeSec 1 (offload after a second)', () => {
  let c: ComputeCloud
  before(async () => {
    c = await startComputeCloud({ config: { compute: { shelvedOffloadTimeSec: 1 } } })
  })
  after(() => c?.stop())

  test('the host offloads a server shelved longer than that by itself', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await action(c.demo, s.id, { shelve: null })).status, 202)
    await waitForStatus(c.demo, s.id, 'SHELVED')
    const off = await waitForStatus(c.admin, s.id, 'SHELVED_OFFLOADED', 10_000)
    assert.equal(off['OS-EXT-SRV-ATTR:host'], null)
    assert.deepEqual(await allocations(c, s.id), {})
  })
})
