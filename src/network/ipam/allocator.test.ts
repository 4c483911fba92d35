import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AddressAllocator, isInCidr, isInPools, pickFreeAddress } from './allocator.ts'
import { formatIp, parseIpv4Number } from './ip-address.ts'

const first = { strategy: 'first' } as const
const v4 = (n: number) => formatIp({ version: 4, value: BigInt(n) })
const parseIpv4 = (ip: string) => parseIpv4Number(ip)!

describe('pickFreeAddress', () => {
  const cases: Array<[string, Array<{ start: string; end: string }>, string[], string | undefined]> = [
    ['empty pool', [{ start: '10.0.0.2', end: '10.0.0.254' }], [], '10.0.0.2'],
    ['skips used', [{ start: '10.0.0.2', end: '10.0.0.254' }], ['10.0.0.2', '10.0.0.3', '10.0.0.5'], '10.0.0.4'],
    ['used outside the pool do not matter', [{ start: '10.0.0.10', end: '10.0.0.20' }], ['10.0.0.1', '10.0.0.99'], '10.0.0.10'],
    ['next pool when the first is full', [{ start: '10.0.0.2', end: '10.0.0.3' }, { start: '10.0.0.100', end: '10.0.0.100' }],
      ['10.0.0.3', '10.0.0.2'], '10.0.0.100'],
    ['everything used', [{ start: '10.0.0.2', end: '10.0.0.3' }], ['10.0.0.2', '10.0.0.3'], undefined],
    ['/31 pool', [{ start: '10.0.0.0', end: '10.0.0.1' }], ['10.0.0.0'], '10.0.0.1'],
    ['/32 pool', [{ start: '10.0.0.4', end: '10.0.0.4' }], [], '10.0.0.4'],
    ['IPv6 /64', [{ start: '2001:db8::1', end: '2001:db8::ffff:ffff:ffff:ffff' }], ['2001:db8::1', '2001:db8::2'], '2001:db8::3'],
    ['IPv6 /127', [{ start: '2001:db8::1', end: '2001:db8::1' }], ['2001:db8::1'], undefined],
    ['IPv6 /128', [{ start: '2001:db8::9', end: '2001:db8::9' }], ['10.0.0.1'], '2001:db8::9'],
    ['no pools', [], [], undefined],
    ['used in another spelling', [{ start: '2001:db8::1', end: '2001:db8::2' }], ['2001:DB8:0::1'], '2001:db8::2'],
  ]
  for (const [name, pools, used, want] of cases) {
    it(name, () => assert.equal(pickFreeAddress(pools, used, first), want))
  }

  it('randomises within the first `window` free addresses, like Neutron', () => {
    const pools = [{ start: '10.0.0.2', end: '10.0.0.254' }]
    assert.equal(pickFreeAddress(pools, ['10.0.0.3'], { random: () => 0 }), '10.0.0.2')
    assert.equal(pickFreeAddress(pools, ['10.0.0.3'], { random: () => 0.9999, window: 3 }), '10.0.0.5')
    assert.equal(pickFreeAddress(pools, [], { random: () => 0.9999 }), '10.0.0.254')
    const seen = new Set(Array.from({ length: 200 }, () => pickFreeAddress(pools, [], { window: 5 })))
    assert.ok([...seen].every((ip) => ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'].includes(ip!)))
  })
})

describe('AddressAllocator retries', () => {
  it('skips addresses reported as just taken', () => {
    const allocator = new AddressAllocator([{ start: '10.0.0.2', end: '10.0.0.5' }], ['10.0.0.3'], first)
    assert.equal(allocator.next(), '10.0.0.2')
    allocator.markTaken('10.0.0.2') // unique-constraint conflict: someone else got it
    assert.equal(allocator.next(), '10.0.0.4')
    allocator.markTaken('10.0.0.4')
    allocator.markTaken('10.0.0.5')
    assert.equal(allocator.next(), undefined)
  })

  it('counts free addresses without enumerating', () => {
    const allocator = new AddressAllocator([{ start: '2001:db8::1', end: '2001:db8::ffff:ffff:ffff:ffff' }], ['2001:db8::5'])
    assert.equal(allocator.freeCount(), (1n << 64n) - 2n)
  })

  it('stays fast for a /16 with 60k addresses used', () => {
    const base = 10 << 24
    // 60k of the /16's 65534 hosts, in scrambled order, so the free space is thousands of small gaps.
    const used = Array.from({ length: 60_000 }, (_, i) => v4(base + ((i * 7919) % 65_534) + 1))
    const pools = [{ start: v4(base + 1), end: v4(base + 65_534) }]
    const timings: string[] = []
    let allocator: AddressAllocator | undefined
    for (const run of ['cold', 'warm']) {
      const started = performance.now()
      allocator = new AddressAllocator(pools, used)
      allocator.markTaken(allocator.next()!)
      timings.push(`${run} ${(performance.now() - started).toFixed(1)} ms`)
    }
    const started = performance.now()
    for (let i = 0; i < 100; i++) allocator!.markTaken(allocator!.next()!)
    timings.push(`100 more picks ${(performance.now() - started).toFixed(1)} ms`)
    console.log(`/16 with 60k used, setup + first pick: ${timings.join(', ')}`)

    const free = new Set(Array.from({ length: 65_534 }, (_, i) => v4(base + i + 1)))
    for (const ip of used) free.delete(ip)
    assert.equal(allocator!.freeCount(), BigInt(free.size - 101))
    const firstFree = new AddressAllocator(pools, used, first)
    const picked: string[] = []
    for (let ip = firstFree.next(); ip !== undefined; ip = firstFree.next()) {
      picked.push(ip)
      firstFree.markTaken(ip)
    }
    assert.deepEqual(picked, [...free].sort((a, b) => parseIpv4(a) - parseIpv4(b)))
  })
})

describe('isInPools / isInCidr', () => {
  const pools = [{ start: '10.0.0.2', end: '10.0.0.100' }, { start: '10.0.0.150', end: '10.0.0.160' }]
  const cases: Array<[string, boolean, boolean]> = [
    ['10.0.0.2', true, true],
    ['10.0.0.120', false, true],
    ['10.0.0.160', true, true],
    ['10.0.1.1', false, false],
    ['2001:db8::1', false, false],
    ['junk', false, false],
  ]
  for (const [ip, inPools, inCidr] of cases) {
    it(ip, () => {
      assert.equal(isInPools(ip, pools), inPools)
      assert.equal(isInCidr(ip, '10.0.0.0/24'), inCidr)
    })
  }
})
