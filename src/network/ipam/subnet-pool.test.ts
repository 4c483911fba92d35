import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatCidr } from './cidr.ts'
import {
  allocateFromSubnetPool, availablePrefixes, checkSubnetPoolQuota, compactPrefixes, isSubnetAvailable, nextSubnet,
  readSubnetPool,
} from './subnet-pool.ts'

describe('nextSubnet (best fit, as _allocate_any_subnet)', () => {
  const cases: Array<[string[], string[], number, string | undefined]> = [
    [['10.0.0.0/16'], [], 24, '10.0.0.0/24'],
    [['10.0.0.0/16'], ['10.0.0.0/24'], 24, '10.0.1.0/24'],
    [['10.0.0.0/16'], ['10.0.1.0/24'], 24, '10.0.0.0/24'],
    [['10.0.0.0/16'], ['10.0.0.0/24', '10.0.2.0/23'], 24, '10.0.1.0/24'],
    [['10.0.0.0/16', '192.168.0.0/26'], [], 26, '192.168.0.0/26'], // smallest block that fits wins
    [['10.0.0.0/16', '192.168.0.0/24'], ['10.0.0.0/24'], 26, '10.0.1.0/26'], // equal blocks: lower address
    [['10.0.0.0/24'], ['10.0.0.0/25', '10.0.0.128/26'], 27, '10.0.0.192/27'],
    [['10.0.0.0/24'], ['10.0.0.0/24'], 28, undefined],
    [['10.0.0.0/24'], [], 23, undefined],
    [['10.0.0.0/8'], ['10.128.0.0/9', '10.0.0.0/24'], 16, '10.1.0.0/16'],
    [['10.0.0.0/30'], [], 32, '10.0.0.0/32'],
    [['0.0.0.0/0'], [], 0, '0.0.0.0/0'],
    [['2001:db8::/48'], ['2001:db8::/64', '2001:db8:0:2::/64'], 64, '2001:db8:0:1::/64'],
    [['2001:db8::/48', '2001:db8:1::/56'], [], 64, '2001:db8:1::/64'],
    [['2001:db8::/127'], ['2001:db8::/128'], 128, '2001:db8::1/128'],
  ]
  for (const [prefixes, taken, prefixLength, want] of cases) {
    it(`/${prefixLength} from ${prefixes} minus ${taken}`, () => assert.equal(nextSubnet(prefixes, prefixLength, taken), want))
  }

  it('lists free space smallest block first', () => {
    assert.deepEqual(availablePrefixes(['10.0.0.0/16'], ['10.0.0.0/24', '10.0.2.0/23']).map(formatCidr).slice(0, 4),
      ['10.0.1.0/24', '10.0.4.0/22', '10.0.8.0/21', '10.0.16.0/20'])
  })
})

describe('allocateFromSubnetPool', () => {
  const pool = { prefixes: ['10.0.0.0/16'], minPrefixLength: 16, maxPrefixLength: 28 }

  it('carves any or a specific subnet', () => {
    assert.equal(allocateFromSubnetPool(pool, ['10.0.0.0/24'], { prefixLength: 24 }), '10.0.1.0/24')
    assert.equal(allocateFromSubnetPool(pool, ['10.0.0.0/24'], { cidr: '10.0.5.0/24' }), '10.0.5.0/24')
    assert.equal(isSubnetAvailable(pool.prefixes, ['10.0.0.0/24'], '10.0.0.128/25'), false)
    assert.equal(isSubnetAvailable(pool.prefixes, [], '10.1.0.0/24'), false)
  })

  it('enforces the bounds with Neutron errors', () => {
    assert.throws(() => allocateFromSubnetPool(pool, [], { prefixLength: 29 }), {
      status: 400, title: 'MaxPrefixSubnetAllocationError',
      message: 'Unable to allocate subnet with prefix length 29, maximum allowed prefix is 28.',
    })
    assert.throws(() => allocateFromSubnetPool(pool, [], { prefixLength: 15 }), {
      status: 400, title: 'MinPrefixSubnetAllocationError',
      message: 'Unable to allocate subnet with prefix length 15, minimum allowed prefix is 16.',
    })
  })

  it('reports exhaustion and a taken specific subnet as SubnetAllocationError', () => {
    assert.throws(() => allocateFromSubnetPool(pool, ['10.0.0.0/16'], { prefixLength: 24 }), {
      status: 500, title: 'SubnetAllocationError',
      message: 'Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.',
    })
    assert.throws(() => allocateFromSubnetPool(pool, ['10.0.5.0/25'], { cidr: '10.0.5.0/24' }), {
      title: 'SubnetAllocationError',
      message: 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.',
    })
  })
})

