/**
 * Placement: a `limit` on GET /allocation_candidates over many providers. Placement reads only as
 * many trees as the answer needs, so the answer must be the one reading every tree would give:
 * the first trees that fit in id order, or, with randomizeAllocationCandidates, a sample of them.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { provider, startPlacementCloud, type PlacementCloud } from './support.ts'

const roots = (body: any): string[] => body.allocation_requests.map((r: any) => Object.keys(r.allocations)[0])

async function fortyHosts(pc: PlacementCloud): Promise<{ all: string[]; fast: string[]; full: string }> {
  const api = pc.at()
  const all: string[] = []
  const fast: string[] = []
  let full = ''
  for (let n = 0; n < 40; n++) {
    const name = `lim-${String(n).padStart(2, '0')}`
    // Every fourth host is fast; host 8 is fast but has no room for a VCPU.
    const traits = n % 4 === 0 ? ['CUSTOM_FAST'] : []
    const uuid = await provider(api, name, { VCPU: { total: n === 8 ? 1 : 8, reserved: n === 8 ? 1 : 0 }, MEMORY_MB: { total: 4096 } }, { traits })
    all.push(uuid)
    if (n === 8) full = uuid
    else if (n % 4 === 0) fast.push(uuid)
  }
  return { all, fast, full }
}

describe('placement allocation candidates under a limit, in id order', () => {
  let pc: PlacementCloud
  let hosts: Awaited<ReturnType<typeof fortyHosts>>
  before(async () => {
    pc = await startPlacementCloud()
    hosts = await fortyHosts(pc)
  })
  after(async () => { await pc.stop() })

  test('the first hosts that fit, the same as without a limit, even when most hosts do not fit', async () => {
    const api = pc.at()
    const unlimited = roots((await api.get('/allocation_candidates?resources=VCPU:1&required=CUSTOM_FAST')).body)
    assert.deepEqual(unlimited.toSorted(), hosts.fast.toSorted(), 'every fast host with room, and not the full one')
    for (const limit of [1, 3, 8, 9, 50]) {
      const res = await api.get(`/allocation_candidates?resources=VCPU:1&required=CUSTOM_FAST&limit=${limit}`)
      assert.equal(res.status, 200)
      assert.deepEqual(roots(res.body), unlimited.slice(0, limit), `limit ${limit}`)
      assert.deepEqual(Object.keys(res.body.provider_summaries).toSorted(), unlimited.slice(0, limit).toSorted(), `summaries at limit ${limit}`)
    }
    const plain = roots((await api.get('/allocation_candidates?resources=VCPU:1')).body)
    assert.equal(plain.length, 39)
    assert.deepEqual(roots((await api.get('/allocation_candidates?resources=VCPU:1&limit=20')).body), plain.slice(0, 20))
  })
})

describe('placement allocation candidates under a limit, randomized', () => {
  let pc: PlacementCloud
  let hosts: Awaited<ReturnType<typeof fortyHosts>>
  before(async () => {
    pc = await startPlacementCloud({ config: { placement: { port: 0, randomizeAllocationCandidates: true } } })
    hosts = await fortyHosts(pc)
  })
  after(async () => { await pc.stop() })

  test('each answer is a sample of the hosts that fit, and over many answers every one of them comes up', async () => {
    const api = pc.at()
    const seen = new Set<string>()
    for (let n = 0; n < 30; n++) {
      const res = await api.get('/allocation_candidates?resources=VCPU:1&required=CUSTOM_FAST&limit=3')
      assert.equal(res.status, 200)
      const got = roots(res.body)
      assert.equal(got.length, 3)
      assert.equal(new Set(got).size, 3)
      for (const u of got) {
        assert.ok(hosts.fast.includes(u), 'only fast hosts with room')
        seen.add(u)
      }
    }
    // 9 hosts, 3 drawn 30 times: a host is never drawn with probability (2/3)^30, about 5 in a million.
    assert.deepEqual([...seen].toSorted(), hosts.fast.toSorted())
  })
})
