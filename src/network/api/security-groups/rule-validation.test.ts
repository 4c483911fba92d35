import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NeutronError } from '../../errors.ts'
import { convertProtocol, protocolNameAndNumber } from './protocols.ts'
import { prepareBody } from './request-body.ts'
import { RULE_BASE_ATTRIBUTES, checkRuleFields, convertIpPrefix, convertPort, normalizedCidr, ruleKey, type RuleFields } from './rule-validation.ts'

const fails = (fn: () => unknown, type: string, message?: string) =>
  assert.throws(fn, (e: unknown) => e instanceof NeutronError && e.title === type && (message === undefined || e.message === message))

const rule = (r: Partial<RuleFields>): RuleFields => ({
  direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null,
  remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null, ...r,
})

test('protocols: names any case, numbers 0-255 as text, any/null as none; the rest is refused', () => {
  assert.equal(convertProtocol('TCP'), 'tcp')
  assert.equal(convertProtocol(6), '6')
  assert.equal(convertProtocol('132'), '132')
  assert.equal(convertProtocol('any'), null)
  assert.equal(convertProtocol(null), null)
  fails(() => convertProtocol('256'), 'SecurityGroupRuleInvalidProtocol')
  fails(() => convertProtocol(['tcp']), 'SecurityGroupRuleInvalidProtocol')
  fails(() => convertProtocol('smtp'), 'SecurityGroupRuleInvalidProtocol',
    "Security group rule protocol smtp not supported. Only protocol values (None, 'any', 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', 'ip', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp') and integer representations [0 to 255] are supported.")
  assert.deepEqual(protocolNameAndNumber('6'), ['tcp', '6'])
  assert.deepEqual(protocolNameAndNumber('icmp', 'IPv6'), ['ipv6-icmp', '58'])
  assert.deepEqual(protocolNameAndNumber('0'), ['ip', '0'])
})

test('ports and prefixes are converted as Neutron converts them', () => {
  assert.equal(convertPort('80'), 80)
  assert.equal(convertPort(null), null)
  fails(() => convertPort(65536), 'SecurityGroupInvalidPortValue', 'Invalid value for port 65536')
  fails(() => convertPort('http'), 'SecurityGroupInvalidPortValue', 'Invalid value for port http')
  assert.equal(convertIpPrefix('10.0.0.1'), '10.0.0.1/32')
  assert.equal(convertIpPrefix(''), null)
  assert.equal(convertIpPrefix('FD00:0::1/64'), 'fd00::1/64')
  assert.equal(normalizedCidr('fd00::1/64'), 'fd00::/64')
  fails(() => convertIpPrefix('10.0.0.0/33'), 'InvalidCIDR', 'Invalid CIDR 10.0.0.0/33 given as IP prefix.')
})

test('plugin checks: IPv6 ICMP spellings, whole range, ICMP bounds, ethertype conflicts, one remote', () => {
  assert.equal(checkRuleFields(rule({ ethertype: 'IPv6', protocol: 'icmpv6' })).protocol, 'ipv6-icmp')
  assert.equal(checkRuleFields(rule({ ethertype: 'IPv6', protocol: '1' })).protocol, '58')
  assert.deepEqual(checkRuleFields(rule({ protocol: 'tcp', port_range_min: 1, port_range_max: 65535 })).port_range_min, null)
  assert.equal(checkRuleFields(rule({ protocol: 'icmp', port_range_min: 0, port_range_max: 255 })).port_range_max, 255)
  fails(() => checkRuleFields(rule({ protocol: 'icmp', port_range_min: 256 })), 'SecurityGroupInvalidIcmpValue')
  fails(() => checkRuleFields(rule({ protocol: 'icmpv6' })), 'SecurityGroupEthertypeConflictWithProtocol', 'Invalid ethertype IPv4 for protocol icmpv6.')
  fails(() => checkRuleFields(rule({ protocol: '58' })), 'SecurityGroupEthertypeConflictWithProtocol')
  fails(() => checkRuleFields(rule({ remote_ip_prefix: 'fd00::/64' })), 'SecurityGroupRuleParameterConflict')
  fails(() => checkRuleFields(rule({ remote_ip_prefix: '10.0.0.0/8', remote_group_id: 'g' })), 'SecurityGroupMultipleRemoteEntites')
  fails(() => checkRuleFields(rule({ protocol: 'vrrp', port_range_min: 1, port_range_max: 2 })), 'SecurityGroupInvalidProtocolForPort')
  fails(() => checkRuleFields(rule({ protocol: 'sctp', port_range_min: 9 })), 'SecurityGroupInvalidPortRange')
})

test('duplicate keys: protocol name and number are one; any-address prefixes equal none', () => {
  assert.equal(ruleKey(rule({ protocol: 'tcp' })), ruleKey(rule({ protocol: '6' })))
  assert.equal(ruleKey(rule({ remote_ip_prefix: '0.0.0.0/0' })), ruleKey(rule({})))
  assert.notEqual(ruleKey(rule({ remote_ip_prefix: '10.0.0.1/24' })), ruleKey(rule({ remote_ip_prefix: '10.0.0.0/24' })))
  assert.equal(ruleKey(rule({ ethertype: 'IPv6', protocol: 'icmp' })), ruleKey(rule({ ethertype: 'IPv6', protocol: 'ipv6-icmp' })))
})

test('request bodies: defaults fill in, required attributes and unknown ones are refused in upstream words', () => {
  const opts = {
    resource: 'security_group_rule', collection: 'security_group_rules', attributes: RULE_BASE_ATTRIBUTES,
    isCreate: true, allowBulk: false, callerProject: 'p', canSetProjectId: false,
  }
  const withProject = { ...opts, attributes: { ...RULE_BASE_ATTRIBUTES, project_id: { post: true, put: false }, tenant_id: { post: true, put: false } } }
  const { items } = prepareBody({ security_group_rule: { direction: 'egress', ethertype: 'ipv6' } }, withProject)
  assert.deepEqual(items[0], {
    direction: 'egress', ethertype: 'IPv6', project_id: 'p', tenant_id: 'p', remote_group_id: null, protocol: null,
    port_range_min: null, port_range_max: null, remote_ip_prefix: null,
  })
  fails(() => prepareBody({ security_group_rules: [{}] }, withProject), 'HTTPBadRequest', 'Bulk operation not supported')
  fails(() => prepareBody({ security_group_rule: {} }, withProject), 'HTTPBadRequest', "Failed to parse request. Required attribute 'direction' not specified")
  fails(() => prepareBody({ security_group_rule: { direction: 'in', x: 1, y: 2 } }, withProject), 'HTTPBadRequest', "Unrecognized attribute(s) 'x, y'")
  fails(() => prepareBody({ security_group_rule: 'tcp' }, withProject), 'HTTPBadRequest', "Object 'security_group_rule' contains invalid data")
  fails(() => prepareBody([], withProject), 'HTTPBadRequest', 'Resource body required')
})
