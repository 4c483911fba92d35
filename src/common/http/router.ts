import type { Route } from './types.ts'

type Node = {
  literal: Map<string, Node>
  param?: { name: string; node: Node }
  routes: Map<string, Route>
}

const newNode = (): Node => ({ literal: new Map(), routes: new Map() })

export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' }

/** A segment trie: `/v3/users/:user_id` matches literal segments first, then a parameter. */
export class Router {
  #root = newNode()

  constructor(routes: Route[]) {
    for (const r of routes) this.add(r)
  }

  add(r: Route): void {
    let node = this.#root
    for (const seg of split(r.pattern)) {
      if (seg.startsWith(':')) {
        const name = seg.slice(1)
        if (node.param && node.param.name !== name) {
          throw new Error(`route ${r.pattern}: parameter :${name} conflicts with :${node.param.name}`)
        }
        node.param ??= { name, node: newNode() }
        node = node.param.node
      } else {
        let next = node.literal.get(seg)
        if (!next) node.literal.set(seg, (next = newNode()))
        node = next
      }
    }
    if (node.routes.has(r.method)) throw new Error(`duplicate route ${r.method} ${r.pattern}`)
    node.routes.set(r.method, r)
  }

  match(method: string, path: string): Match {
    const params: Record<string, string> = {}
    const node = walk(this.#root, split(path), 0, params)
    if (!node || node.routes.size === 0) return { kind: 'not-found' }
    const found = node.routes.get(method) ?? (method === 'HEAD' ? node.routes.get('GET') : undefined)
    if (found) return { kind: 'found', route: found, params }
    return { kind: 'method-not-allowed', allowed: [...node.routes.keys()] }
  }
}

function walk(node: Node, segs: string[], i: number, params: Record<string, string>): Node | undefined {
  if (i === segs.length) return node
  const lit = node.literal.get(segs[i])
  if (lit) {
    const found = walk(lit, segs, i + 1, params)
    if (found && found.routes.size > 0) return found
  }
  if (node.param && segs[i] !== '') {
    const found = walk(node.param.node, segs, i + 1, params)
    if (found) {
      params[node.param.name] = safeDecode(segs[i])
      return found
    }
  }
  return undefined
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

function split(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '')
  return trimmed === '' ? [] : trimmed.split('/')
}
