import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SecurityGroupRuleView } from '../../network/client.ts'
import { checkCidrPrefix, neutronRuleBody, newIngressRule, novaRule, parseCidr } from './security-group-api.ts'

const message = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return `${(err as { status: number }).status} ${(err as Error).message}`
  }
  return 'no error'
}

test('a source-group rule opens every port of its protocol when none are given', () => {
  assert.deepEqual(newIngressRule({ ip_protocol: 'TCP', group_id: 'g' }), { group_id: 'g', protocol: 'TCP', from_port: 1, to_port: 65535 })
  assert.deepEqual(newIngressRule({ ip_protocol: 'icmp', group_id: 'g' }), { group_id: 'g', protocol: 'icmp', from_port: -1, to_port: -1 })
  assert.deepEqual(newIngressRule({ group_id: 'g' }), { group_id: 'g' }, 'every protocol')
})

test('a cidr rule needs a protocol and both ports; ports are Python ints', () => {
  assert.equal(newIngressRule({ ip_protocol: 'tcp', from_port: 22, cidr: '0.0.0.0/0' }), undefined)
  assert.equal(newIngressRule({ from_port: 22, to_port: 22, cidr: '0.0.0.0/0' }), undefined)
  assert.deepEqual(newIngressRule({ ip_protocol: 'udp', from_port: '53', to_port: 53.9, cidr: '::/0' }), { cidr: '::/0', protocol: 'udp', from_port: 53, to_port: 53 })
  assert.equal(message(() => newIngressRule({ ip_protocol: 'icmp', from_port: 'x', to_port: 0, cidr: '0.0.0.0/0' })),
    '400 Invalid input received: Type and Code must be integers for ICMP protocol type')
  assert.equal(message(() => newIngressRule({ ip_protocol: 'tcp', from_port: 1, to_port: 65536, cidr: '0.0.0.0/0' })),
    '400 Invalid port range 1:65536. Valid TCP ports should be between 1-65535')
  assert.equal(message(() => newIngressRule({ ip_protocol: 'icmp', from_port: -2, to_port: 0, cidr: '0.0.0.0/0' })),
    '400 Invalid port range -2:0. For ICMP, the type:code must be valid')
})

test('cidrs: empty is any IPv4, a prefix is required, /0 only for the any-address', () => {
  assert.equal(parseCidr(undefined), '0.0.0.0/0')
  assert.equal(parseCidr('10.0.0.0%2F8'), '10.0.0.0/8')
  assert.equal(message(() => parseCidr('10.0.0.1')), '400 10.0.0.1 is not a valid IP network.')
  assert.equal(message(() => parseCidr('fe80::/129')), '400 fe80::/129 is not a valid IP network.')
  assert.equal(message(() => checkCidrPrefix('::/0')), 'no error')
  assert.equal(message(() => checkCidrPrefix('10.1.0.0/0')), '400 Bad prefix for network in cidr 10.1.0.0/0')
})

test('Neutron rules read as Nova rules and Nova rules write as Neutron ones', () => {
  const base: SecurityGroupRuleView = {
    id: 'r', security_group_id: 'g', project_id: 'p', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp',
    port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, description: '',
  }
  assert.deepEqual(novaRule(base), { id: 'r', parent_group_id: 'g', protocol: 'tcp', from_port: 1, to_port: 65535, group_id: null, cidr: '0.0.0.0/0' })
  assert.deepEqual([novaRule({ ...base, protocol: 'icmp' }).from_port, novaRule({ ...base, protocol: null }).from_port], [-1, null])
  assert.deepEqual(neutronRuleBody('g', { protocol: 'ICMP', from_port: 8, to_port: -1, cidr: '2001:db8::/32' }), {
    direction: 'ingress', security_group_id: 'g', ethertype: 'IPv6', protocol: 'icmp', remote_ip_prefix: '2001:db8::/32', port_range_min: 8,
  })
})
