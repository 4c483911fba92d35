import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mergeDhcpOpts, normaliseAddressPairs, validateAddressPairs, validateExtraDhcpOpts, validateFixedIps } from './port-attributes.ts'

test('fixed_ips: a list of dicts, addresses valid and not repeated, subnet ids UUIDs', () => {
  assert.equal(validateFixedIps([{ subnet_id: '6ec6b8e2-4c46-4a1b-9d1e-7d4c0c5f1a2b' }, { ip_address: '10.0.0.3' }]), undefined)
  assert.equal(validateFixedIps('10.0.0.3'), "Invalid data format for fixed IP: '10.0.0.3'")
  assert.equal(validateFixedIps([{ ip_address: '10.0.0.3' }, { ip_address: '10.0.0.3' }]), "Duplicate IP address '10.0.0.3'")
  assert.equal(validateFixedIps([{ subnet_id: 'nope' }]), "'nope' is not a valid UUID")
  assert.equal(validateFixedIps([{ ip_address: '010.0.0.3' }]), "'010.0.0.3' is not an accepted IP address, '10.0.0.3' is recommended")
})

test('allowed address pairs raise Neutron typed errors; a missing MAC becomes the port MAC', () => {
  assert.equal(validateAddressPairs([{ ip_address: '10.0.0.0/24' }, { ip_address: '10.0.0.1', mac_address: 'fa:16:3e:00:00:01' }]), undefined)
  assert.throws(() => validateAddressPairs([{}]), { title: 'AllowedAddressPairsMissingIP' })
  assert.throws(() => validateAddressPairs([{ ip_address: '10.0.0.1', color: 'x' }]), { message: "Unrecognized attribute(s) 'color'" })
  assert.throws(() => validateAddressPairs([{ ip_address: 'ff02::1' }]), { status: 400 })
  assert.throws(() => validateAddressPairs([{ ip_address: '10.0.0.1', mac_address: '01:00:5e:00:00:01' }]), { message: /multicast/ })
  assert.deepEqual(normaliseAddressPairs([{ ip_address: '10.0.0.1' }, { ip_address: '10.0.0.2', mac_address: 'FA:16:3E:00:00:09' }], 'fa:16:3e:00:00:01'), [
    { ip_address: '10.0.0.1', mac_address: 'fa:16:3e:00:00:01' }, { ip_address: '10.0.0.2', mac_address: 'fa:16:3e:00:00:09' },
  ])
})

test('extra DHCP options: key specs, blank values only for router options, merge by name and version', () => {
  assert.equal(validateExtraDhcpOpts([{ opt_name: 'router', opt_value: '' }, { opt_name: 'tftp-server', opt_value: 'x', ip_version: '6' }]), undefined)
  assert.throws(() => validateExtraDhcpOpts([{ opt_name: 'tftp-server', opt_value: '' }]), { title: 'InvalidInput' })
  assert.throws(() => validateExtraDhcpOpts([{ opt_name: 'a\nb', opt_value: 'x' }]), { title: 'InvalidInput' })
  const current = [{ opt_name: 'a', opt_value: '1', ip_version: 4 }, { opt_name: 'a', opt_value: '2', ip_version: 6 }]
  assert.deepEqual(mergeDhcpOpts(current, [{ opt_name: 'a', opt_value: null }, { opt_name: 'a', opt_value: '3', ip_version: 6 }, { opt_name: 'b', opt_value: '4' }]), [
    { opt_name: 'a', opt_value: '3', ip_version: 6 }, { opt_name: 'b', opt_value: '4', ip_version: 4 },
  ])
})
