import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  defaultGatewayIp, generatePools, isGatewayInvalidInSubnet, isGatewayOutsideSubnet, poolsAfterUpdate,
  prepareAllocationPools, type AllocationPool,
} from './allocation-pools.ts'
import { CloudError } from '../../common/errors.ts'

const p = (start: string, end: string): AllocationPool => ({ start, end })

/** Runs fn and returns [status, title, message] of the CloudError it throws. */
function failure(fn: () => unknown): [number, string, string] {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof CloudError, String(err))
    return [err.status, err.title, err.message]
  }
  assert.fail('expected an error')
}

describe('defaultGatewayIp', () => {
  const cases: Array<[string, boolean, string | null]> = [
    ['10.0.0.0/24', false, '10.0.0.1'],
    ['10.0.0.0/31', false, '10.0.0.1'],
    ['10.0.0.5/32', false, '10.0.0.6'], // outside the subnet, as in Neutron
    ['255.255.255.255/32', false, null],
    ['2001:db8::/64', false, '2001:db8::'], // subnet-router anycast address
    ['2001:db8::/64', true, '2001:db8::1'], // carved from a subnet pool
    ['10.0.0.0/24', true, '10.0.0.1'],
  ]
  for (const [cidr, fromSubnetPool, want] of cases) {
    it(`${cidr}${fromSubnetPool ? ' (subnet pool)' : ''} -> ${want}`, () => {
      assert.equal(defaultGatewayIp(cidr, { fromSubnetPool }), want)
    })
  }
})

describe('generatePools (ipam utils generate_pools)', () => {
  const cases: Array<[string, string | null, AllocationPool[]]> = [
    ['10.0.0.0/24', '10.0.0.1', [p('10.0.0.2', '10.0.0.254')]],
    ['10.0.0.0/24', '10.0.0.254', [p('10.0.0.1', '10.0.0.253')]],
    ['10.0.0.0/24', '10.0.0.100', [p('10.0.0.1', '10.0.0.99'), p('10.0.0.101', '10.0.0.254')]],
    ['10.0.0.0/24', null, [p('10.0.0.1', '10.0.0.254')]],
    ['10.0.0.0/24', '100.0.0.1', [p('10.0.0.1', '10.0.0.254')]],
    ['10.0.0.0/30', '10.0.0.1', [p('10.0.0.2', '10.0.0.2')]],
    ['10.0.0.0/31', '10.0.0.1', [p('10.0.0.0', '10.0.0.0')]],
    ['10.0.0.0/31', null, [p('10.0.0.0', '10.0.0.1')]],
    ['10.0.0.4/32', '10.0.0.4', [p('10.0.0.4', '10.0.0.4')]],
    ['2001::/64', '2001::', [p('2001::1', '2001::ffff:ffff:ffff:ffff')]],
    ['2001::/64', '2001::1', [p('2001::2', '2001::ffff:ffff:ffff:ffff')]],
    ['2001::/64', '2001::ffff:ffff:ffff:ffff', [p('2001::1', '2001::ffff:ffff:ffff:fffe')]],
    ['2001:db8::/127', '2001:db8::', [p('2001:db8::1', '2001:db8::1')]],
    ['2001:db8::1/128', '2001:db8::1', [p('2001:db8::1', '2001:db8::1')]],
  ]
  for (const [cidr, gateway, want] of cases) {
    it(`${cidr} gw ${gateway}`, () => assert.deepEqual(generatePools(cidr, gateway), want))
  }
})

