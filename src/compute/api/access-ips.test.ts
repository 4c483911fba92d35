import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalIpv6 } from './access-ips.ts'

test('accessIPv6 is stored in the canonical text netaddr gives', () => {
  assert.equal(canonicalIpv6('0000:0000:0000:0000:0000:babe:220.12.22.2'), '::babe:dc0c:1602')
  assert.equal(canonicalIpv6('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1')
  assert.equal(canonicalIpv6('::FFFF:1.2.3.4'), '::ffff:1.2.3.4')
  assert.equal(canonicalIpv6('::'), '::')
})
