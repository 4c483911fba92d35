/**
 * Nova's security group proxy as a user sees it: groups and rules made, changed and deleted
 * through /os-security-groups land in the network service and read back in Nova's terms; a
 * server's groups listed, added and removed change its ports in the network service; refusals
 * change nothing; the proxy is gone from microversion 2.36 on.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { otherProjectMember } from '../../support/cloud.ts'
import { bootServer, novaError, startComputeCloud, waitForStatus, type ComputeCloud } from './support.ts'

let c: ComputeCloud
const v236 = { 'OpenStack-API-Version': 'compute 2.36' }
const GROUP_KEYS = ['description', 'id', 'name', 'rules', 'tenant_id']
const RULE_KEYS = ['from_port', 'group', 'id', 'ip_protocol', 'ip_range', 'parent_group_id', 'to_port']

before(async () => {
  c = await startComputeCloud()
})
after(() => c?.stop())

async function createGroup(name: string): Promise<any> {
  const r = await c.demo.post('/v2.1/os-security-groups', { security_group: { name, description: `${name} group` } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.security_group
}

const neutronGroup = async (id: string) => (await c.demoNetwork.get(`/v2.0/security-groups/${id}`))
const ingressRules = async (id: string) => (await neutronGroup(id)).body.security_group.security_group_rules.filter((r: any) => r.direction === 'ingress')
const portsOf = async (serverId: string) => (await c.demoNetwork.get(`/v2.0/ports?device_id=${serverId}`)).body.ports

describe('security groups', () => {
  test('a group is created, listed, shown, updated and deleted through Nova, and lives in the network service', async () => {
    const g = await createGroup('web')
    assert.deepEqual(Object.keys(g).sort(), GROUP_KEYS)
    assert.equal(g.name, 'web')
    assert.equal(g.description, 'web group')
    assert.deepEqual(g.rules, [], 'Neutron\'s egress rules are not shown')
    const inNeutron = await neutronGroup(g.id)
    assert.equal(inNeutron.status, 200)
    assert.equal(inNeutron.body.security_group.name, 'web')
    assert.equal(g.tenant_id, inNeutron.body.security_group.project_id)

    const list = await c.demo.get('/v2.1/os-security-groups')
    assert.equal(list.status, 200, JSON.stringify(list.body))
    const names = list.body.security_groups.map((x: any) => x.name)
    assert.ok(names.includes('default') && names.includes('web'), JSON.stringify(names))
    assert.deepEqual(names, names.toSorted(), 'sorted by project and name')
    const shown = await c.demo.get(`/v2.1/os-security-groups/${g.id}`)
    assert.equal(shown.status, 200)
    assert.deepEqual(shown.body.security_group, g)

    const upd = await c.demo.put(`/v2.1/os-security-groups/${g.id}`, { security_group: { name: 'www', description: 'renamed' } })
    assert.equal(upd.status, 200, JSON.stringify(upd.body))
    assert.equal(upd.body.security_group.name, 'www')
    assert.equal((await neutronGroup(g.id)).body.security_group.description, 'renamed')

    assert.equal((await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)).status, 202)
    assert.equal((await neutronGroup(g.id)).status, 404)
    novaError(await c.demo.get(`/v2.1/os-security-groups/${g.id}`), 404, 'itemNotFound')
  })

  test('bad ids, bodies, other projects and the default group are refused and change nothing', async () => {
    const g = await createGroup('keep')
    novaError(await c.demo.get('/v2.1/os-security-groups/not-a-uuid'), 400, 'badRequest', 'Security group id should be uuid')
    novaError(await c.demo.post('/v2.1/os-security-groups', {}), 400, 'badRequest', "The request body can't be empty")
    novaError(await c.demo.post('/v2.1/os-security-groups', { security_group: { name: 'x' } }), 400, 'badRequest', 'description is not a string or unicode')
    novaError(await c.demo.put(`/v2.1/os-security-groups/${g.id}`, { security_group: { name: 'n'.repeat(256), description: '' } }), 400, 'badRequest',
      'name has 256 characters, more than 255.')
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'sg-other'))
    novaError(await other.get(`/v2.1/os-security-groups/${g.id}`), 404, 'itemNotFound')
    novaError(await other.delete(`/v2.1/os-security-groups/${g.id}`), 404, 'itemNotFound')
    assert.ok(!(await other.get('/v2.1/os-security-groups')).body.security_groups.some((x: any) => x.id === g.id))
    const def = (await c.demo.get('/v2.1/os-security-groups')).body.security_groups.find((x: any) => x.name === 'default')
    novaError(await c.demo.delete(`/v2.1/os-security-groups/${def.id}`), 400, 'badRequest')
    const after = (await neutronGroup(g.id)).body.security_group
    assert.equal(after.name, 'keep')
    assert.equal(after.description, 'keep group')
    assert.equal((await neutronGroup(def.id)).status, 200)
    await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)
  })

  test('rules are added and deleted as Neutron ingress rules and shown in Nova\'s terms', async () => {
    const g = await createGroup('ruled')
    const src = await createGroup('source')
    const add = (rule: Record<string, unknown>) => c.demo.post('/v2.1/os-security-group-rules', { security_group_rule: { parent_group_id: g.id, ...rule } })

    const ssh = await add({ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' })
    assert.equal(ssh.status, 200, JSON.stringify(ssh.body))
    const r = ssh.body.security_group_rule
    assert.deepEqual(Object.keys(r).sort(), RULE_KEYS)
    assert.deepEqual({ ...r, id: undefined }, {
      id: undefined, parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, group: {}, ip_range: { cidr: '10.0.0.0/8' },
    })
    const [n] = await ingressRules(g.id)
    assert.equal(n.id, r.id)
    assert.deepEqual([n.protocol, n.port_range_min, n.port_range_max, n.remote_ip_prefix, n.ethertype], ['tcp', 22, 22, '10.0.0.0/8', 'IPv4'])

    const ping = await add({ ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '0.0.0.0/0' })
    assert.equal(ping.status, 200, JSON.stringify(ping.body))
    assert.deepEqual([ping.body.security_group_rule.from_port, ping.body.security_group_rule.to_port], [-1, -1])
    const icmp = (await ingressRules(g.id)).find((x: any) => x.protocol === 'icmp')
    assert.deepEqual([icmp.port_range_min, icmp.port_range_max], [null, null])

    const fromGroup = await add({ ip_protocol: 'udp', group_id: src.id })
    assert.equal(fromGroup.status, 200, JSON.stringify(fromGroup.body))
    assert.deepEqual(fromGroup.body.security_group_rule.group, { name: 'source', tenant_id: g.tenant_id })
    assert.deepEqual(fromGroup.body.security_group_rule.ip_range, {})
    assert.deepEqual([fromGroup.body.security_group_rule.from_port, fromGroup.body.security_group_rule.to_port], [1, 65535])

    const shown = (await c.demo.get(`/v2.1/os-security-groups/${g.id}`)).body.security_group
    assert.equal(shown.rules.length, 3)
    assert.ok(shown.rules.some((x: any) => x.group.name === 'source'))

    assert.equal((await c.demo.delete(`/v2.1/os-security-group-rules/${r.id}`)).status, 202)
    assert.ok(!(await ingressRules(g.id)).some((x: any) => x.id === r.id))
    novaError(await c.demo.delete(`/v2.1/os-security-group-rules/${r.id}`), 404, 'itemNotFound')
    await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)
    await c.demo.delete(`/v2.1/os-security-groups/${src.id}`)
  })

  test('bad ports, protocols, cidrs and duplicate rules are Nova\'s 400s and add nothing', async () => {
    const g = await createGroup('strict')
    const add = (rule: Record<string, unknown>) => c.demo.post('/v2.1/os-security-group-rules', { security_group_rule: { parent_group_id: g.id, ...rule } })
    assert.equal((await add({ ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '0.0.0.0/0' })).status, 200)
    const before = await ingressRules(g.id)
    novaError(await add({ ip_protocol: 'tcp', from_port: 90, to_port: 80 }), 400, 'badRequest', 'Invalid port range 90:80. Former value cannot be greater than the later')
    novaError(await add({ ip_protocol: 'udp', from_port: 0, to_port: 80 }), 400, 'badRequest', 'Invalid port range 0:80. Valid UDP ports should be between 1-65535')
    novaError(await add({ ip_protocol: 'icmp', from_port: 256, to_port: 0 }), 400, 'badRequest', 'Invalid port range 256:0. For ICMP, the type:code must be valid')
    novaError(await add({ ip_protocol: 'tcp', from_port: 'a', to_port: 80 }), 400, 'badRequest', 'Invalid input received: To and From ports must be integers')
    novaError(await add({ ip_protocol: 'gre', from_port: 1, to_port: 2 }), 400, 'badRequest', 'Invalid IP protocol gre.')
    novaError(await add({ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/33' }), 400, 'badRequest', '10.0.0.0/33 is not a valid IP network.')
    novaError(await add({ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/0' }), 400, 'badRequest', 'Bad prefix for network in cidr 10.0.0.0/0')
    novaError(await add({ ip_protocol: 'tcp' }), 400, 'badRequest', 'Not enough parameters to build a valid rule.')
    novaError(await add({ ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '0.0.0.0/0' }), 400, 'badRequest', `This rule already exists in group ${g.id}`)
    novaError(await add({ parent_group_id: 'nope', ip_protocol: 'tcp', from_port: 1, to_port: 2 }), 400, 'badRequest', 'Security group id should be uuid')
    novaError(await add({ parent_group_id: '8f2c3b6e-0c1d-4d7e-9a6b-1f2e3d4c5b6a', ip_protocol: 'tcp', from_port: 1, to_port: 2 }), 404, 'itemNotFound')
    novaError(await add({ ip_protocol: 'tcp', group_id: '8f2c3b6e-0c1d-4d7e-9a6b-1f2e3d4c5b6a' }), 404, 'itemNotFound')
    assert.deepEqual(await ingressRules(g.id), before)
    await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)
  })

  test('the proxy is gone from microversion 2.36 on', async () => {
    const g = await createGroup('old')
    novaError(await c.demo.get('/v2.1/os-security-groups', v236), 404, 'itemNotFound')
    novaError(await c.demo.get(`/v2.1/os-security-groups/${g.id}`, v236), 404, 'itemNotFound')
    novaError(await c.demo.post('/v2.1/os-security-groups', { security_group: { name: 'new', description: '' } }, v236), 404, 'itemNotFound')
    novaError(await c.demo.delete(`/v2.1/os-security-groups/${g.id}`, v236), 404, 'itemNotFound')
    novaError(await c.demo.post('/v2.1/os-security-group-rules', { security_group_rule: { parent_group_id: g.id } }, v236), 404, 'itemNotFound')
    assert.equal((await neutronGroup(g.id)).status, 200)
    // Nova's router has no DELETE of the collection: a delete without an id is not found, not 405.
    novaError(await c.demo.delete('/v2.1/os-security-groups/'), 404, 'itemNotFound')
    assert.equal((await c.demo.get('/v2.1/os-security-groups', { 'OpenStack-API-Version': 'compute 2.35' })).status, 200)
    await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)
  })
})

describe('server security groups', () => {
  test('a group is added to and removed from every port of a server', async () => {
    const g = await createGroup('app')
    const s = await bootServer(c, c.demo)
    const listed = await c.demo.get(`/v2.1/servers/${s.id}/os-security-groups`)
    assert.equal(listed.status, 200, JSON.stringify(listed.body))
    assert.deepEqual(listed.body.security_groups.map((x: any) => x.name), ['default'])
    assert.deepEqual(Object.keys(listed.body.security_groups[0]).sort(), GROUP_KEYS)

    const add = await c.demo.post(`/v2.1/servers/${s.id}/action`, { addSecurityGroup: { name: 'app' } })
    assert.equal(add.status, 202, JSON.stringify(add.body))
    const [port] = await portsOf(s.id)
    assert.ok(port.security_groups.includes(g.id), JSON.stringify(port.security_groups))
    assert.deepEqual((await c.demo.get(`/v2.1/servers/${s.id}/os-security-groups`)).body.security_groups.map((x: any) => x.name), ['app', 'default'])
    const shown = await waitForStatus(c.demo, s.id, 'ACTIVE')
    assert.deepEqual(shown.security_groups.map((x: any) => x.name).sort(), ['app', 'default'])

    novaError(await c.demo.post(`/v2.1/servers/${s.id}/action`, { addSecurityGroup: { name: 'app' } }), 400, 'badRequest')
    novaError(await c.demo.delete(`/v2.1/os-security-groups/${g.id}`), 400, 'badRequest')

    const remove = await c.demo.post(`/v2.1/servers/${s.id}/action`, { removeSecurityGroup: { name: g.id } })
    assert.equal(remove.status, 202, JSON.stringify(remove.body))
    assert.ok(!(await portsOf(s.id))[0].security_groups.includes(g.id))
    assert.deepEqual((await waitForStatus(c.demo, s.id, 'ACTIVE')).security_groups.map((x: any) => x.name), ['default'])
    novaError(await c.demo.post(`/v2.1/servers/${s.id}/action`, { removeSecurityGroup: { name: 'app' } }), 404, 'itemNotFound',
      `Security group app not associated with the instance ${s.id}`)
    assert.equal((await c.demo.get(`/v2.1/servers/${s.id}/os-security-groups`, v236)).status, 200, 'not a proxy API')

    assert.equal((await c.demo.post(`/v2.1/servers/${s.id}/action`, { removeSecurityGroup: { name: 'default' } })).status, 202)
    assert.deepEqual((await portsOf(s.id))[0].security_groups, [])
    assert.ok(!('security_groups' in await waitForStatus(c.demo, s.id, 'ACTIVE')), 'Nova shows no key for a server without groups')
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await waitForStatus(c.demo, s.id, 'DELETED')
    assert.equal((await c.demo.delete(`/v2.1/os-security-groups/${g.id}`)).status, 202)
  })

  test('unknown groups, bad bodies, servers without ports and other projects are refused and change no port', async () => {
    const s = await bootServer(c, c.demo)
    const before = (await portsOf(s.id))[0].security_groups
    const act = (body: unknown, client = c.demo) => client.post(`/v2.1/servers/${s.id}/action`, body)
    novaError(await act({ addSecurityGroup: { name: 'nosuch' } }), 404, 'itemNotFound', /Security group nosuch is not found for project/)
    novaError(await act({ removeSecurityGroup: { name: 'nosuch' } }), 404, 'itemNotFound')
    novaError(await act({ addSecurityGroup: {} }), 400, 'badRequest', 'Security group not specified')
    novaError(await act({ addSecurityGroup: { name: ' ' } }), 400, 'badRequest', 'Security group name cannot be empty')
    novaError(await act({ addSecurityGroup: 'app' }), 400, 'badRequest', 'Missing parameter dict')
    const other = c.cloud.service('compute', await otherProjectMember(c.cloud, 'sg-server-other'))
    novaError(await act({ addSecurityGroup: { name: 'default' } }, other), 404, 'itemNotFound')
    novaError(await other.get(`/v2.1/servers/${s.id}/os-security-groups`), 404, 'itemNotFound')
    assert.deepEqual((await portsOf(s.id))[0].security_groups, before)

    const v237 = { 'OpenStack-API-Version': 'compute 2.37' }
    const bare = await c.demo.post('/v2.1/servers', { server: { name: 'bare', imageRef: c.imageId, flavorRef: '42', networks: 'none' } }, v237)
    assert.equal(bare.status, 202, JSON.stringify(bare.body))
    await waitForStatus(c.demo, bare.body.server.id, 'ACTIVE')
    novaError(await c.demo.post(`/v2.1/servers/${bare.body.server.id}/action`, { addSecurityGroup: { name: 'default' } }), 404, 'itemNotFound',
      `instance_id ${bare.body.server.id} could not be found as device id on any ports`)
    assert.deepEqual((await c.demo.get(`/v2.1/servers/${bare.body.server.id}/os-security-groups`)).body, { security_groups: [] })
    await c.demo.delete(`/v2.1/servers/${s.id}`)
    await c.demo.delete(`/v2.1/servers/${bare.body.server.id}`)
  })
})
