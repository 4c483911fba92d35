import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'

let cloud: TestCloud
before(async () => { cloud = await startTestCloud({ services: ['network'] }) })
after(() => cloud.stop())

test('GET / lists v2.0 without a token; /v2.0 needs one and lists the core collections', async () => {
  const anon = cloud.service('network')
  const root = await anon.get('/')
  assert.equal(root.status, 200)
  assert.equal(root.body.versions[0].id, 'v2.0')
  assert.equal((await anon.get('/v2.0')).status, 401)
  const demo = cloud.service('network', await cloud.demo())
  const res = await demo.get('/v2.0')
  assert.equal(res.status, 200)
  assert.deepEqual(res.body.resources.map((r: any) => r.collection), ['networks', 'subnets', 'subnetpools', 'ports'])
})

test('a bad token gets a Neutron-shaped 401 and unknown extensions a NeutronError 404', async () => {
  const bad = cloud.service('network').withToken('not-a-token')
  assert.equal((await bad.get('/v2.0/extensions')).status, 401)
  const demo = cloud.service('network', await cloud.demo())
  const res = await demo.get('/v2.0/extensions/nope')
  assert.equal(res.status, 404)
  assert.equal(res.body.NeutronError.type, 'ExtensionNotFound')
})
