import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { TreeInventory, TreeProvider } from '../db/candidates.ts'
import { searchCandidates, type SearchGroup, type SearchInput } from './candidate-search.ts'

const VCPU = 0
const VF = 4
const provider = (id: number, rootId: number, parentId: number | null = null): TreeProvider => ({ id, uuid: `rp-${id}`, parentId, rootId })
const inventory = (providerId: number, rc: number, total: number, used = 0): TreeInventory =>
  ({ providerId, rc, total, reserved: 0, ratio: 1, used, min: 1, max: total, step: 1 })

function input(groups: SearchGroup[], opts: Partial<SearchInput> = {}): SearchInput {
  // Tree 1: root 1 (VCPU) with children 2 and 3 (2 VFs each); tree 4: a lone host with VCPU.
  const providers = [provider(1, 1), provider(2, 1, 1), provider(3, 1, 1), provider(4, 4)]
  const inventories = [inventory(1, VCPU, 8), inventory(2, VF, 2), inventory(3, VF, 2), inventory(4, VCPU, 8)]
  return {
    groups, isolate: false, providers: new Map(providers.map((p) => [p.id, p])),
    inventories: new Map(inventories.map((i) => [`${i.providerId}:${i.rc}`, i])),
    traits: new Map([[2, new Set([100])], [1, new Set([200])]]), rootRequired: [], rootForbidden: [], max: -1, ...opts,
  }
}

const group = (suffix: string, resources: Array<[number, number]>, fits: Record<number, number[]>, traits: Partial<SearchGroup> = {}): SearchGroup => ({
  suffix, resources: new Map(resources), fits: new Map(Object.entries(fits).map(([rc, l]) => [Number(rc), new Set(l)])),
  requiredTraits: [], forbiddenTraits: [], ...traits,
})

test('the unnamed group spreads over a tree; each tree that can serve every class is a candidate', () => {
  const got = searchCandidates(input([group('', [[VCPU, 1], [VF, 1]], { [VCPU]: [1, 4], [VF]: [2, 3] })]))
  assert.deepEqual(got.map((c) => [c.rootId, [...c.picks[0]]]), [[1, [[VCPU, 1], [VF, 2]]], [1, [[VCPU, 1], [VF, 3]]]])
})

test('unnamed-group traits are judged on the providers used', () => {
  const got = searchCandidates(input([group('', [[VCPU, 1], [VF, 1]], { [VCPU]: [1], [VF]: [2, 3] }, { requiredTraits: [[100]] })]))
  assert.deepEqual(got.map((c) => c.picks[0].get(VF)), [2])
  const forbidden = searchCandidates(input([group('', [[VCPU, 1], [VF, 1]], { [VCPU]: [1], [VF]: [2, 3] }, { forbiddenTraits: [100] })]))
  assert.deepEqual(forbidden.map((c) => c.picks[0].get(VF)), [3])
})

test('granular groups: isolate keeps them apart, none lets them share when the sum fits', () => {
  const groups = [group('1', [[VF, 1]], { [VF]: [2, 3] }), group('2', [[VF, 1]], { [VF]: [2, 3] })]
  assert.equal(searchCandidates(input(groups, { isolate: true })).length, 2)
  assert.equal(searchCandidates(input(groups)).length, 4)
  const big = [group('1', [[VF, 2]], { [VF]: [2, 3] }), group('2', [[VF, 1]], { [VF]: [2, 3] })]
  const shared = searchCandidates(input(big))
  assert.ok(shared.every((c) => c.picks[0].get(VF) !== c.picks[1].get(VF)), 'three VFs never fit on a two-VF provider')
})

test('root traits, and the cap on how many are generated', () => {
  const g = [group('', [[VCPU, 1]], { [VCPU]: [1, 4] })]
  assert.deepEqual(searchCandidates(input(g, { rootRequired: [200] })).map((c) => c.rootId), [1])
  assert.deepEqual(searchCandidates(input(g, { rootForbidden: [200] })).map((c) => c.rootId), [4])
  assert.equal(searchCandidates(input(g, { max: 1 })).length, 1)
})

test('breadth-first takes one candidate of each tree in turn', () => {
  const g = [group('', [[VCPU, 1], [VF, 1]], { [VCPU]: [1, 4], [VF]: [2, 3, 5] })]
  const base = input(g)
  base.providers.set(5, provider(5, 4, 4))
  base.inventories.set(`5:${VF}`, inventory(5, VF, 2))
  assert.deepEqual(searchCandidates(base).map((c) => c.rootId), [1, 1, 4])
  assert.deepEqual(searchCandidates({ ...base, breadthFirst: true }).map((c) => c.rootId), [1, 4, 1])
  assert.deepEqual(searchCandidates({ ...base, breadthFirst: true, max: 2 }).map((c) => c.rootId), [1, 4])
})

test('a tree of one provider: each group on it, traits, isolate and the sum of the groups judged as for any tree', () => {
  const lone = (groups: SearchGroup[], opts: Partial<SearchInput> = {}) => searchCandidates(input(groups, opts)).filter((c) => c.rootId === 4)
  assert.deepEqual(lone([group('', [[VCPU, 1]], { [VCPU]: [1, 4] })]).map((c) => [...c.picks[0]]), [[[VCPU, 4]]])
  assert.equal(lone([group('', [[VCPU, 1]], { [VCPU]: [1, 4] }, { requiredTraits: [[999]] })]).length, 0, 'a required trait the host lacks')
  assert.equal(lone([group('', [[VCPU, 1]], { [VCPU]: [1] })]).length, 0, 'no room for the class on the host')
  const halves = [group('1', [[VCPU, 4]], { [VCPU]: [1, 4] }), group('2', [[VCPU, 4]], { [VCPU]: [1, 4] })]
  assert.equal(lone(halves).length, 1, 'two granular groups share the host when their sum fits')
  assert.equal(lone(halves, { isolate: true }).length, 0, 'isolate needs a provider per granular group')
  const tooMuch = [group('1', [[VCPU, 5]], { [VCPU]: [1, 4] }), group('2', [[VCPU, 4]], { [VCPU]: [1, 4] })]
  assert.equal(lone(tooMuch).length, 0, '5 + 4 VCPUs do not fit on an 8-VCPU host')
  const mixed = lone([group('', [[VCPU, 1]], { [VCPU]: [1, 4] }), group('1', [[VCPU, 2]], { [VCPU]: [1, 4] })], { isolate: true })
  assert.deepEqual(mixed.map((c) => c.picks.map((p) => [...p])), [[[[VCPU, 4]], [[VCPU, 4]]]], 'the unnamed group may share with an isolated one')
})
