import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ApiClient } from '../../support/client.ts'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { scratchDatabase, type Engine } from '../../support/databases.ts'

let cloud: TestCloud
let admin: ApiClient // admin on project admin
let demo: ApiClient // member on project demo
let reader: ApiClient // reader on project demo
let other: ApiClient // member on project other
let demoProject: string
let otherProject: string
let adminProject: string

/** A user with `role` on a (new or existing) project, logged in to the network API. */
async function userOn(identityAdmin: ApiClient, name: string, role: string, project: string, createProject: boolean): Promise<ApiClient> {
  let projectId: string
  if (createProject) {
    const p = await identityAdmin.post('/v3/projects', { project: { name: project, domain_id: 'default' } })
    assert.equal(p.status, 201)
    projectId = p.body.project.id
  } else {
    projectId = (await identityAdmin.get(`/v3/projects?name=${project}`)).body.projects[0].id
  }
  const u = await identityAdmin.post('/v3/users', { user: { name, password: `${name}-secret`, domain_id: 'default' } })
  assert.equal(u.status, 201)
  const roleId = (await identityAdmin.get(`/v3/roles?name=${role}`)).body.roles[0].id
  assert.equal((await identityAdmin.put(`/v3/projects/${projectId}/users/${u.body.user.id}/roles/${roleId}`)).status, 204)
  return cloud.service('network', await ApiClient.login(cloud.identityUrl, { user: name, password: `${name}-secret`, project }))
}

before(async () => {
  // Room for the many groups these tests make in one project; the quota test sets its own limits.
  cloud = await startTestCloud({ services: ['network'], config: { network: { quotas: { securityGroup: 100 } } } })
  const identityAdmin = await cloud.admin()
  const demoLogin = await cloud.demo()
  demoProject = demoLogin.tokenBody.token.project.id
  adminProject = identityAdmin.tokenBody.token.project.id
  admin = cloud.service('network', identityAdmin)
  demo = cloud.service('network', demoLogin)
  reader = await userOn(identityAdmin, 'sg-reader', 'reader', 'demo', false)
  other = await userOn(identityAdmin, 'sg-other', 'member', 'other', true)
  otherProject = (await identityAdmin.get('/v3/projects?name=other')).body.projects[0].id
})
after(() => cloud.stop())

