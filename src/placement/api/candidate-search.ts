/**
 * @module Allocation candidates from the providers with room (pure; the SQL reads are
 * db/candidates.ts). Per tree: the unnamed group may spread its classes over several providers of
 * the tree (its traits are judged on the providers it uses); a granular group takes all of its
 * classes from one provider; `isolate` keeps granular groups on different providers; amounts
 * that land on the same inventory must fit together.
 */
import type { TreeInventory, TreeProvider } from '../db/candidates.ts'

export type SearchGroup = {
  suffix: string
  /** class id → amount */
  resources: Map<number, number>
  /** class id → providers (ids) that alone have room and meet the group's SQL-side conditions. */
  fits: Map<number, Set<number>>
  /** Unnamed group only: checked on the union of the providers it uses. */
  requiredTraits: number[][]
  forbiddenTraits: number[]
}

export type SearchInput = {
  groups: SearchGroup[]
  isolate: boolean
  providers: Map<number, TreeProvider>
  inventories: Map<string, TreeInventory>
  traits: Map<number, Set<number>>
  /** Trait conditions on each tree's root (1.35 root_required). */
  rootRequired: number[]
  rootForbidden: number[]
  /** Stop after this many requests (placement's max_allocation_candidates); -1: no cap. */
  max: number
  /** Round-robin over trees (one candidate of each tree in turn) instead of all of one tree first. */
  breadthFirst?: boolean
}

/** One candidate: for each group, class id → provider id. */
export type Candidate = { rootId: number; picks: Array<Map<number, number>> }

const invKey = (rp: number, rc: number) => `${rp}:${rc}`
/** Class ids and root ids are below 2^26, so one number keys both. */
const rcRootKey = (rc: number, root: number) => rc * 67108864 + root

function fitsTogether(input: SearchInput, picks: Array<Map<number, number>>): boolean {
  const sums = new Map<string, number>()
  for (const [g, pick] of picks.entries()) {
    for (const [rc, rp] of pick) {
      const k = invKey(rp, rc)
      sums.set(k, (sums.get(k) ?? 0) + input.groups[g].resources.get(rc)!)
    }
  }
  for (const [k, amount] of sums) {
    const inv = input.inventories.get(k)
    if (!inv) return false
    if (inv.used + amount > (inv.total - inv.reserved) * inv.ratio) return false
  }
  return true
}

function traitsHold(input: SearchInput, providers: Iterable<number>, required: number[][], forbidden: number[]): boolean {
  if (!required.length && !forbidden.length) return true
  const have = new Set<number>()
  for (const p of providers) for (const t of input.traits.get(p) ?? []) have.add(t)
  if (forbidden.some((t) => have.has(t))) return false
  return required.every((any) => any.some((t) => have.has(t)))
}

/** Every way the groups can be satisfied within one tree. */
function* treeCandidates(input: SearchInput, rootId: number, byRoot: Array<Map<number, number[]>>): Generator<Candidate> {
  const options: Array<Array<Map<number, number>>> = []
  for (const [gi, g] of input.groups.entries()) {
    const classes = [...g.resources.keys()]
    const perClass = classes.map((rc) => byRoot[gi].get(rcRootKey(rc, rootId)) ?? [])
    if (perClass.some((l) => !l.length)) return
    const groupOptions: Array<Map<number, number>> = []
    if (g.suffix === '') {
      // Each class from any provider of the tree: the product of the choices.
      const walk = (i: number, acc: Map<number, number>) => {
        if (i === classes.length) {
          if (traitsHold(input, acc.values(), g.requiredTraits, g.forbiddenTraits)) groupOptions.push(new Map(acc))
          return
        }
        for (const p of perClass[i]) {
          acc.set(classes[i], p)
          walk(i + 1, acc)
        }
        acc.delete(classes[i])
      }
      walk(0, new Map())
    } else {
      let common = perClass[0]
      for (const l of perClass.slice(1)) common = common.filter((p) => l.includes(p))
      for (const p of common) groupOptions.push(new Map(classes.map((rc) => [rc, p])))
    }
    if (!groupOptions.length) return
    options.push(groupOptions)
  }
  const picks: Array<Map<number, number>> = []
  function* combine(i: number): Generator<Candidate> {
    if (i === options.length) {
      // One group never puts two amounts on one inventory, and each amount alone was checked already.
      if (options.length === 1 || fitsTogether(input, picks)) yield { rootId, picks: [...picks] }
      return
    }
    for (const o of options[i]) {
      if (input.isolate && input.groups[i].suffix !== '') {
        const p = o.values().next().value!
        const clash = picks.some((q, j) => input.groups[j].suffix !== '' && [...q.values()].includes(p))
        if (clash) continue
      }
      picks.push(o)
      yield* combine(i + 1)
      picks.pop()
    }
  }
  yield* combine(0)
}

/** Candidates in tree order (roots by id), up to `input.max`. */
export function searchCandidates(input: SearchInput): Candidate[] {
  const trees = new Map<number, Set<number>>()
  for (const p of input.providers.values()) {
    let set = trees.get(p.rootId)
    if (!set) trees.set(p.rootId, set = new Set())
    set.add(p.id)
  }
  // Per group: (class, root) → the fitting providers of that tree, in id order.
  const byRoot = input.groups.map((g) => {
    const m = new Map<number, number[]>()
    for (const [rc, fits] of g.fits) {
      for (const p of fits) {
        const rootOf = input.providers.get(p)?.rootId
        if (rootOf === undefined) continue
        const k = rcRootKey(rc, rootOf)
        const l = m.get(k)
        if (l) l.push(p)
        else m.set(k, [p])
      }
    }
    for (const l of m.values()) l.sort((a, b) => a - b)
    return m
  })
  const perTree: Candidate[][] = []
  let total = 0
  for (const rootId of [...trees.keys()].sort((a, b) => a - b)) {
    if (input.rootRequired.length || input.rootForbidden.length) {
      const rootTraits = input.traits.get(rootId) ?? new Set()
      if (!input.rootRequired.every((t) => rootTraits.has(t)) || input.rootForbidden.some((t) => rootTraits.has(t))) continue
    }
    const mine: Candidate[] = []
    for (const c of treeCandidates(input, rootId, byRoot)) {
      mine.push(c)
      total++
      // Depth-first stops at the cap; breadth-first caps each tree, so later trees still get their turn.
      if (input.max >= 0 && (input.breadthFirst ? mine.length : total) >= input.max) break
    }
    if (mine.length) perTree.push(mine)
    if (!input.breadthFirst && input.max >= 0 && total >= input.max) break
  }
  const out: Candidate[] = []
  if (!input.breadthFirst) for (const l of perTree) out.push(...l)
  else for (let i = 0; perTree.some((l) => i < l.length); i++) for (const l of perTree) if (i < l.length) out.push(l[i])
  return input.max >= 0 ? out.slice(0, input.max) : out
}
