import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalIp, compareIp, formatIp, parseIp, validateIpAddress } from './ip-address.ts'

const roundTrip = (text: string) => {
  const ip = parseIp(text)
  return ip ? formatIp(ip) : undefined
}

describe('parseIp / formatIp', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['01.2.3.4', undefined], // inet_pton refuses leading zeros
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['256.0.0.0', undefined],
    ['1.2.3.4 ', undefined],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::babe:dc0c:1602', '::babe:dc0c:1602'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // leftmost of equal runs
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], // a single zero word stays
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['0001::', '1::'],
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::2:0', '::0.2.0.0'], // glibc prints an IPv4-compatible tail
    ['0:0:0:0:0:1:1.2.3.4', '::1:102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1:2:3:4:5:6:7::8', undefined],
    ['::1:2:3:4:5:6:7:8', undefined],
    ['1::2::3', undefined],
    [':::', undefined],
    ['1:', undefined],
    [':1::', undefined],
    ['00001::', undefined],
    ['1.2.3.4::', undefined],
    ['::ffff:01.2.3.4', undefined],
    ['fe80::1%eth0', undefined],
    ['', undefined],
  ]
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} -> ${want}`, () => assert.equal(roundTrip(text), want))
  }

  it('keeps the version and bigint value', () => {
    assert.deepEqual(parseIp('10.0.0.1'), { version: 4, value: 0x0a000001n })
    assert.deepEqual(parseIp('::ffff:ffff:ffff:ffff:ffff:ffff:ffff'), { version: 6, value: (1n << 112n) - 1n })
    assert.equal(parseIp('10.0.0.1', 6), undefined)
  })

  it('orders v4 before v6, then by value', () => {
    const sorted = ['2001:db8::1', '10.0.0.2', '10.0.0.1'].map((t) => parseIp(t)!).sort(compareIp).map(formatIp)
    assert.deepEqual(sorted, ['10.0.0.1', '10.0.0.2', '2001:db8::1'])
  })
})

describe('validateIpAddress (neutron-lib validate_ip_address)', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['1.1.1.1', undefined],
    ['fe80:0:0:0:0:0:0:0001', undefined],
    ['FE80::1', undefined],
    ['1.1.1.01', "'1.1.1.01' is not an accepted IP address, '1.1.1.1' is recommended"],
    ['1.1.1.011', "'1.1.1.011' is not an accepted IP address, '1.1.1.11' is recommended"],
    ['1.1.1.09', "'1.1.1.09' is not an accepted IP address, '1.1.1.9' is recommended"],
    ['1.1.1.00', "'1.1.1.00' is not an accepted IP address, '1.1.1.0' is recommended"],
    ['1111.1.1.1', "'1111.1.1.1' is not a valid IP address"],
    ['1'.repeat(59), `'${'1'.repeat(59)}' is not a valid IP address`],
    ['1.1.1', "'1.1.1' is not a valid IP address"],
    ['1.1.1.1 has whitespace', "'1.1.1.1 has whitespace' is not a valid IP address"],
    ['111.1.1.1\t', "'111.1.1.1\t' is not a valid IP address"],
    [' 111.1.1.1', "' 111.1.1.1' is not a valid IP address"],
    ['2001:db8::1/64', "'2001:db8::1/64' is not a valid IP address"],
    [null, "'null' is not a valid IP address"],
  ]
  for (const [data, want] of cases) {
    it(`${JSON.stringify(data)}`, () => assert.equal(validateIpAddress(data), want))
  }
})

describe('canonicalIp (convert_ip_to_canonical_format)', () => {
  it('canonicalises IPv6 only', () => {
    assert.equal(canonicalIp('2001:0DB8:0000::0001'), '2001:db8::1')
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1')
    assert.equal(canonicalIp('010.0.0.1'), '010.0.0.1')
    assert.equal(canonicalIp('junk'), 'junk')
  })
})