const newGroup = async (as: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
  const res = await as.post('/v2.0/security-groups', { security_group: { name, ...extra } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.security_group
}
const newRule = (as: ApiClient, rule: Record<string, unknown>) => as.post('/v2.0/security-group-rules', { security_group_rule: rule })
const errorOf = (res: { body: any }) => ({ type: res.body.NeutronError.type as string, message: res.body.NeutronError.message as string })

describe('the default security group', () => {
  test('the first listing creates it once, with Neutron default rules', async () => {
    const first = await demo.get('/v2.0/security-groups')
    assert.equal(first.status, 200)
    const defaults = first.body.security_groups.filter((g: any) => g.name === 'default')
    assert.equal(defaults.length, 1)
    const g = defaults[0]
    assert.equal(g.project_id, demoProject)
    assert.equal(g.tenant_id, demoProject)
    assert.equal(g.description, 'Default security group')
    assert.equal(g.stateful, true)
    assert.match(g.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const summary = g.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype} ${r.remote_group_id === g.id ? 'self' : r.remote_group_id} ${r.protocol} ${r.remote_ip_prefix}`).sort()
    assert.deepEqual(summary, ['egress IPv4 null null null', 'egress IPv6 null null null', 'ingress IPv4 self null null', 'ingress IPv6 self null null'])
    assert.ok(g.security_group_rules.every((r: any) => r.belongs_to_default_sg === true && r.project_id === demoProject && r.description === ''))
    const again = await demo.get('/v2.0/security-groups?name=default')
    assert.deepEqual(again.body.security_groups.map((x: any) => x.id), [g.id])
  })

  test('concurrent first requests of a new project still make exactly one default group', async () => {
    const identityAdmin = await cloud.admin()
    const fresh = await userOn(identityAdmin, 'sg-race', 'member', 'race', true)
    const lists = await Promise.all([...Array(6)].map((_, i) => fresh.get(i % 2 ? '/v2.0/security-groups' : '/v2.0/security-group-rules')))
    assert.ok(lists.every((r) => r.status === 200))
    const groups = (await fresh.get('/v2.0/security-groups')).body.security_groups
    assert.equal(groups.filter((g: any) => g.name === 'default').length, 1)
    assert.equal((await fresh.get('/v2.0/security-group-rules')).body.security_group_rules.length, 4)
  })

  test('a second `default` (any case) is 409; the default group keeps its name but its description may change', async () => {
    for (const name of ['default', 'DEFAULT']) {
      const res = await demo.post('/v2.0/security-groups', { security_group: { name } })
      assert.equal(res.status, 409)
      assert.deepEqual(errorOf(res), { type: 'SecurityGroupDefaultAlreadyExists', message: 'Default security group already exists.' })
    }
    const g = await newGroup(demo, 'plain')
    const rename = await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'default' } })
    assert.equal(rename.status, 409)
    const def = (await demo.get('/v2.0/security-groups?name=default')).body.security_groups[0]
    const renameDefault = await demo.put(`/v2.0/security-groups/${def.id}`, { security_group: { name: 'mine' } })
    assert.equal(renameDefault.status, 409)
    assert.deepEqual(errorOf(renameDefault), { type: 'SecurityGroupCannotUpdateDefault', message: 'Updating default security group not allowed.' })
    const describe = await demo.put(`/v2.0/security-groups/${def.id}`, { security_group: { description: 'ours' } })
    assert.equal(describe.status, 200)
    assert.equal(describe.body.security_group.description, 'ours')
  })

  test('only admins delete it; the next listing makes a new one', async () => {
    const def = (await demo.get('/v2.0/security-groups?name=default')).body.security_groups[0]
    const res = await demo.delete(`/v2.0/security-groups/${def.id}`)
    assert.equal(res.status, 409)
    assert.deepEqual(errorOf(res), { type: 'SecurityGroupCannotRemoveDefault', message: 'Insufficient rights for removing default security group.' })
    assert.equal((await admin.delete(`/v2.0/security-groups/${def.id}`)).status, 204)
    const after = (await demo.get('/v2.0/security-groups?name=default')).body.security_groups
    assert.equal(after.length, 1)
    assert.notEqual(after[0].id, def.id)
  })

  test('admins see every project, and listing with project_id creates that project\'s default group', async () => {
    const identityAdmin = await cloud.admin()
    const p = await identityAdmin.post('/v3/projects', { project: { name: 'sg-quiet', domain_id: 'default' } })
    const projectId = p.body.project.id
    const list = await admin.get(`/v2.0/security-groups?project_id=${projectId}`)
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.security_groups.map((g: any) => [g.name, g.project_id]), [['default', projectId]])
    const all = (await admin.get('/v2.0/security-groups?name=default')).body.security_groups.map((g: any) => g.project_id)
    assert.ok(all.includes(demoProject) && all.includes(projectId) && all.includes(adminProject))
    // A member naming another project gets nothing and creates nothing.
    const peek = await other.get(`/v2.0/security-groups?project_id=${demoProject}`)
    assert.deepEqual(peek.body.security_groups, [])
  })
})

describe('security groups', () => {
  test('create, show, list, update and delete, with standard attributes and If-Match', async () => {
    const g = await newGroup(demo, 'web', { description: 'web servers' })
    assert.equal(g.description, 'web servers')
    assert.equal(g.stateful, true)
    assert.equal(g.revision_number, 0)
    assert.deepEqual(g.tags, [])
    assert.deepEqual(g.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype} ${r.remote_group_id}`).sort(),
      ['egress IPv4 null', 'egress IPv6 null'])
    assert.ok(g.security_group_rules.every((r: any) => r.belongs_to_default_sg === false))
    const shown = await reader.get(`/v2.0/security-groups/${g.id}`)
    assert.deepEqual(shown.body.security_group, g)
    const fields = await demo.get(`/v2.0/security-groups/${g.id}?fields=id&fields=name`)
    assert.deepEqual(fields.body.security_group, { id: g.id, name: 'web' })
    const stale = await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'www' } }, { 'if-match': 'revision_number=5' })
    assert.equal(stale.status, 412)
    const upd = await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'www', description: 'd', stateful: false } }, { 'if-match': 'revision_number=0' })
    assert.equal(upd.status, 200)
    assert.equal(upd.body.security_group.name, 'www')
    assert.equal(upd.body.security_group.stateful, false)
    assert.equal(upd.body.security_group.revision_number, 1)
    const listed = await demo.get('/v2.0/security-groups?stateful=false')
    assert.deepEqual(listed.body.security_groups.map((x: any) => x.id), [g.id])
    assert.equal((await reader.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'x' } })).status, 403)
    assert.equal((await reader.delete(`/v2.0/security-groups/${g.id}`)).status, 403)
    assert.equal((await demo.delete(`/v2.0/security-groups/${g.id}`)).status, 204)
    const gone = await demo.get(`/v2.0/security-groups/${g.id}`)
    assert.equal(gone.status, 404)
    assert.deepEqual(errorOf(gone), { type: 'SecurityGroupNotFound', message: `Security group ${g.id} does not exist` })
    assert.equal((await demo.delete(`/v2.0/security-groups/${g.id}`)).status, 404)
  })

  test('bad bodies are refused with Neutron\'s messages and change nothing', async () => {
    const before = (await demo.get('/v2.0/security-groups')).body.security_groups.length
    const cases: Array<[unknown, string]> = [
      [{ security_group: { name: 'x', colour: 'red' } }, "Unrecognized attribute(s) 'colour'"],
      [{ security_group: { name: 'x', tags: ['a'] } }, "Attribute 'tags' not allowed in POST"],
      [{ security_group: { name: 'x', id: 'mine' } }, "Attribute 'id' not allowed in POST"],
      [{ security_group: { name: 7 } }, "Invalid input for name. Reason: '7' is not a valid string."],
      [{ security_group: { name: 'x'.repeat(256) } }, `Invalid input for name. Reason: '${'x'.repeat(256)}' exceeds maximum length of 255.`],
      [{ security_group: { name: 'x', stateful: 'maybe' } }, "Invalid input for operation: 'maybe' cannot be converted to boolean."],
      [{ security_group: { name: 'x', project_id: otherProject } }, "Specifying 'project_id' other than the authenticated project in request is not allowed for the current user."],
      [{ security_group: { name: 'x', project_id: demoProject, tenant_id: otherProject } }, "'project_id' and 'tenant_id' do not match"],
      [{ group: {} }, "Unable to find 'security_group' in request body"],
      [{}, 'Resource body required'],
    ]
    for (const [body, message] of cases) {
      const res = await demo.post('/v2.0/security-groups', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(errorOf(res).message, message)
    }
    const g = await newGroup(demo, 'strict')
    const ro = await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { project_id: demoProject } })
    assert.equal(ro.status, 400)
    assert.equal(errorOf(ro).message, 'Cannot update read-only attribute tenant_id')
    assert.equal((await demo.get('/v2.0/security-groups')).body.security_groups.length, before + 1)
  })

  test('bulk create makes every group or none', async () => {
    const ok = await demo.post('/v2.0/security-groups', { security_groups: [{ name: 'b1' }, { name: 'b2' }] })
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body.security_groups.map((g: any) => g.name), ['b1', 'b2'])
    const bad = await demo.post('/v2.0/security-groups', { security_groups: [{ name: 'b3' }, { name: 'default' }] })
    assert.equal(bad.status, 409)
    assert.deepEqual((await demo.get('/v2.0/security-groups?name=b3')).body.security_groups, [])
  })

  test('admins create groups for other projects; other projects cannot see or touch them', async () => {
    const g = await newGroup(admin, 'for-demo', { tenant_id: demoProject })
    assert.equal(g.project_id, demoProject)
    assert.ok((await demo.get('/v2.0/security-groups')).body.security_groups.some((x: any) => x.id === g.id))
    assert.ok(!(await other.get('/v2.0/security-groups')).body.security_groups.some((x: any) => x.id === g.id))
    assert.equal((await other.get(`/v2.0/security-groups/${g.id}`)).status, 404)
    assert.equal((await other.put(`/v2.0/security-groups/${g.id}`, { security_group: { name: 'mine' } })).status, 404)
    assert.equal((await other.delete(`/v2.0/security-groups/${g.id}`)).status, 404)
    const anyRule = g.security_group_rules[0].id
    assert.equal((await other.get(`/v2.0/security-group-rules/${anyRule}`)).status, 404)
    assert.equal((await other.delete(`/v2.0/security-group-rules/${anyRule}`)).status, 404)
    const intrude = await newRule(other, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp' })
    assert.equal(intrude.status, 403)
    assert.equal((await demo.get(`/v2.0/security-groups/${g.id}`)).body.security_group.security_group_rules.length, 2)
  })

  test('a group used by a port can be neither deleted nor switched to stateless', async (t) => {
    const net = await demo.post('/v2.0/networks', { network: { name: 'sg-net' } })
    if (net.status !== 201) return t.skip('the networks and ports API is not available yet')
    const g = await newGroup(demo, 'in-use')
    const port = await demo.post('/v2.0/ports', { port: { network_id: net.body.network.id, security_groups: [g.id] } })
    if (port.status !== 201) return t.skip('the ports API is not available yet')
    const del = await demo.delete(`/v2.0/security-groups/${g.id}`)
    assert.equal(del.status, 409)
    assert.deepEqual(errorOf(del), { type: 'SecurityGroupInUse', message: `Security Group ${g.id} in use.` })
    assert.equal((await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { stateful: false } })).status, 409)
    assert.equal((await demo.put(`/v2.0/security-groups/${g.id}`, { security_group: { description: 'still fine' } })).status, 200)
    assert.equal((await demo.delete(`/v2.0/ports/${port.body.port.id}`)).status, 204)
    assert.equal((await demo.delete(`/v2.0/security-groups/${g.id}`)).status, 204)
  })
})

