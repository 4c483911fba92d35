import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  formatMac, parseMac, randomMac, sanitizeMacAddress, validateBaseMac, validateMacAddress, validateMacNotMulticast,
} from './mac.ts'

describe('validateMacAddress (neutron-lib validate_mac_address)', () => {
  const cases: Array<[unknown, boolean]> = [
    ['fa:16:3e:4f:00:00', true],
    ['ff:16:3e:4f:00:00', true], // multicast passes this validator, as in Neutron
    ['FA-16-3E-4F-00-00', true],
    ['fa16.3e4f.0000', true],
    ['fa163e-4f0000', true],
    ['fa163e4f0000', true],
    ['f:1:3:0:1:2', true],
    ['ffa:16:3e:4f:00:00', false],
    ['00:00:00:00:00:00', false],
    ['FF:FF:FF:FF:FF:FF', false],
    ['123', false],
    ['ff:16:3e:4f:00:00\r', false],
    [' fa:16:3e:4f:00:00', false],
    [null, false],
  ]
  for (const [data, valid] of cases) {
    it(JSON.stringify(data), () => {
      assert.equal(validateMacAddress(data), valid ? undefined : `'${String(data)}' is not a valid MAC address`)
    })
  }
})

describe('sanitizeMacAddress (convert_to_sanitized_mac_address)', () => {
  const cases: Array<[string, string]> = [
    ['FA-16-3E-00-01-02', 'fa:16:3e:00:01:02'],
    ['fa16.3e00.0102', 'fa:16:3e:00:01:02'],
    ['f:1:3:0:1:2', '0f:01:03:00:01:02'],
    ['fa:16:3e:00:01:02\n', 'fa:16:3e:00:01:02'],
    ['123', '00:00:00:00:00:7b'], // netaddr.EUI takes integers too
    ['not-a-mac', 'not-a-mac'],
  ]
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.equal(sanitizeMacAddress(input), want))
  }
  it('round-trips through parseMac/formatMac', () => assert.equal(formatMac(parseMac('fa:16:3e:aa:bb:cc')!), 'fa:16:3e:aa:bb:cc'))
})

describe('multicast and base MAC', () => {
  it('flags multicast MACs for allowed address pairs', () => {
    assert.equal(validateMacNotMulticast('01:00:5e:00:00:01'), 'MAC address 01:00:5e:00:00:01 is a multicast address, which is not supported.')
    assert.equal(validateMacNotMulticast('fa:16:3e:00:00:01'), undefined)
  })

  it('checks base_mac like Neutron at start-up', () => {
    assert.equal(validateBaseMac('fa:16:3e:00:00:00'), undefined)
    assert.equal(validateBaseMac('fb:16:3e:00:00:00'), "'fb:16:3e:00:00:00' is not a valid input")
    assert.equal(validateBaseMac('fa-16-3e-00-00-00'), "'fa-16-3e-00-00-00' is not a valid input")
  })
})

describe('randomMac (get_random_mac)', () => {
  const counter = () => {
    let n = 0xa0
    return () => n++
  }
  it('keeps three octets of base_mac, and the fourth unless it is 00', () => {
    assert.equal(randomMac('fa:16:3e:00:00:00', counter()), 'fa:16:3e:a0:a1:a2')
    assert.equal(randomMac('fa:16:3e:4f:00:00', counter()), 'fa:16:3e:4f:a0:a1')
    assert.equal(randomMac('fa:16:3e:4f:12:34', counter()), 'fa:16:3e:4f:a0:a1')
  })
  it('produces valid unicast MACs with the real random source', () => {
    for (let i = 0; i < 100; i++) {
      const mac = randomMac()
      assert.match(mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/)
      assert.equal(validateMacAddress(mac), undefined)
    }
  })
})
