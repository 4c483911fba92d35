/**
 * Several fake compute hosts in one process (`compute.agent.fakeHostCount`, as DevStack's
 * NUMBER_FAKE_NOVA_COMPUTE): each is a service, a hypervisor and a resource provider of its own,
 * and a server cold-migrates from one to the other as it would between machines.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { bootServer, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud

before(async () => {
  c = await startComputeCloud({ config: { compute: { agent: { fakeHostCount: 2 } } } })
})
after(() => c?.stop())

const hostOf = async (id: string) => (await c.admin.get(`/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host']

test('two fake hosts: two up services, two hypervisors, two resource providers; a server migrates between them', async () => {
  const first = c.cloud.config.host
  const second = `${first}-2`
  const services = (await c.admin.get('/v2.1/os-services?binary=nova-compute')).body.services
  assert.deepEqual(services.map((s: any) => [s.host, s.state, s.status]).sort(), [[first, 'up', 'enabled'], [second, 'up', 'enabled']])
  const hypervisors = (await c.admin.get('/v2.1/os-hypervisors')).body.hypervisors
  assert.deepEqual(hypervisors.map((h: any) => h.hypervisor_hostname).sort(), [first, second])
  const placement = c.cloud.service('placement', await c.cloud.admin())
  const providers = (await placement.get('/resource_providers')).body.resource_providers
  assert.deepEqual(providers.map((p: any) => p.name).sort(), [first, second])

  const s = await bootServer(c, c.demo)
  const from = await hostOf(s.id)
  assert.ok([first, second].includes(from))
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { migrate: null })).status, 202)
  await waitForStatus(c.admin, s.id, 'VERIFY_RESIZE')
  assert.equal((await c.admin.post(`/v2.1/servers/${s.id}/action`, { confirmResize: null })).status, 204)
  await waitForStatus(c.admin, s.id, 'ACTIVE')
  assert.equal(await hostOf(s.id), from === first ? second : first)
  await c.demo.delete(`/v2.1/servers/${s.id}`)
  await waitForStatus(c.demo, s.id, 'DELETED')
})
