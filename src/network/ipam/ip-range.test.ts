import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatRange, mergeRanges, rangeToBlocks, subtractRanges, type IpRange } from './ip-range.ts'
import { parseIp } from './ip-address.ts'

const r = (a: string, b: string): IpRange => {
  const first = parseIp(a)!
  return { version: first.version, first: first.value, last: parseIp(b, first.version)!.value }
}

describe('ip ranges', () => {
  it('formats like netaddr IPRange', () => {
    assert.equal(formatRange(r('10.0.0.2', '10.0.0.254')), '10.0.0.2-10.0.0.254')
    assert.equal(formatRange(r('2001:db8::2', '2001:db8::ffff')), '2001:db8::2-2001:db8::ffff')
  })

  it('merges overlapping and adjacent ranges', () => {
    const merged = mergeRanges([r('10.0.0.20', '10.0.0.30'), r('10.0.0.1', '10.0.0.10'), r('10.0.0.11', '10.0.0.12')])
    assert.deepEqual(merged.map(formatRange), ['10.0.0.1-10.0.0.12', '10.0.0.20-10.0.0.30'])
  })

  it('subtracts', () => {
    const left = subtractRanges([r('10.0.0.1', '10.0.0.254')], [r('10.0.0.1', '10.0.0.1'), r('10.0.0.100', '10.0.0.110')])
    assert.deepEqual(left.map(formatRange), ['10.0.0.2-10.0.0.99', '10.0.0.111-10.0.0.254'])
    assert.deepEqual(subtractRanges([r('10.0.0.1', '10.0.0.2')], [r('10.0.0.0', '10.0.0.9')]), [])
  })

  it('splits a range into the fewest CIDR blocks', () => {
    const blocks = rangeToBlocks(r('10.0.0.1', '10.0.0.254')).map((b) => b.prefixLength)
    assert.deepEqual(blocks, [32, 31, 30, 29, 28, 27, 26, 26, 27, 28, 29, 30, 31, 32])
    assert.deepEqual(rangeToBlocks(r('0.0.0.0', '255.255.255.255')), [{ network: 0n, prefixLength: 0 }])
    assert.deepEqual(rangeToBlocks(r('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')), [{ network: 0n, prefixLength: 0 }])
  })
})
