/**
 * Host aggregates mirrored into placement, through the public APIs: add_host and remove_host
 * change the aggregates of the host's resource provider (and leave the others alone), a boot
 * into a zone asks placement for that zone's hosts only, and `nubis compute sync-aggregates`
 * repairs a mirror that went wrong. Two hosts: the whole compute service on the cloud's host
 * and a second compute agent on agg-host-b.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { silentLogger } from '../../../src/common/log/logger.ts'
import { runComputeSyncAggregates } from '../../../src/compute/services.ts'
import type { ApiClient } from '../../support/client.ts'
import { bootServer, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

const HOST_B = 'agg-host-b'
const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` })
const p119 = { 'openstack-api-version': 'placement 1.19' }

let c: ComputeCloud
let placement: ApiClient
/** Resource provider (compute node) uuid by host. */
const providers: Record<string, string> = {}

before(async () => {
  // Without the zone filter only the placement query can keep servers out of other zones.
  c = await startComputeCloud({ config: { compute: { scheduler: { filters: ['ComputeFilter'] } } } })
  await c.cloud.startOnHost('compute-agent', HOST_B)
  placement = c.cloud.service('placement', c.admin)
  const until = Date.now() + 10_000
  while (Object.keys(providers).length < 2 && Date.now() < until) {
    const r = await c.admin.get('/v2.1/os-hypervisors/detail', v('2.53'))
    for (const h of r.body.hypervisors ?? []) providers[h.service.host] = h.id
    await new Promise((r2) => setTimeout(r2, 20))
  }
  assert.deepEqual(Object.keys(providers).sort(), [HOST_B, c.cloud.config.host].sort())
  // The scheduler's view of hosts is reused for a second; let it see host b.
  await new Promise((r) => setTimeout(r, 1100))
})
after(() => c?.stop())

async function providerAggregates(host: string): Promise<{ aggregates: string[]; resource_provider_generation: number }> {
  const r = await placement.get(`/resource_providers/${providers[host]}/aggregates`, p119)
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}

async function createAggregate(name: string, zone?: string): Promise<{ id: number; uuid: string }> {
  const r = await c.admin.post('/v2.1/os-aggregates', { aggregate: { name, ...(zone ? { availability_zone: zone } : {}) } }, v('2.41'))
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.aggregate
}

const hostAction = (id: number, action: 'add_host' | 'remove_host', host: string) =>
  c.admin.post(`/v2.1/os-aggregates/${id}/action`, { [action]: { host } })

test('add_host puts the aggregate on the host\'s provider in placement, remove_host takes it off; other aggregates stay', async () => {
  const foreign = randomUUID()
  const before = await providerAggregates(HOST_B)
  const put = await placement.put(`/resource_providers/${providers[HOST_B]}/aggregates`,
    { aggregates: [foreign], resource_provider_generation: before.resource_provider_generation }, p119)
  assert.equal(put.status, 200, JSON.stringify(put.body))

  const agg = await createAggregate('rack-b')
  assert.equal((await hostAction(agg.id, 'add_host', HOST_B)).status, 200)
  assert.deepEqual((await providerAggregates(HOST_B)).aggregates.sort(), [foreign, agg.uuid].sort())
  assert.deepEqual((await providerAggregates(c.cloud.config.host)).aggregates, [], 'the other host is in no aggregate')

  const rm = await hostAction(agg.id, 'remove_host', HOST_B)
  assert.equal(rm.status, 200, JSON.stringify(rm.body))
  assert.deepEqual(rm.body.aggregate.hosts, [])
  assert.deepEqual((await providerAggregates(HOST_B)).aggregates, [foreign])
  assert.equal((await c.admin.delete(`/v2.1/os-aggregates/${agg.id}`)).status, 200)
})

test('booting into a zone lands on the zone\'s host: the scheduler asks placement for the zone\'s aggregate', async () => {
  const zone = await createAggregate('zone-b-hosts', 'zone-b')
  assert.equal((await hostAction(zone.id, 'add_host', HOST_B)).status, 200)
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const s = await bootServer(c, c.demo, { name: `zoned-${i}`, availability_zone: 'zone-b' })
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'zone-b')
    const shown = await c.admin.get(`/v2.1/servers/${s.id}`)
    assert.equal(shown.body.server['OS-EXT-SRV-ATTR:host'], HOST_B)
    ids.push(s.id)
  }
  for (const id of ids) {
    await c.demo.delete(`/v2.1/servers/${id}`)
    await waitForStatus(c.demo, id, 'DELETED')
  }
  assert.equal((await hostAction(zone.id, 'remove_host', HOST_B)).status, 200)
  assert.equal((await c.admin.delete(`/v2.1/os-aggregates/${zone.id}`)).status, 200)
})

test('nubis compute sync-aggregates adds missing memberships and removes stale ones, then finds nothing to do', async () => {
  const agg = await createAggregate('sync-me')
  const left = await createAggregate('left-behind')
  assert.equal((await hostAction(agg.id, 'add_host', HOST_B)).status, 200)
  // Break the mirror behind the compute API's back: host b loses its aggregate, host a gains one it is not in.
  for (const [host, aggregates] of [[HOST_B, []], [c.cloud.config.host, [left.uuid]]] as const) {
    const cur = await providerAggregates(host)
    const put = await placement.put(`/resource_providers/${providers[host]}/aggregates`,
      { aggregates, resource_provider_generation: cur.resource_provider_generation }, p119)
    assert.equal(put.status, 200, JSON.stringify(put.body))
  }
  const lines: string[] = []
  assert.equal(await runComputeSyncAggregates(c.cloud.config, silentLogger, (l) => lines.push(l)), 0, lines.join('\n'))
  assert.deepEqual(lines, [
    `Added host ${HOST_B} (provider ${providers[HOST_B]}) to aggregate sync-me (${agg.uuid}).`,
    `Removed host ${c.cloud.config.host} (provider ${providers[c.cloud.config.host]}) from aggregate left-behind (${left.uuid}).`,
    '2 placement aggregate change(s) made.',
  ])
  assert.deepEqual((await providerAggregates(HOST_B)).aggregates, [agg.uuid])
  assert.deepEqual((await providerAggregates(c.cloud.config.host)).aggregates, [])

  lines.length = 0
  assert.equal(await runComputeSyncAggregates(c.cloud.config, silentLogger, (l) => lines.push(l)), 0)
  assert.deepEqual(lines, ['Placement aggregates already match the host aggregates.'])
  assert.equal((await hostAction(agg.id, 'remove_host', HOST_B)).status, 200)
})
