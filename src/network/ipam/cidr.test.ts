import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  broadcastAddress, canonicalCidr, cidrContains, cidrSize, cidrsOverlap, formatCidr, formatNetwork, isLoopbackCidr,
  isMulticastCidr, lastAddress, networkAddress, parseCidr, validateRouteCidr, validateSubnet,
} from './cidr.ts'
import { InvalidInput } from './errors.ts'
import { formatIp, parseIp } from './ip-address.ts'

const c = (text: string) => {
  const cidr = parseCidr(text)
  assert.ok(cidr, text)
  return cidr
}
const ip = (cidr: string, value: bigint | undefined) =>
  value === undefined ? undefined : formatIp({ version: c(cidr).version, value })

describe('parseCidr (netaddr.IPNetwork)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.0.0.0/24', '10.0.0.0/24'],
    ['10.0.0.1/24', '10.0.0.1/24'], // host bits kept, like IPNetwork
    ['10.0.0.0', '10.0.0.0/32'],
    ['10.0.0.0/255.255.0.0', '10.0.0.0/16'],
    ['10.0.0.0/0.0.255.255', '10.0.0.0/16'],
    ['10.0.0.0/024', '10.0.0.0/24'],
    ['10.0.0.0/24 ', '10.0.0.0/24'],
    ['2001:DB8::1/64', '2001:db8::1/64'],
    ['::/0', '::/0'],
    ['10/24', undefined],
    ['010.0.0.0/8', undefined],
    ['10.0.0.0/33', undefined],
    ['2001:db8::/129', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/255.0.255.0', undefined],
    [' 10.0.0.0/24', undefined],
  ]
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} -> ${want}`, () => {
      const cidr = parseCidr(text)
      assert.equal(cidr && formatCidr(cidr), want)
    })
  }
})

describe('CIDR arithmetic', () => {
  const cases: Array<[string, string, string, string | undefined, bigint]> = [
    // cidr, network, last, broadcast, size
    ['10.0.0.77/24', '10.0.0.0', '10.0.0.255', '10.0.0.255', 256n],
    ['10.0.0.0/30', '10.0.0.0', '10.0.0.3', '10.0.0.3', 4n],
    ['10.0.0.1/31', '10.0.0.0', '10.0.0.1', undefined, 2n],
    ['10.0.0.5/32', '10.0.0.5', '10.0.0.5', undefined, 1n],
    ['0.0.0.0/0', '0.0.0.0', '255.255.255.255', '255.255.255.255', 1n << 32n],
    ['2001:db8::1/64', '2001:db8::', '2001:db8::ffff:ffff:ffff:ffff', '2001:db8::ffff:ffff:ffff:ffff', 1n << 64n],
    ['2001:db8::/127', '2001:db8::', '2001:db8::1', undefined, 2n],
    ['2001:db8::9/128', '2001:db8::9', '2001:db8::9', undefined, 1n],
    ['::/0', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1n << 128n],
  ]
  for (const [text, network, last, broadcast, size] of cases) {
    it(text, () => {
      const cidr = c(text)
      assert.equal(ip(text, networkAddress(cidr)), network)
      assert.equal(ip(text, lastAddress(cidr)), last)
      assert.equal(ip(text, broadcastAddress(cidr)), broadcast)
      assert.equal(cidrSize(cidr), size)
    })
  }

  it('formatNetwork drops host bits', () => {
    assert.equal(formatNetwork(c('10.0.0.1/24')), '10.0.0.0/24')
    assert.equal(formatNetwork(c('2001:db8::1/64')), '2001:db8::/64')
  })

  it('contains and overlaps, version-aware', () => {
    assert.equal(cidrContains(c('10.0.0.0/24'), parseIp('10.0.0.255')!), true)
    assert.equal(cidrContains(c('10.0.0.0/24'), parseIp('10.0.1.0')!), false)
    assert.equal(cidrContains(c('::/0'), parseIp('10.0.0.1')!), false)
    assert.equal(cidrsOverlap(c('10.0.0.0/8'), c('10.1.0.0/16')), true)
    assert.equal(cidrsOverlap(c('10.1.0.0/16'), c('10.0.0.0/8')), true)
    assert.equal(cidrsOverlap(c('10.0.0.0/25'), c('10.0.0.128/25')), false)
    assert.equal(cidrsOverlap(c('0.0.0.0/0'), c('::/0')), false)
  })

  it('multicast and loopback mean "wholly inside"', () => {
    assert.equal(isMulticastCidr(c('224.0.0.0/24')), true)
    assert.equal(isMulticastCidr(c('224.0.0.0/3')), false)
    assert.equal(isMulticastCidr(c('ff02::/16')), true)
    assert.equal(isLoopbackCidr(c('127.0.0.0/8')), true)
    assert.equal(isLoopbackCidr(c('::1/128')), true)
    assert.equal(isLoopbackCidr(c('::/127')), false)
  })
})

describe('validateSubnet (neutron-lib validate_subnet)', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['10.0.2.0/24', undefined],
    ['192.168.1.7/24', undefined], // host bits are fine; create_subnet normalises
    ['fe80::/24', undefined],
    ['fe80:0:0:0:0:0:0:0/128', undefined],
    ['2001:0db8::1:0:0:1/128', undefined],
    ['2001:DB8::/64', undefined],
    ['10/24', "'10/24' is not a valid IP subnet"],
    ['10.0.2.0', "'10.0.2.0' is not a valid IP subnet"],
    ['fe80::', "'fe80::' is not a valid IP subnet"],
    ['fe80::0', "'fe80::0' is not a valid IP subnet"],
    ['10.0.0.0/024', "'10.0.0.0/024' is not a valid IP subnet"],
    ['10.0.2.0/24\r', "'10.0.2.0/24\r' is not a valid IP subnet"],
    ['invalid', "'invalid' is not a valid IP subnet"],
    [null, "'null' is not a valid IP subnet"],
  ]
  for (const [data, want] of cases) {
    it(JSON.stringify(data), () => assert.equal(validateSubnet(data), want))
  }
})

describe('validateRouteCidr (neutron-lib validate_route_cidr)', () => {
  it('refuses host bits and loopback', () => {
    assert.equal(validateRouteCidr('10.0.0.0/8'), undefined)
    assert.equal(validateRouteCidr('192.168.1.1/8'), "'192.168.1.1/8' is not a valid CIDR")
    assert.equal(validateRouteCidr('127.0.0.0/8'), "'127.0.0.0/8' is not a routable CIDR")
    assert.equal(validateRouteCidr('::1/128'), "'::1/128' is not a routable CIDR")
    assert.equal(validateRouteCidr('10.0.0.0'), "'10.0.0.0' is not a valid CIDR")
  })
})

describe('canonicalCidr (convert_cidr_to_canonical_format)', () => {
  it('normalises text, keeps host bits', () => {
    assert.equal(canonicalCidr('2001:DB8:0::1/64'), '2001:db8::1/64')
    assert.equal(canonicalCidr('10.0.0.0/255.255.255.0'), '10.0.0.0/24')
    assert.equal(canonicalCidr('10.0.0.0'), '10.0.0.0/32')
  })

  it('throws InvalidInput for what IPNetwork cannot parse', () => {
    assert.throws(() => canonicalCidr('10/24'), (err: unknown) =>
      err instanceof InvalidInput && err.status === 400 && err.title === 'InvalidInput' &&
      err.message === 'Invalid input for operation: 10/24 is not in a CIDR format.')
  })
})