describe('security group rules', () => {
  let group: any
  before(async () => { group = await newGroup(demo, 'rules') })

  const create = async (rule: Record<string, unknown>) => {
    const res = await newRule(demo, { security_group_id: group.id, direction: 'ingress', ...rule })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body.security_group_rule
  }

  test('protocols by name or number; ICMP type and code; IPv6 ICMP spellings become ipv6-icmp', async () => {
    const tcp = await create({ protocol: 'TCP', port_range_min: 22, port_range_max: '22' })
    assert.deepEqual([tcp.protocol, tcp.port_range_min, tcp.port_range_max, tcp.ethertype], ['tcp', 22, 22, 'IPv4'])
    assert.equal((await create({ protocol: 17 })).protocol, '17')
    const icmp = await create({ protocol: 'icmp', port_range_min: 8, port_range_max: 0 })
    assert.deepEqual([icmp.port_range_min, icmp.port_range_max], [8, 0])
    assert.equal((await create({ protocol: 'icmp', ethertype: 'ipv6' })).protocol, 'ipv6-icmp')
    const legacy = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: 'icmpv6', ethertype: 'IPv6' })
    assert.equal(legacy.status, 409, 'icmpv6 is the same rule as ipv6-icmp')
    assert.equal((await create({ protocol: 'icmp', ethertype: 'IPv6', direction: 'egress' })).protocol, 'ipv6-icmp')
    const all = await create({ protocol: 'tcp', port_range_min: 1, port_range_max: 65535 })
    assert.deepEqual([all.port_range_min, all.port_range_max], [null, null])
    const sameAsAll = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: 'tcp' })
    assert.equal(sameAsAll.status, 409, 'the whole port range is the same rule as no range')
    const shown = await reader.get(`/v2.0/security-group-rules/${tcp.id}`)
    assert.deepEqual(shown.body.security_group_rule, tcp)
    assert.equal(tcp.belongs_to_default_sg, false)
    assert.equal(tcp.project_id, demoProject)
  })

  test('remote_ip_prefix is normalized, checked against the ethertype, and exclusive with remote_group_id', async () => {
    const host = await create({ protocol: 'tcp', remote_ip_prefix: '192.168.1.1' })
    assert.deepEqual([host.remote_ip_prefix, host.normalized_cidr], ['192.168.1.1/32', '192.168.1.1/32'])
    const net = await create({ protocol: 'tcp', remote_ip_prefix: '10.0.0.5/24' })
    assert.deepEqual([net.remote_ip_prefix, net.normalized_cidr], ['10.0.0.5/24', '10.0.0.0/24'])
    const v6 = await create({ protocol: 'tcp', ethertype: 'IPv6', remote_ip_prefix: '2001:DB8:0:0::1/64' })
    assert.deepEqual([v6.remote_ip_prefix, v6.normalized_cidr], ['2001:db8::1/64', '2001:db8::/64'])
    const conflict = await newRule(demo, { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv6', remote_ip_prefix: '10.1.0.0/16' })
    assert.equal(conflict.status, 400)
    assert.deepEqual(errorOf(conflict), { type: 'SecurityGroupRuleParameterConflict', message: 'Conflicting value ethertype IPv6 for CIDR 10.1.0.0/16' })
    for (const bad of ['192.168.1./24', '192.168.1.1/33', 'bad_prefix', '256']) {
      const res = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', remote_ip_prefix: bad })
      assert.equal(res.status, 400, bad)
      assert.deepEqual(errorOf(res), { type: 'InvalidCIDR', message: `Invalid CIDR ${bad} given as IP prefix.` })
    }
    const peer = await newGroup(demo, 'peer')
    const both = await newRule(demo, { security_group_id: group.id, direction: 'ingress', remote_ip_prefix: '10.9.0.0/16', remote_group_id: peer.id })
    assert.equal(both.status, 400)
    assert.equal(errorOf(both).type, 'SecurityGroupMultipleRemoteEntites')
  })

  test('bad rules get Neutron\'s 400s (tempest\'s cases) and change nothing', async () => {
    const before = (await demo.get(`/v2.0/security-groups/${group.id}`)).body.security_group
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ protocol: 'bad_protocol_name' }, 'SecurityGroupRuleInvalidProtocol', 'Security group rule protocol bad_protocol_name not supported.'],
      [{ protocol: 256 }, 'SecurityGroupRuleInvalidProtocol', 'integer representations [0 to 255] are supported.'],
      [{ ethertype: 'bad_ethertype' }, 'SecurityGroupRuleInvalidEtherType', "Security group rule for ethertype 'bad_ethertype' not supported. Allowed values are ['IPv4', 'IPv6']."],
      [{ direction: 'sideways' }, 'HTTPBadRequest', 'Invalid input for direction. Reason: sideways is not in valid_values.'],
      [{ protocol: 'tcp', port_range_min: -16, port_range_max: 80 }, 'SecurityGroupInvalidPortValue', 'Invalid value for port -16'],
      [{ protocol: 'tcp', port_range_min: 80, port_range_max: 79 }, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max'],
      [{ protocol: 'tcp', port_range_min: 80, port_range_max: 65536 }, 'SecurityGroupInvalidPortValue', 'Invalid value for port 65536'],
      [{ protocol: 'tcp', port_range_max: 6 }, 'SecurityGroupInvalidPortRange', 'port_range_min must be <= port_range_max'],
      [{ protocol: 'tcp', port_range_min: 0, port_range_max: 5 }, 'SecurityGroupInvalidPortValue', 'Invalid value for port 0'],
      [{ protocol: 'icmp', port_range_min: 1, port_range_max: 256 }, 'SecurityGroupInvalidIcmpValue', 'Invalid value for ICMP code (port_range_max) 256. It must be 0 to 255.'],
      [{ protocol: 'icmp', port_range_min: -1, port_range_max: 25 }, 'SecurityGroupInvalidPortValue', 'Invalid value for port -1'],
      [{ protocol: 'icmp', port_range_max: 6 }, 'SecurityGroupMissingIcmpType', 'ICMP code (port-range-max) 6 is provided but ICMP type (port-range-min) is missing.'],
      [{ protocol: 'icmp', port_range_min: 300, port_range_max: 1 }, 'SecurityGroupInvalidIcmpValue', 'Invalid value for ICMP type (port_range_min) 300. It must be 0 to 255.'],
      [{ protocol: 'gre', port_range_min: 5, port_range_max: 6 }, 'SecurityGroupInvalidProtocolForPort', 'Ports cannot be specified for protocol 47. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.'],
      [{ port_range_min: 5, port_range_max: 6 }, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.'],
      [{ protocol: 'ipv6-icmp', ethertype: 'IPv4' }, 'SecurityGroupEthertypeConflictWithProtocol', 'Invalid ethertype IPv4 for protocol ipv6-icmp.'],
      [{ remote_address_group_id: null }, 'HTTPBadRequest', "Unrecognized attribute(s) 'remote_address_group_id'"],
      [{ normalized_cidr: '10.0.0.0/8' }, 'HTTPBadRequest', "Attribute 'normalized_cidr' not allowed in POST"],
    ]
    for (const [rule, type, message] of cases) {
      const res = await newRule(demo, { security_group_id: group.id, direction: 'ingress', ...rule })
      assert.equal(res.status, 400, JSON.stringify(rule))
      assert.equal(errorOf(res).type, type, JSON.stringify(rule))
      assert.ok(errorOf(res).message.includes(message), `${errorOf(res).message} should contain ${message}`)
    }
    const missing = await demo.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id } })
    assert.equal(errorOf(missing).message, "Failed to parse request. Required attribute 'direction' not specified")
    const afterwards = (await demo.get(`/v2.0/security-groups/${group.id}`)).body.security_group
    assert.deepEqual(afterwards.security_group_rules, before.security_group_rules)
    assert.equal(afterwards.revision_number, before.revision_number)
  })

  test('unknown groups are 404, duplicates 409 naming the rule that exists', async () => {
    const missing = '9a1d4e0e-0000-4000-8000-000000000000'
    const noGroup = await newRule(demo, { security_group_id: missing, direction: 'ingress' })
    assert.equal(noGroup.status, 404)
    assert.deepEqual(errorOf(noGroup), { type: 'SecurityGroupNotFound', message: `Security group ${missing} does not exist` })
    for (const remote of ['bad_group_id', missing]) {
      const res = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', remote_group_id: remote })
      assert.equal(res.status, 404)
      assert.equal(errorOf(res).message, `Security group ${remote} does not exist`)
    }
    const foreign = await newGroup(other, 'foreign')
    const res = await newRule(demo, { security_group_id: group.id, direction: 'ingress', remote_group_id: foreign.id })
    assert.equal(res.status, 404, 'another project\'s group is not a usable remote group')
    const first = await create({ protocol: 'tcp', port_range_min: 66, port_range_max: 67 })
    const dup = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: '6', port_range_min: 66, port_range_max: 67 })
    assert.equal(dup.status, 409)
    assert.deepEqual(errorOf(dup), { type: 'SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${first.id}.` })
    const anyPrefix = await create({ protocol: 'tcp', port_range_min: 99, port_range_max: 99 })
    const dupAny = await newRule(demo, { security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 99, port_range_max: 99, remote_ip_prefix: '0.0.0.0/0' })
    assert.equal(errorOf(dupAny).message, `Security group rule already exists. Rule id is ${anyPrefix.id}.`)
    assert.equal((await demo.get(`/v2.0/security-group-rules/${missing}`)).status, 404)
    assert.deepEqual(errorOf(await demo.delete(`/v2.0/security-group-rules/${missing}`)),
      { type: 'SecurityGroupRuleNotFound', message: `Security group rule ${missing} does not exist` })
  })

  test('rules revise their group; list filters; readers read but do not write; delete', async () => {
    const g = await newGroup(demo, 'revisions')
    const rule = (await newRule(demo, { security_group_id: g.id, direction: 'ingress', protocol: 'udp', port_range_min: 53, port_range_max: 53, description: 'dns' })).body.security_group_rule
    assert.equal(rule.description, 'dns')
    const revised = (await demo.get(`/v2.0/security-groups/${g.id}`)).body.security_group
    assert.equal(revised.revision_number, 1)
    const listed = await reader.get(`/v2.0/security-group-rules?security_group_id=${g.id}&direction=ingress`)
    assert.deepEqual(listed.body.security_group_rules.map((r: any) => r.id), [rule.id])
    const sorted = await demo.get(`/v2.0/security-group-rules?security_group_id=${g.id}&sort_key=ethertype&sort_dir=desc&fields=ethertype&fields=direction`)
    assert.deepEqual(sorted.body.security_group_rules.map((r: any) => r.ethertype), ['IPv6', 'IPv4', 'IPv4'])
    assert.equal((await reader.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id, direction: 'egress', protocol: 'tcp' } })).status, 403)
    assert.equal((await reader.delete(`/v2.0/security-group-rules/${rule.id}`)).status, 403)
    assert.equal((await demo.delete(`/v2.0/security-group-rules/${rule.id}`, { 'if-match': 'revision_number=3' })).status, 412)
    assert.equal((await demo.delete(`/v2.0/security-group-rules/${rule.id}`)).status, 204)
    assert.equal((await demo.get(`/v2.0/security-group-rules/${rule.id}`)).status, 404)
    assert.equal((await demo.get(`/v2.0/security-groups/${g.id}`)).body.security_group.revision_number, 2)
    assert.ok(!(await other.get('/v2.0/security-group-rules')).body.security_group_rules.some((r: any) => r.security_group_id === g.id))
  })

  test('bulk rules: one group per request, no duplicates inside the request, all or nothing', async () => {
    const g = await newGroup(demo, 'bulk-rules')
    const rules = [{ protocol: 'tcp', port_range_min: 80, port_range_max: 80 }, { protocol: 'tcp', port_range_min: 443, port_range_max: 443 }]
      .map((r) => ({ security_group_id: g.id, direction: 'ingress', ...r }))
    const ok = await demo.post('/v2.0/security-group-rules', { security_group_rules: rules })
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body.security_group_rules.map((r: any) => r.port_range_min), [80, 443])
    const twice = await demo.post('/v2.0/security-group-rules', { security_group_rules: [{ ...rules[0], port_range_min: 8080, port_range_max: 8080 }, { ...rules[0], port_range_min: 8080, port_range_max: 8080 }] })
    assert.equal(twice.status, 409)
    assert.equal(errorOf(twice).type, 'DuplicateSecurityGroupRuleInPost')
    const two = await demo.post('/v2.0/security-group-rules', { security_group_rules: [rules[0], { ...rules[1], security_group_id: group.id, port_range_min: 9 }] })
    assert.equal(two.status, 400)
    assert.equal(errorOf(two).message, 'Only allowed to update rules for one security profile at a time')
    assert.equal((await demo.get(`/v2.0/security-group-rules?security_group_id=${g.id}`)).body.security_group_rules.length, 4)
  })

  test('deleting a group deletes its rules and the rules of other groups that name it as remote group', async () => {
    const a = await newGroup(demo, 'a')
    const b = await newGroup(demo, 'b')
    const viaB = (await newRule(demo, { security_group_id: a.id, direction: 'ingress', remote_group_id: b.id })).body.security_group_rule
    const own = (await newRule(demo, { security_group_id: b.id, direction: 'ingress', protocol: 'tcp' })).body.security_group_rule
    assert.equal((await demo.delete(`/v2.0/security-groups/${b.id}`)).status, 204)
    assert.equal((await demo.get(`/v2.0/security-group-rules/${viaB.id}`)).status, 404)
    assert.equal((await demo.get(`/v2.0/security-group-rules/${own.id}`)).status, 404)
    const left = (await demo.get(`/v2.0/security-groups/${a.id}`)).body.security_group.security_group_rules
    assert.deepEqual(left.map((r: any) => r.direction), ['egress', 'egress'])
  })
})

