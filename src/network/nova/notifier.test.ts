import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { silentLogger } from '../../common/log/logger.ts'
import { catalogComputeUrl, createNovaNotifier } from './notifier.ts'

/** A stand-in compute API that records each events request and answers with `status`. */
let server: Server
let url: string
let status = 200
const seen: Array<{ token: string; events: any[] }> = []
before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const { events } = JSON.parse(body)
      seen.push({ token: String(req.headers['x-auth-token']), events })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ events: events.map((e: any) => ({ ...e, status: 'completed', code: 200 })) }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2.1`
})
after(() => server.close())

/** Polls until `done` holds (the timer fires on its own; under load it may be late). */
async function waitFor(done: () => boolean): Promise<void> {
  const until = Date.now() + 5_000
  while (!done()) {
    if (Date.now() > until) assert.fail('the notifier never sent')
    await new Promise((r) => setTimeout(r, 5))
  }
}

const vm = (id: string, device = 'vm-1', owner = 'compute:nova') => ({ id, device_id: device, device_owner: owner })

test('events of one interval go in one request, once each, with the service token; ports of no server send none', async () => {
  seen.length = 0
  const n = createNovaNotifier({ computeUrl: async () => url, token: async () => 'svc-token', intervalMs: 20, log: silentLogger })
  n.portsChanged([vm('p1'), vm('p1'), vm('p2', 'vm-2'), vm('r1', 'router-1', 'network:router_interface'), vm('p3', '')])
  n.portDeleted(vm('p4'))
  n.portDeleted(vm('d1', 'dhcp-1', 'network:dhcp'))
  assert.equal(seen.length, 0, 'nothing is sent before the interval ends')
  await waitFor(() => seen.length > 0)
  assert.equal(seen.length, 1)
  assert.equal(seen[0]!.token, 'svc-token')
  assert.deepEqual(seen[0]!.events, [
    { name: 'network-changed', server_uuid: 'vm-1', tag: 'p1' },
    { name: 'network-changed', server_uuid: 'vm-2', tag: 'p2' },
    { name: 'network-vif-deleted', server_uuid: 'vm-1', tag: 'p4' },
  ])
  n.portsChanged([vm('p5')])
  await n.stop()
  assert.equal(seen.length, 2, 'stop sends what is queued')
})

test('a refusing or missing compute service is logged, never thrown', async () => {
  seen.length = 0
  status = 500
  const n = createNovaNotifier({ computeUrl: async () => url, token: async () => 't', intervalMs: 1, log: silentLogger })
  n.portsChanged([vm('p1')])
  await n.stop()
  assert.equal(seen.length, 1)
  status = 200
  const none = createNovaNotifier({ computeUrl: async () => undefined, token: async () => 't', intervalMs: 1, log: silentLogger })
  none.portsChanged([vm('p1')])
  await none.stop()
  const down = createNovaNotifier({ computeUrl: async () => 'http://127.0.0.1:1/v2.1', token: async () => 't', intervalMs: 1, log: silentLogger })
  down.portsChanged([vm('p1')])
  await down.stop()
  assert.equal(seen.length, 1)
})

test('the compute endpoint comes from the catalog, else from the fallback', async () => {
  let calls = 0
  const catalog = [{ type: 'compute', endpoints: [{ interface: 'internal', url: 'http://i' }, { interface: 'public', url: 'http://p' }] }]
  const found = catalogComputeUrl(async () => (calls++, catalog), () => 'http://fallback')
  assert.equal(await found(), 'http://p')
  assert.equal(await found(), 'http://p')
  assert.equal(calls, 1, 'a found endpoint is remembered')
  const missing = catalogComputeUrl(async () => [{ type: 'image', endpoints: [] }], () => 'http://fallback')
  assert.equal(await missing(), 'http://fallback')
})
