import assert from 'node:assert/strict'
import { test } from 'node:test'
import { expandRulesForPort, securityGroupInfoForPorts, type GroupInput, type GroupRuleInput, type PortSecurityInput } from './rules-for-ports.ts'

const rule = (r: Partial<GroupRuleInput> & Pick<GroupRuleInput, 'direction' | 'ethertype'>): GroupRuleInput => ({
  security_group_id: 'web', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, ...r,
})

const web: GroupInput = {
  id: 'web', stateful: true, rules: [
    rule({ direction: 'ingress', ethertype: 'IPv4', remote_group_id: 'web' }),
    rule({ direction: 'ingress', ethertype: 'IPv6', remote_group_id: 'web' }),
    rule({ direction: 'egress', ethertype: 'IPv4' }),
    rule({ direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '192.168.1.7/24' }),
  ],
}
const raw: GroupInput = { id: 'raw', stateful: false, rules: [rule({ security_group_id: 'raw', direction: 'egress', ethertype: 'IPv6', protocol: 'udp' })] }
const groups = new Map([['web', web], ['raw', raw]])

const a: PortSecurityInput = {
  id: 'a', macAddress: 'fa:16:3e:00:00:0a', fixedIps: ['10.0.0.5', 'fd00::5'], allowedAddressPairs: [],
  securityGroupIds: ['web', 'raw'], portSecurityEnabled: true,
}
const b: PortSecurityInput = {
  id: 'b', macAddress: 'fa:16:3e:00:00:0b', fixedIps: ['10.0.0.6'], allowedAddressPairs: [{ ip_address: '10.1.0.0/24' }],
  securityGroupIds: ['web'], portSecurityEnabled: true,
}

const dhcp = (ethertype: 'IPv4' | 'IPv6', dest: string) => ethertype === 'IPv4'
  ? { direction: 'ingress', ethertype, protocol: 'udp', port_range_min: 68, port_range_max: 68, source_port_range_min: 67, source_port_range_max: 67, dest_ip_prefix: dest }
  : { direction: 'ingress', ethertype, protocol: 'udp', port_range_min: 546, port_range_max: 546, source_port_range_min: 547, source_port_range_max: 547, dest_ip_prefix: dest }
const providerOfA = [
  { direction: 'ingress', ethertype: 'IPv6', protocol: 'ipv6-icmp', source_port_range_min: 134 },
  dhcp('IPv4', '10.0.0.5/32'), dhcp('IPv4', '255.255.255.255/32'), dhcp('IPv6', 'fd00::5/128'), dhcp('IPv6', 'fe80::/64'),
]

test('info for devices: rules per group with their statefulness, member addresses per remote group and ethertype, provider rules per device', () => {
  const info = securityGroupInfoForPorts([a], groups, [a, b])
  assert.deepEqual(Object.keys(info.devices), ['a'])
  assert.deepEqual(info.devices.a!.security_group_source_groups, ['web'])
  assert.deepEqual(info.devices.a!.security_group_rules, providerOfA)
  assert.deepEqual(info.security_groups.web, [
    { direction: 'ingress', ethertype: 'IPv4', remote_group_id: 'web', stateful: true },
    { direction: 'ingress', ethertype: 'IPv6', remote_group_id: 'web', stateful: true },
    { direction: 'egress', ethertype: 'IPv4', stateful: true },
    { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, source_ip_prefix: '192.168.1.0/24', stateful: true },
  ])
  assert.deepEqual(info.security_groups.raw, [{ direction: 'egress', ethertype: 'IPv6', protocol: 'udp', stateful: false }])
  assert.deepEqual(info.sg_member_ips, {
    web: {
      IPv4: [['10.0.0.5', null], ['10.0.0.6', null], ['10.1.0.0/24', 'fa:16:3e:00:00:0b']],
      IPv6: [['fd00::5', null]],
    },
  })
})

test('expanded rules: a remote group becomes one rule per other member address of the rule\'s ethertype', () => {
  const rules = expandRulesForPort(a, groups, [a, b])
  assert.deepEqual(rules, [
    { direction: 'ingress', ethertype: 'IPv4', remote_group_id: 'web', security_group_id: 'web', stateful: true, source_ip_prefix: '10.0.0.6/32' },
    { direction: 'ingress', ethertype: 'IPv4', remote_group_id: 'web', security_group_id: 'web', stateful: true, source_ip_prefix: '10.1.0.0/24' },
    { direction: 'egress', ethertype: 'IPv4', security_group_id: 'web', stateful: true },
    { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, source_ip_prefix: '192.168.1.0/24', security_group_id: 'web', stateful: true },
    { direction: 'egress', ethertype: 'IPv6', protocol: 'udp', security_group_id: 'raw', stateful: false },
    ...providerOfA,
  ])
})

test('a port without port security gets no rules; a group nobody else is in allows nothing from it', () => {
  assert.deepEqual(expandRulesForPort({ ...a, portSecurityEnabled: false }, groups, [a, b]), [])
  const alone = expandRulesForPort(b, groups, [b])
  assert.ok(alone.every((r) => r.remote_group_id === undefined || r.source_ip_prefix === '10.1.0.0/24'))
})