describe('default security group rules (templates)', () => {
  test('four seeded templates; admins add one and new groups get it; members may only read', async () => {
    const list = await demo.get('/v2.0/default-security-group-rules')
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.default_security_group_rules.map((r: any) => `${r.direction} ${r.ethertype} ${r.remote_group_id} ${r.used_in_default_sg} ${r.used_in_non_default_sg}`).sort(), [
      'egress IPv4 null true true', 'egress IPv6 null true true', 'ingress IPv4 PARENT true false', 'ingress IPv6 PARENT true false',
    ])
    const body = { default_security_group_rule: { direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, used_in_default_sg: false, used_in_non_default_sg: true } }
    assert.equal((await demo.post('/v2.0/default-security-group-rules', body)).status, 403)
    const created = await admin.post('/v2.0/default-security-group-rules', body)
    assert.equal(created.status, 201)
    const tpl = created.body.default_security_group_rule
    assert.deepEqual([tpl.protocol, tpl.port_range_min, tpl.used_in_default_sg, tpl.description], ['tcp', 22, false, ''])
    const dup = await admin.post('/v2.0/default-security-group-rules', body)
    assert.equal(dup.status, 409)
    assert.equal(errorOf(dup).message, `Default Security group rule already exists. Rule id is ${tpl.id}.`)
    const g = await newGroup(demo, 'with-ssh')
    assert.ok(g.security_group_rules.some((r: any) => r.protocol === 'tcp' && r.port_range_min === 22 && r.direction === 'ingress'))
    assert.equal((await demo.get(`/v2.0/default-security-group-rules/${tpl.id}`)).body.default_security_group_rule.id, tpl.id)
    assert.equal((await demo.delete(`/v2.0/default-security-group-rules/${tpl.id}`)).status, 403)
    assert.equal((await admin.delete(`/v2.0/default-security-group-rules/${tpl.id}`)).status, 204)
    assert.equal((await admin.get(`/v2.0/default-security-group-rules/${tpl.id}`)).status, 404)
    assert.equal((await newGroup(demo, 'no-ssh')).security_group_rules.length, 2)
  })
})