describe('prepareAllocationPools (user pools on create)', () => {
  const ok: Array<[string, string | null, AllocationPool[] | null, AllocationPool[]]> = [
    ['10.0.0.0/24', '10.0.0.1', [p('10.0.0.2', '10.0.0.100')], [p('10.0.0.2', '10.0.0.100')]],
    ['10.0.0.0/24', '10.0.0.1', [p('10.0.0.110', '10.0.0.150'), p('10.0.0.2', '10.0.0.100')],
      [p('10.0.0.2', '10.0.0.100'), p('10.0.0.110', '10.0.0.150')]],
    ['10.0.0.0/24', null, [p('10.0.0.1', '10.0.0.254')], [p('10.0.0.1', '10.0.0.254')]],
    ['10.0.0.0/31', null, [p('10.0.0.0', '10.0.0.1')], [p('10.0.0.0', '10.0.0.1')]],
    ['fe80::/80', 'fe80::1', [p('fe80::2', 'fe80::ffff:fffa:ffff')], [p('fe80::2', 'fe80::ffff:fffa:ffff')]],
    ['10.0.0.0/24', '10.0.0.1', null, []],
    ['10.0.0.0/24', '10.0.0.1', [], []],
  ]
  for (const [cidr, gatewayIp, allocationPools, want] of ok) {
    it(`accepts ${JSON.stringify(allocationPools)} in ${cidr}`, () => {
      assert.deepEqual(prepareAllocationPools({ cidr, gatewayIp, allocationPools }), want)
    })
  }

  it('generates when pools are not given', () => {
    assert.deepEqual(prepareAllocationPools({ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }), [p('10.0.0.2', '10.0.0.254')])
  })

  const bad: Array<[string, string | null, AllocationPool[], [number, string, string]]> = [
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.0.200', '10.0.3.20')], [400, 'OutOfBoundsAllocationPool',
      'The allocation pool 10.0.0.200-10.0.3.20 spans beyond the subnet cidr 10.0.2.0/24.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.250', '10.0.3.5')], [400, 'OutOfBoundsAllocationPool',
      'The allocation pool 10.0.2.250-10.0.3.5 spans beyond the subnet cidr 10.0.2.0/24.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.0', '10.0.2.5')], [400, 'OutOfBoundsAllocationPool',
      'The allocation pool 10.0.2.0-10.0.2.5 spans beyond the subnet cidr 10.0.2.0/24.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.10', '10.0.2.255')], [400, 'OutOfBoundsAllocationPool',
      'The allocation pool 10.0.2.10-10.0.2.255 spans beyond the subnet cidr 10.0.2.0/24.']],
    ['2001:db8::/64', null, [p('2001:db8::', '2001:db8::5')], [400, 'OutOfBoundsAllocationPool',
      'The allocation pool 2001:db8::-2001:db8::5 spans beyond the subnet cidr 2001:db8::/64.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.10', '10.0.2.5')], [400, 'InvalidAllocationPool',
      "The allocation pool {'start': '10.0.2.10', 'end': '10.0.2.5'} is not valid."]],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.10', '2001::5')], [400, 'InvalidAllocationPool',
      "The allocation pool {'start': '10.0.2.10', 'end': '2001::5'} is not valid."]],
    ['10.0.2.0/24', '10.0.2.1', [p('2001::1', '2001::5')], [400, 'InvalidAllocationPool',
      'The allocation pool 2001::1-2001::5 is not valid.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.2', '10.0.2.3'), p('10.0.2.2', '10.0.2.3')], [409, 'OverlappingAllocationPools',
      'Found overlapping allocation pools: 10.0.2.2-10.0.2.3 10.0.2.2-10.0.2.3 for subnet 10.0.2.0/24.']],
    ['10.0.2.0/24', '10.0.2.1', [p('10.0.2.50', '10.0.2.60'), p('10.0.2.2', '10.0.2.50')], [409, 'OverlappingAllocationPools',
      'Found overlapping allocation pools: 10.0.2.50-10.0.2.60 10.0.2.2-10.0.2.50 for subnet 10.0.2.0/24.']],
    ['10.0.0.0/24', '10.0.0.1', [p('10.0.0.1', '10.0.0.5')], [409, 'GatewayConflictWithAllocationPools',
      'Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.5.']],
    ['2001:db8::/64', '2001:db8::10', [p('2001:db8::2', '2001:db8::ff')], [409, 'GatewayConflictWithAllocationPools',
      'Gateway ip 2001:db8::10 conflicts with allocation pool 2001:db8::2-2001:db8::ff.']],
  ]
  for (const [cidr, gatewayIp, allocationPools, want] of bad) {
    it(`refuses ${JSON.stringify(allocationPools)} in ${cidr}: ${want[1]}`, () => {
      assert.deepEqual(failure(() => prepareAllocationPools({ cidr, gatewayIp, allocationPools })), want)
    })
  }
})

describe('poolsAfterUpdate', () => {
  const current = {
    cidr: '10.0.0.0/24', currentGatewayIp: '10.0.0.1' as string | null, currentPools: [p('10.0.0.2', '10.0.0.254')],
  }

  it('keeps pools when the gateway moves outside them (pools are never regenerated)', () => {
    assert.deepEqual(poolsAfterUpdate({ ...current, currentPools: [p('10.0.0.10', '10.0.0.20')], gatewayIp: '10.0.0.254' }),
      [p('10.0.0.10', '10.0.0.20')])
  })

  it('refuses a gateway moved into a pool', () => {
    assert.deepEqual(failure(() => poolsAfterUpdate({ ...current, gatewayIp: '10.0.0.50' })),
      [409, 'GatewayConflictWithAllocationPools', 'Gateway ip 10.0.0.50 conflicts with allocation pool 10.0.0.2-10.0.0.254.'])
  })

  it('allows removing the gateway, and an unchanged gateway is not rechecked', () => {
    assert.deepEqual(poolsAfterUpdate({ ...current, gatewayIp: null }), current.currentPools)
    const legacy = { ...current, currentPools: [p('10.0.0.1', '10.0.0.254')] } // stored before the rule existed
    assert.deepEqual(poolsAfterUpdate({ ...legacy, gatewayIp: '10.0.0.1' }), legacy.currentPools)
  })

  it('checks new pools against the (unchanged) gateway', () => {
    assert.deepEqual(failure(() => poolsAfterUpdate({ ...current, allocationPools: [p('10.0.0.1', '10.0.0.9')] })),
      [409, 'GatewayConflictWithAllocationPools', 'Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.9.'])
    assert.deepEqual(poolsAfterUpdate({ ...current, allocationPools: [] }), [])
    assert.deepEqual(poolsAfterUpdate({ ...current, allocationPools: null }), [])
  })

  it('validates new pools before the gateway', () => {
    assert.equal(failure(() => poolsAfterUpdate({ ...current, gatewayIp: '10.0.0.5',
      allocationPools: [p('10.0.0.2', '10.0.1.9')] }))[1], 'OutOfBoundsAllocationPool')
  })
})

describe('gateway placement', () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    // cidr, gateway, invalid in subnet, outside subnet
    ['10.0.0.0/24', '10.0.0.1', false, false],
    ['10.0.0.0/24', '10.0.0.0', true, false],
    ['10.0.0.0/24', '10.0.0.255', true, false],
    ['10.0.0.0/24', '100.0.0.1', false, true],
    ['10.0.0.0/31', '10.0.0.1', true, false],
    ['10.0.0.0/32', '10.0.0.0', true, false],
    ['2001:db8::/64', '2001:db8::', false, false],
    ['2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff', false, false],
    ['2001:db8::/64', 'fe80::1', false, true],
  ]
  for (const [cidr, gateway, invalid, outside] of cases) {
    it(`${gateway} on ${cidr}`, () => {
      assert.equal(isGatewayInvalidInSubnet(cidr, gateway), invalid)
      assert.equal(isGatewayOutsideSubnet(cidr, gateway), outside)
    })
  }
})
