/**
 * Quotas through the API: defaults, per-project limits set by admins, usage details, who may read
 * what, validation, and the 409 OverQuota a create gets at the limit.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'

let cloud: TestCloud
let admin: ApiClient
let demo: ApiClient
let demoProject: string
let adminProject: string

const DEFAULTS = { floatingip: 50, network: 100, port: 500, router: 10, security_group: 10, security_group_rule: 100, subnet: 100, subnetpool: -1 }

before(async () => {
  cloud = await startTestCloud({ services: ['network'] })
  const demoToken = await cloud.demo()
  const adminToken = await cloud.admin()
  demoProject = demoToken.tokenBody.token.project.id
  adminProject = adminToken.tokenBody.token.project.id
  admin = cloud.service('network', adminToken)
  demo = cloud.service('network', demoToken)
})
after(() => cloud.stop())

describe('reading quotas', () => {
  test('a project reads its own quotas, defaults and the project id', async () => {
    assert.deepEqual((await demo.get(`/v2.0/quotas/${demoProject}`)).body, { quota: DEFAULTS })
    assert.deepEqual((await demo.get(`/v2.0/quotas/${demoProject}/default`)).body, { quota: DEFAULTS })
    assert.deepEqual((await demo.get('/v2.0/quotas/project')).body, { project: { project_id: demoProject } })
    assert.deepEqual((await demo.get('/v2.0/quotas/tenant')).body, { tenant: { tenant_id: demoProject } })
  })

  test("a member may not read another project's quotas nor list them; an admin may", async () => {
    const res = await demo.get(`/v2.0/quotas/${adminProject}`)
    assert.equal(res.status, 403)
    assert.equal(res.body.NeutronError.message, '(rule:get_quota) is disallowed by policy')
    assert.equal((await demo.get('/v2.0/quotas')).status, 403)
    assert.equal((await demo.get(`/v2.0/quotas/${adminProject}/details`)).status, 403)
    assert.equal((await admin.get(`/v2.0/quotas/${demoProject}`)).status, 200)
  })

  test('details show limit, used and reserved per resource', async () => {
    await demo.post('/v2.0/networks', { network: { name: 'counted' } })
    const details = (await demo.get(`/v2.0/quotas/${demoProject}/details`)).body.quota
    assert.deepEqual(Object.keys(details).sort(), Object.keys(DEFAULTS).sort())
    assert.deepEqual(details.network, { limit: 100, used: 1, reserved: 0 })
    assert.deepEqual((await demo.get(`/v2.0/quotas/${demoProject}/details.json`)).body.quota, details, "tempest's client adds .json")
  })

  test('POST is not supported', async () => {
    const res = await admin.post('/v2.0/quotas', { quota: {} })
    assert.equal(res.status, 501)
  })
})

describe('setting quotas', () => {
  test('only admins set and reset quotas', async () => {
    assert.equal((await demo.put(`/v2.0/quotas/${demoProject}`, { quota: { network: 1000 } })).status, 403)
    assert.equal((await demo.delete(`/v2.0/quotas/${demoProject}`)).status, 403)
  })

  test('an admin sets limits, the list shows them, and reset goes back to defaults', async () => {
    const set = await admin.put('/v2.0/quotas/some-project', { quota: { network: 7, port: '20' } })
    assert.equal(set.status, 200)
    assert.deepEqual(set.body.quota, { ...DEFAULTS, network: 7, port: 20 })
    const listed = (await admin.get('/v2.0/quotas')).body.quotas.find((q: any) => q.project_id === 'some-project')
    assert.deepEqual(listed, { ...DEFAULTS, network: 7, port: 20, project_id: 'some-project', tenant_id: 'some-project' })
    assert.equal((await admin.delete('/v2.0/quotas/some-project')).status, 204)
    assert.deepEqual((await admin.get('/v2.0/quotas/some-project')).body.quota, DEFAULTS)
    const again = await admin.delete('/v2.0/quotas/some-project')
    assert.equal(again.status, 404)
    assert.deepEqual(again.body.NeutronError, { type: 'TenantQuotaNotFound', message: 'Quota for project some-project could not be found.', detail: '' })
  })

  test('bad limits are 400s and change nothing', async () => {
    const cases: [unknown, string][] = [
      [{ quota: { network: -2 } }, "Invalid input for network. Reason: '-2' is too small - must be at least '-1'."],
      [{ quota: { network: 'lots' } }, "Invalid input for operation: 'lots' is not an integer."],
      [{ quota: { widgets: 3 } }, "Unrecognized attribute(s) 'widgets'"],
      [{ quotas: { network: 3 } }, "Unable to find 'quota' in request body"],
    ]
    for (const [body, message] of cases) {
      const res = await admin.put('/v2.0/quotas/bad-project', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.NeutronError.message, message)
    }
    assert.equal((await admin.delete('/v2.0/quotas/bad-project')).status, 404, 'nothing was stored')
  })

  test('a limit below what is used is refused unless forced', async () => {
    await demo.post('/v2.0/networks', { network: { name: 'used-1' } })
    await demo.post('/v2.0/networks', { network: { name: 'used-2' } })
    const used = (await demo.get(`/v2.0/quotas/${demoProject}/details`)).body.quota.network.used
    const low = await admin.put(`/v2.0/quotas/${demoProject}`, { quota: { network: used - 1 } })
    assert.equal(low.status, 400)
    assert.equal(low.body.NeutronError.message, `Quota limit ${used - 1} for network must be greater than or equal to already used ${used}`)
    const forced = await admin.put(`/v2.0/quotas/${demoProject}`, { quota: { network: used - 1, force: true } })
    assert.equal(forced.status, 200)
    assert.equal(forced.body.quota.network, used - 1)
    await admin.delete(`/v2.0/quotas/${demoProject}`)
  })
})

describe('enforcement', () => {
  test('creates stop at the limit with 409 OverQuota, and -1 is unlimited', async () => {
    const used = (await demo.get(`/v2.0/quotas/${demoProject}/details`)).body.quota.network.used
    await admin.put(`/v2.0/quotas/${demoProject}`, { quota: { network: used + 1 } })
    assert.equal((await demo.post('/v2.0/networks', { network: { name: 'last-one' } })).status, 201)
    const over = await demo.post('/v2.0/networks', { network: { name: 'one-too-many' } })
    assert.equal(over.status, 409)
    assert.deepEqual(over.body.NeutronError, { type: 'OverQuota', message: "Quota exceeded for resources: ['network'].", detail: '' })
    const bulk = await demo.post('/v2.0/networks', { networks: [{ name: 'bulk-over' }] })
    assert.equal(bulk.status, 409)
    assert.equal((await demo.get('/v2.0/networks?name=one-too-many&name=bulk-over')).body.networks.length, 0)
    await admin.put(`/v2.0/quotas/${demoProject}`, { quota: { network: -1 } })
    assert.equal((await demo.post('/v2.0/networks', { network: { name: 'unlimited' } })).status, 201)
    await admin.delete(`/v2.0/quotas/${demoProject}`)
  })
})