test('quotas limit groups and rules per project', async (t) => {
  const identityAdmin = await cloud.admin()
  const limited = await userOn(identityAdmin, 'sg-quota', 'member', 'quota', true)
  const projectId = (await identityAdmin.get('/v3/projects?name=quota')).body.projects[0].id
  const set = await admin.put(`/v2.0/quotas/${projectId}`, { quota: { security_group: 2, security_group_rule: 7 } })
  if (set.status !== 200) return t.skip('the quotas API is not available yet')
  const g = await newGroup(limited, 'one') // with the default group that makes 2 groups and 6 rules
  const over = await limited.post('/v2.0/security-groups', { security_group: { name: 'two' } })
  assert.equal(over.status, 409)
  assert.deepEqual(errorOf(over), { type: 'OverQuota', message: "Quota exceeded for resources: ['security_group']." })
  assert.equal((await newRule(limited, { security_group_id: g.id, direction: 'ingress', protocol: 'tcp' })).status, 201)
  const rules = await limited.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id, direction: 'ingress', protocol: 'udp' } })
  assert.equal(rules.status, 409)
  assert.equal(errorOf(rules).type, 'OverQuota')
  assert.equal((await limited.get('/v2.0/security-groups')).body.security_groups.length, 2)
})

test('the extensions list names what works', async () => {
  const aliases = (await demo.get('/v2.0/extensions')).body.extensions.map((e: any) => e.alias)
  for (const alias of ['security-group', 'stateful-security-group', 'security-groups-normalized-cidr',
    'security-groups-rules-belongs-to-default-sg', 'security-groups-default-rules']) {
    assert.ok(aliases.includes(alias), alias)
  }
})

