import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  checkIpv6Modes, checkIpv6ModesOnUpdate, eui64, isAutoAddressSubnet, isEui64Address, validateIpv6Mode,
} from './ipv6.ts'

const invalid = (detail: string) => ({ status: 400, title: 'InvalidInput', message: `Invalid input for operation: ${detail}.` })

describe('ipv6 modes', () => {
  const S = 'slaac'
  const STATEFUL = 'dhcpv6-stateful'
  const STATELESS = 'dhcpv6-stateless'
  const all = [undefined, S, STATEFUL, STATELESS]

  it('accepts every single mode and every equal pair, refuses every unequal pair', () => {
    for (const ra of all) {
      for (const address of all) {
        const subnet = { ipVersion: 6 as const, enableDhcp: true, cidr: '2001:db8::/64', ipv6RaMode: ra, ipv6AddressMode: address }
        if (ra && address && ra !== address) {
          assert.throws(() => checkIpv6Modes(subnet), invalid(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to ` +
            `'${address}' is not valid. If both attributes are set, they must be the same value`))
        } else {
          assert.doesNotThrow(() => checkIpv6Modes(subnet), `${ra}/${address}`)
        }
      }
    }
  })

  it('auto-address subnets need a /64', () => {
    for (const mode of [S, STATELESS]) {
      assert.throws(() => checkIpv6Modes({ ipVersion: 6, enableDhcp: true, cidr: '2001:db8::/80', ipv6AddressMode: mode }),
        invalid('Invalid CIDR 2001:db8::/80 for IPv6 address mode. OpenStack uses the EUI-64 address format, ' +
          'which requires the prefix to be /64'))
      assert.throws(() => checkIpv6Modes({ ipVersion: 6, enableDhcp: true, cidr: '2001:db8::/56', ipv6RaMode: mode }))
    }
    assert.doesNotThrow(() => checkIpv6Modes({ ipVersion: 6, enableDhcp: true, cidr: '2001:db8::/120', ipv6RaMode: STATEFUL }))
    assert.doesNotThrow(() => checkIpv6Modes({ ipVersion: 6, enableDhcp: true, ipv6RaMode: S })) // subnet-pool request
  })

  it('needs DHCP enabled, and is IPv6-only', () => {
    assert.throws(() => checkIpv6Modes({ ipVersion: 6, enableDhcp: false, cidr: 'fe80::/64', ipv6RaMode: S }),
      invalid('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False'))
    assert.throws(() => checkIpv6Modes({ ipVersion: 4, enableDhcp: true, ipv6RaMode: S }),
      invalid('ipv6_ra_mode is not valid when ip_version is 4'))
    assert.throws(() => checkIpv6Modes({ ipVersion: 4, enableDhcp: true, ipv6AddressMode: S }),
      invalid('ipv6_address_mode is not valid when ip_version is 4'))
    assert.doesNotThrow(() => checkIpv6Modes({ ipVersion: 4, enableDhcp: true, ipv6RaMode: null }))
  })

  it('refuses turning DHCP off on a subnet with modes', () => {
    assert.throws(() => checkIpv6ModesOnUpdate({ enableDhcp: false }, { ipv6AddressMode: S }),
      invalid('Cannot disable enable_dhcp with ipv6 attributes set'))
    assert.doesNotThrow(() => checkIpv6ModesOnUpdate({ enableDhcp: false }, {}))
    assert.doesNotThrow(() => checkIpv6ModesOnUpdate({}, { ipv6AddressMode: S }))
  })

  it('classifies auto-address subnets', () => {
    assert.equal(isAutoAddressSubnet({ ipv6AddressMode: S }), true)
    assert.equal(isAutoAddressSubnet({ ipv6RaMode: STATELESS }), true)
    assert.equal(isAutoAddressSubnet({ ipv6RaMode: STATEFUL, ipv6AddressMode: STATEFUL }), false)
    assert.equal(isAutoAddressSubnet({}), false)
  })

  it('validates mode values with the type:values message', () => {
    assert.equal(validateIpv6Mode('slaac'), undefined)
    assert.equal(validateIpv6Mode('foo'), 'foo is not in valid_values')
  })
})

describe('eui64', () => {
  const cases: Array<[string, string, string]> = [
    ['2001:db8::/64', 'fa:16:3e:12:34:56', '2001:db8::f816:3eff:fe12:3456'],
    ['2001:db8::', '00:01:02:03:04:05', '2001:db8::201:2ff:fe03:405'],
    ['2001:db8:1:2::/64', 'FA-16-3E-00-00-01', '2001:db8:1:2:f816:3eff:fe00:1'],
    ['fd00::/48', '02:00:00:00:00:00', 'fd00::ff:fe00:0'],
  ]
  for (const [prefix, mac, want] of cases) {
    it(`${prefix} + ${mac}`, () => {
      assert.equal(eui64(prefix, mac), want)
      assert.equal(isEui64Address(want), true)
    })
  }

  it('refuses IPv4 prefixes and bad MACs', () => {
    assert.throws(() => eui64('10.0.0.0/24', 'fa:16:3e:12:34:56'), TypeError)
    assert.throws(() => eui64('2001:db8::/64', 'nope'), TypeError)
    assert.equal(isEui64Address('2001:db8::1'), false)
    assert.equal(isEui64Address('10.0.0.1'), false)
  })
})
