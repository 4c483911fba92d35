/**
 * @module Shared by the compute functional tests: a cloud with image, network, placement and
 * compute (fake driver), an image and a network the demo project can boot from, and waiting
 * for a server to reach a status the way a user polls for it.
 */
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud, type TestCloudOptions } from '../../support/cloud.ts'
import type { ApiClient } from '../../support/client.ts'

export type ComputeCloud = {
  cloud: TestCloud
  /** Compute API clients. */
  admin: ApiClient
  demo: ApiClient
  /** Network API client of the demo project. */
  demoNetwork: ApiClient
  imageId: string
  networkId: string
  stop(): Promise<void>
}

export async function startComputeCloud(opts: TestCloudOptions = {}): Promise<ComputeCloud> {
  const cloud = await startTestCloud({
    ...opts,
    services: ['image', 'network', ...(opts.services ?? ['placement', 'compute'])],
    config: { image: { registerTinyGuest: false }, ...opts.config, compute: { syncPowerStateIntervalSec: 0, reportIntervalSec: 1, ...(opts.config?.compute as object) } },
  })
  const adminId = await cloud.admin()
  const demoId = await cloud.demo()
  const images = cloud.service('image', adminId)
  const img = await images.post('/v2/images', { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' })
  assert.equal(img.status, 201, JSON.stringify(img.body))
  const up = await images.raw('PUT', `/v2/images/${img.body.id}/file`, Buffer.alloc(4096), { 'content-type': 'application/octet-stream' })
  assert.equal(up.status, 204)
  const demoNetwork = cloud.service('network', demoId)
  const net = await demoNetwork.post('/v2.0/networks', { network: { name: 'private' } })
  assert.equal(net.status, 201, JSON.stringify(net.body))
  const sub = await demoNetwork.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, ip_version: 4, cidr: '10.20.0.0/24', name: 'private-subnet' } })
  assert.equal(sub.status, 201, JSON.stringify(sub.body))
  return {
    cloud, admin: cloud.service('compute', adminId), demo: cloud.service('compute', demoId), demoNetwork,
    imageId: img.body.id, networkId: net.body.network.id, stop: () => cloud.stop(),
  }
}

/**
 * An external network `public` (172.24.8.0/24) and a demo router from the private network to it,
 * so floating IPs can be associated with servers. Returns the external network's id.
 */
export async function routeToPublic(c: ComputeCloud): Promise<string> {
  const adminNetwork = c.cloud.service('network', await c.cloud.admin())
  const net = await adminNetwork.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } })
  assert.equal(net.status, 201, JSON.stringify(net.body))
  const sub = await adminNetwork.post('/v2.0/subnets', { subnet: { network_id: net.body.network.id, ip_version: 4, cidr: '172.24.8.0/24', enable_dhcp: false } })
  assert.equal(sub.status, 201, JSON.stringify(sub.body))
  const router = await c.demoNetwork.post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: net.body.network.id } } })
  assert.equal(router.status, 201, JSON.stringify(router.body))
  const privateSub = (await c.demoNetwork.get(`/v2.0/subnets?network_id=${c.networkId}`)).body.subnets[0]
  const iface = await c.demoNetwork.put(`/v2.0/routers/${router.body.router.id}/add_router_interface`, { subnet_id: privateSub.id })
  assert.equal(iface.status, 200, JSON.stringify(iface.body))
  return net.body.network.id
}

/** The floating addresses a server view shows. */
export const floatingOf = (server: any): string[] =>
  Object.values(server.addresses).flat().filter((a: any) => a['OS-EXT-IPS:type'] === 'floating').map((a: any) => a.addr)

/** Polls GET /servers/{id} until its status is `status` (or ERROR when not expected, which fails). */
export async function waitForStatus(client: ApiClient, id: string, status: string, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs
  let last: any
  while (Date.now() < until) {
    const r = await client.get(`/v2.1/servers/${id}`)
    if (status === 'DELETED' && r.status === 404) return undefined
    assert.equal(r.status, 200, JSON.stringify(r.body))
    last = r.body.server
    if (last.status === status && !last['OS-EXT-STS:task_state']) return last
    if (last.status === 'ERROR' && status !== 'ERROR') assert.fail(`server ${id} went to ERROR: ${JSON.stringify(last.fault)}`)
    await new Promise((r2) => setTimeout(r2, 10))
  }
  assert.fail(`server ${id} did not reach ${status}; last seen ${last?.status} / ${last?.['OS-EXT-STS:task_state']}`)
}

/** Polls GET /servers/{id} until `check` holds of the server view (for changes that land after the request). */
export async function waitForServer(client: ApiClient, id: string, check: (server: any) => boolean, timeoutMs = 5_000): Promise<any> {
  const until = Date.now() + timeoutMs
  let last: any
  while (Date.now() < until) {
    last = (await client.get(`/v2.1/servers/${id}`)).body.server
    if (last && check(last)) return last
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail(`server ${id} never matched; last seen ${JSON.stringify(last)}`)
}

/** Boots a server and waits until it is ACTIVE. */
export async function bootServer(c: ComputeCloud, client: ApiClient, extra: Record<string, unknown> = {}, flavorRef = '42'): Promise<any> {
  const r = await client.post('/v2.1/servers', { server: { name: 'vm', imageRef: c.imageId, flavorRef, networks: [{ uuid: c.networkId }], ...extra } })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  return waitForStatus(client, r.body.server.id, 'ACTIVE')
}

export function novaError(res: { status: number; body: any }, status: number, fault: string, message?: string | RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.ok(res.body[fault], `expected a ${fault} body, got ${JSON.stringify(res.body)}`)
  assert.equal(res.body[fault].code, status)
  if (typeof message === 'string') assert.equal(res.body[fault].message, message)
  else if (message) assert.match(res.body[fault].message, message)
}
