/**
 * os-instance-actions and server metadata as a user sees them: a booted and stopped server lists
 * its create and stop actions with their events at each microversion (paging, time filters,
 * deleted servers); metadata is merged, replaced, set, read and deleted one key at a time, and
 * bad bodies, quota, locks and other projects are refused without changing anything.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
let other: ApiClient
const mv = (v: string) => ({ 'OpenStack-API-Version': `compute ${v}` })
const METADATA_ITEMS = 3

before(async () => {
  c = await startComputeCloud({ config: { compute: { quotas: { metadataItems: METADATA_ITEMS } } } })
  other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'actions-other'))
})
after(() => c?.stop())

describe('os-instance-actions', () => {
  test('a booted and stopped server lists stop then create, and shows each with its events', async () => {
    const s = await bootServer(c, c.demo)
    const stop = await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })
    assert.equal(stop.status, 202, JSON.stringify(stop.body))
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    const base = `/v2.1/servers/${s.id}/os-instance-actions`

    const list = await c.demo.get(base)
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.deepEqual(list.body.instanceActions.map((a: any) => a.action), ['stop', 'create'])
    const [stopped, created] = list.body.instanceActions
    assert.deepEqual(Object.keys(stopped).sort(), ['action', 'instance_uuid', 'message', 'project_id', 'request_id', 'start_time', 'user_id'])
    assert.equal(stopped.instance_uuid, s.id)
    assert.equal(stopped.project_id, s.tenant_id)
    assert.equal(stopped.user_id, s.user_id)
    assert.equal(stopped.request_id, stop.headers.get('x-compute-request-id'))
    assert.equal(stopped.message, null)
    assert.match(stopped.start_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/)
    assert.ok(Object.hasOwn((await c.demo.get(base, mv('2.58'))).body.instanceActions[0], 'updated_at'))

    // Before 2.51 the owner sees no events; from 2.51 the events without tracebacks.
    const old = await c.demo.get(`${base}/${created.request_id}`)
    assert.equal(old.status, 200, JSON.stringify(old.body))
    assert.equal(old.body.instanceAction.action, 'create')
    assert.equal(old.body.instanceAction.events, undefined)
    const shown = await c.demo.get(`${base}/${stopped.request_id}`, mv('2.51'))
    const events = shown.body.instanceAction.events
    assert.deepEqual(events.map((e: any) => [e.event, e.result]), [['compute_stop_instance', 'Success']])
    assert.deepEqual(Object.keys(events[0]).sort(), ['event', 'finish_time', 'result', 'start_time'])
    const build = (await c.demo.get(`${base}/${created.request_id}`, mv('2.62'))).body.instanceAction
    assert.deepEqual(build.events.map((e: any) => e.event).sort(), ['compute__do_build_and_run_instance', 'conductor_schedule_and_build_instances'])
    assert.ok(build.events.every((e: any) => e.result === 'Success' && e.finish_time && typeof e.hostId === 'string' && !('host' in e) && !('traceback' in e)))
    assert.equal(build.events.find((e: any) => e.event === 'compute__do_build_and_run_instance').hostId, s.hostId)

    // Admins see tracebacks and, from 2.62, the host; from 2.84 the details too.
    const admin = (await c.admin.get(`${base}/${stopped.request_id}`, mv('2.84'))).body.instanceAction
    assert.deepEqual(Object.keys(admin.events[0]).sort(), ['details', 'event', 'finish_time', 'host', 'hostId', 'result', 'start_time', 'traceback'])
    assert.equal(admin.events[0].host, c.cloud.config.host)
    assert.equal(admin.events[0].traceback, null)
    assert.deepEqual(Object.keys((await c.admin.get(`${base}/${stopped.request_id}`)).body.instanceAction.events[0]).sort(),
      ['event', 'finish_time', 'result', 'start_time', 'traceback'])

    novaError(await c.demo.get(`${base}/req-nope`), 404, 'itemNotFound', 'Action req-nope not found')
    novaError(await other.get(base), 404, 'itemNotFound')
    novaError(await other.get(`${base}/${stopped.request_id}`), 404, 'itemNotFound')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('2.58 pages with limit and marker and filters by changes-since, 2.66 by changes-before', async () => {
    const s = await bootServer(c, c.demo)
    await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    const base = `/v2.1/servers/${s.id}/os-instance-actions`

    const page = await c.demo.get(`${base}?limit=1`, mv('2.58'))
    assert.equal(page.status, 200, JSON.stringify(page.body))
    assert.deepEqual(page.body.instanceActions.map((a: any) => a.action), ['stop'])
    const next = new URL(page.body.links[0].href)
    assert.equal(page.body.links[0].rel, 'next')
    assert.equal(next.searchParams.get('marker'), page.body.instanceActions[0].request_id)
    const rest = await c.demo.get(`${base}${next.search}`, mv('2.58'))
    assert.deepEqual(rest.body.instanceActions.map((a: any) => a.action), ['create'])
    const end = await c.demo.get(`${base}${new URL(rest.body.links[0].href).search}`, mv('2.58'))
    assert.deepEqual(end.body, { instanceActions: [] }, 'a page that is not full has no next link')
    assert.equal((await c.demo.get(`${base}?limit=5`, mv('2.58'))).body.links, undefined)
    novaError(await c.demo.get(`${base}?marker=req-nope`, mv('2.58')), 400, 'badRequest', 'Marker req-nope could not be found.')
    novaError(await c.demo.get(`${base}?limit=-1`, mv('2.58')), 400, 'badRequest')

    const stopAt = page.body.instanceActions[0].updated_at
    const since = await c.demo.get(`${base}?changes-since=${stopAt}`, mv('2.58'))
    assert.deepEqual(since.body.instanceActions.map((a: any) => a.action), ['stop'])
    assert.deepEqual((await c.demo.get(`${base}?changes-since=2999-01-01T00:00:00Z`, mv('2.58'))).body.instanceActions, [])
    novaError(await c.demo.get(`${base}?changes-before=2999-01-01T00:00:00Z`, mv('2.58')), 400, 'badRequest')
    const created = rest.body.instanceActions[0].updated_at
    const beforeStop = await c.demo.get(`${base}?changes-before=${created}`, mv('2.66'))
    assert.deepEqual(beforeStop.body.instanceActions.map((a: any) => a.action), ['create'])
    novaError(await c.demo.get(`${base}?changes-since=2999-01-01T00:00:00Z&changes-before=2000-01-01T00:00:00Z`, mv('2.66')), 400, 'badRequest',
      'The value of changes-since must be less than or equal to changes-before.')
    // Before 2.58 the parameters are ignored.
    assert.equal((await c.demo.get(`${base}?limit=1&bogus=1`)).body.instanceActions.length, 2)
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('from 2.21 the actions of a deleted server stay listed', async () => {
    const s = await bootServer(c, c.demo)
    assert.equal((await c.demo.delete(`/v2.1/servers/${s.id}`)).status, 204)
    await waitForStatus(c.demo, s.id, 'DELETED')
    const base = `/v2.1/servers/${s.id}/os-instance-actions`
    novaError(await c.demo.get(base, mv('2.20')), 404, 'itemNotFound')
    const list = await c.demo.get(base, mv('2.21'))
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.deepEqual(list.body.instanceActions.map((a: any) => a.action), ['delete', 'create'])
    const del = await c.demo.get(`${base}/${list.body.instanceActions[0].request_id}`, mv('2.51'))
    assert.deepEqual(del.body.instanceAction.events.map((e: any) => e.event), ['compute_terminate_instance'])
    novaError(await other.get(base, mv('2.21')), 404, 'itemNotFound')
  })
})

describe('server metadata', () => {
  test('metadata is merged, replaced, set, read and deleted', async () => {
    const s = await bootServer(c, c.demo, { metadata: { role: 'web' } })
    const base = `/v2.1/servers/${s.id}/metadata`
    assert.deepEqual((await c.demo.get(base)).body, { metadata: { role: 'web' } })

    const merged = await c.demo.post(base, { metadata: { tier: 'front', role: 'db' } })
    assert.equal(merged.status, 200, JSON.stringify(merged.body))
    assert.deepEqual(merged.body, { metadata: { role: 'db', tier: 'front' } })

    const replaced = await c.demo.put(base, { metadata: { 'env:name': 'prod', 'a key.1': 'x' } })
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body))
    assert.deepEqual(replaced.body, { metadata: { 'env:name': 'prod', 'a key.1': 'x' } })

    const set = await c.demo.put(`${base}/owner`, { meta: { owner: 'ops' } })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.deepEqual(set.body, { meta: { owner: 'ops' } })
    assert.deepEqual((await c.demo.get(`${base}/owner`)).body, { meta: { owner: 'ops' } })
    assert.deepEqual((await c.demo.get(`${base}/a%20key.1`)).body, { meta: { 'a key.1': 'x' } })

    assert.equal((await c.demo.delete(`${base}/env:name`)).status, 204)
    novaError(await c.demo.get(`${base}/env:name`), 404, 'itemNotFound', 'Metadata item was not found')
    novaError(await c.demo.delete(`${base}/env:name`), 404, 'itemNotFound', 'Metadata item was not found')
    assert.deepEqual((await c.demo.get(`/v2.1/servers/${s.id}`)).body.server.metadata, { 'a key.1': 'x', owner: 'ops' })

    assert.deepEqual((await c.demo.put(base, { metadata: {} })).body, { metadata: {} })
    assert.deepEqual((await c.demo.get(base)).body, { metadata: {} })
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })

  test('bad bodies, quota, locks, stopped servers and other projects', async () => {
    const s = await bootServer(c, c.demo, { metadata: { keep: 'me' } })
    const base = `/v2.1/servers/${s.id}/metadata`
    const unchanged = async () => assert.deepEqual((await c.demo.get(base)).body, { metadata: { keep: 'me' } })

    novaError(await c.demo.post(base, { metadata: { '': 'blank key' } }), 400, 'badRequest')
    novaError(await c.demo.post(base, { metadata: { ['k'.repeat(256)]: 'v' } }), 400, 'badRequest')
    novaError(await c.demo.post(base, { metadata: { k: 'v'.repeat(256) } }), 400, 'badRequest')
    novaError(await c.demo.post(base, { metadata: { k: 1 } }), 400, 'badRequest')
    novaError(await c.demo.post(base, { meta: { k: 'v' } }), 400, 'badRequest')
    novaError(await c.demo.put(base, { metadata: { 'a/b': 'v' } }), 400, 'badRequest')
    novaError(await c.demo.put(`${base}/k`, { meta: { other: 'v' } }), 400, 'badRequest', 'Request body and URI mismatch')
    novaError(await c.demo.put(`${base}/k`, { meta: { k: 'v', j: 'w' } }), 400, 'badRequest')
    novaError(await c.demo.put(`${base}/k`, { meta: {} }), 400, 'badRequest')
    novaError(await c.demo.put(`${base}/k`, { metadata: { k: 'v' } }), 400, 'badRequest')
    await unchanged()

    // The quota counts the items the server would have after the change.
    const over = `Maximum number of metadata items exceeds ${METADATA_ITEMS}`
    novaError(await c.demo.post(base, { metadata: { a: '1', b: '2', c: '3' } }), 403, 'forbidden', over)
    novaError(await c.demo.put(base, { metadata: { a: '1', b: '2', c: '3', d: '4' } }), 403, 'forbidden', over)
    await unchanged()
    assert.equal((await c.demo.put(`${base}/a`, { meta: { a: '1' } })).status, 200)
    assert.equal((await c.demo.put(`${base}/b`, { meta: { b: '2' } })).status, 200)
    novaError(await c.demo.put(`${base}/c`, { meta: { c: '3' } }), 403, 'forbidden', over)
    assert.equal((await c.demo.put(`${base}/a`, { meta: { a: 'changed' } })).status, 200, 'changing a key adds no item')
    assert.equal((await c.demo.put(base, { metadata: { keep: 'me' } })).status, 200)
    await unchanged()

    // Locked: 409 for the owner, admins pass.
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { lock: null })).status, 202)
    novaError(await c.demo.post(base, { metadata: { x: 'y' } }), 409, 'conflictingRequest', `Instance ${s.id} is locked`)
    novaError(await c.demo.delete(`${base}/keep`), 409, 'conflictingRequest')
    await unchanged()
    assert.equal((await c.admin.put(`${base}/admin`, { meta: { admin: 'was here' } })).status, 200)
    assert.equal((await c.admin.delete(`${base}/admin`)).status, 204)
    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { unlock: null })).status, 202)

    // A stopped server takes changes.
    await c.demo.post(`/v2.1/servers/${s.id}/action`, { 'os-stop': null })
    await waitForStatus(c.demo, s.id, 'SHUTOFF')
    assert.equal((await c.demo.put(`${base}/k`, { meta: { k: 'v' } })).status, 200)
    assert.equal((await c.demo.delete(`${base}/k`)).status, 204)

    novaError(await other.get(base), 404, 'itemNotFound')
    novaError(await other.get(`${base}/keep`), 404, 'itemNotFound')
    novaError(await other.post(base, { metadata: { x: 'y' } }), 404, 'itemNotFound')
    novaError(await other.put(base, { metadata: {} }), 404, 'itemNotFound')
    novaError(await other.put(`${base}/keep`, { meta: { keep: 'theirs' } }), 404, 'itemNotFound')
    novaError(await other.delete(`${base}/keep`), 404, 'itemNotFound')
    novaError(await c.demo.get('/v2.1/servers/00000000-0000-0000-0000-000000000000/metadata'), 404, 'itemNotFound')
    await unchanged()
    await c.demo.delete(`/v2.1/servers/${s.id}`)
  })
})