describe('readSubnetPool', () => {
  it('defaults and compacts', () => {
    assert.deepEqual(readSubnetPool({ prefixes: ['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0/24'] }), {
      ipVersion: 4, prefixes: ['10.0.0.0/23'], minPrefixLength: 8, maxPrefixLength: 32, defaultPrefixLength: 8,
    })
    assert.deepEqual(readSubnetPool({ prefixes: ['2001:db8::/32'], defaultPrefixLength: 64 }), {
      ipVersion: 6, prefixes: ['2001:db8::/32'], minPrefixLength: 64, maxPrefixLength: 128, defaultPrefixLength: 64,
    })
    assert.deepEqual(compactPrefixes(['10.0.0.5/24', '10.0.0.0/8']), ['10.0.0.0/8'])
  })

  const bad: Array<[Parameters<typeof readSubnetPool>[0], string, string]> = [
    [{ prefixes: [] }, 'EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.'],
    [{ prefixes: ['10.0.0.0/8', '2001:db8::/32'] }, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.'],
    [{ prefixes: ['10.0.0.0/8'], minPrefixLength: -1 }, 'UnsupportedMinSubnetPoolPrefix', "Prefix '-1' not supported in IPv4 pool."],
    [{ prefixes: ['10.0.0.0/8'], minPrefixLength: 24, maxPrefixLength: 16 }, 'IllegalSubnetPoolPrefixBounds',
      'Illegal prefix bounds: min_prefixlen=24, max_prefixlen=16.'],
    [{ prefixes: ['10.0.0.0/8'], maxPrefixLength: 33 }, 'IllegalSubnetPoolPrefixBounds',
      'Illegal prefix bounds: max_prefixlen=33, ip_version_max=32.'],
    [{ prefixes: ['10.0.0.0/8'], minPrefixLength: 16, defaultPrefixLength: 8 }, 'IllegalSubnetPoolPrefixBounds',
      'Illegal prefix bounds: default_prefixlen=8, min_prefixlen=16.'],
    [{ prefixes: ['10.0.0.0/8'], maxPrefixLength: 24, defaultPrefixLength: 26 }, 'IllegalSubnetPoolPrefixBounds',
      'Illegal prefix bounds: default_prefixlen=26, max_prefixlen=24.'],
  ]
  for (const [pool, title, message] of bad) {
    it(`refuses ${JSON.stringify(pool)}`, () => assert.throws(() => readSubnetPool(pool), { status: 400, title, message }))
  }
})

describe('checkSubnetPoolQuota', () => {
  it('counts /32s for IPv4 and /64s for IPv6', () => {
    assert.doesNotThrow(() => checkSubnetPoolQuota({ ipVersion: 4, quota: 512, usedPrefixLengths: [24], prefixLength: 24 }))
    assert.throws(() => checkSubnetPoolQuota({ ipVersion: 4, quota: 511, usedPrefixLengths: [24], prefixLength: 24 }),
      { status: 409, title: 'SubnetPoolQuotaExceeded', message: 'Per-project subnet pool prefix quota exceeded.' })
    assert.throws(() => checkSubnetPoolQuota({ ipVersion: 6, quota: 256, usedPrefixLengths: [], prefixLength: 55 }))
    assert.doesNotThrow(() => checkSubnetPoolQuota({ ipVersion: 6, quota: 256, usedPrefixLengths: [], prefixLength: 56 }))
    assert.doesNotThrow(() => checkSubnetPoolQuota({ ipVersion: 6, quota: null, usedPrefixLengths: [48], prefixLength: 48 }))
  })
})