// The races that matter only happen on engines with real concurrent transactions.
for (const engine of ['postgres', 'mysql'] as Engine[]) {
  test(`on ${engine}: concurrent first requests make one default group, concurrent duplicate rules make one rule`, async (t) => {
    const scratch = await scratchDatabase(engine)
    if ('skip' in scratch) return t.skip(scratch.skip)
    const engineCloud = await startTestCloud({ services: ['network'], databaseUrl: scratch.url })
    try {
      const user = engineCloud.service('network', await engineCloud.demo())
      const firsts = await Promise.all([...Array(8)].map((_, i) => user.get(i % 2 ? '/v2.0/security-groups' : '/v2.0/security-group-rules')))
      assert.deepEqual(firsts.map((r) => r.status), Array(8).fill(200))
      const groups = (await user.get('/v2.0/security-groups')).body.security_groups
      assert.deepEqual(groups.map((g: any) => g.name), ['default'])
      assert.equal((await user.get('/v2.0/security-group-rules')).body.security_group_rules.length, 4)
      const g = (await user.post('/v2.0/security-groups', { security_group: { name: 'race' } })).body.security_group
      const tries = await Promise.all([...Array(6)].map(() =>
        user.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } })))
      assert.deepEqual(tries.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409])
      assert.equal((await user.get(`/v2.0/security-group-rules?security_group_id=${g.id}&protocol=tcp`)).body.security_group_rules.length, 1)
    } finally {
      await engineCloud.stop()
      await scratch.drop()
    }
  })
}
