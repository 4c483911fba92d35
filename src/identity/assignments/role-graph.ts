/**
 * @module Roles and implied roles, held in memory: every token validation needs role names and
 * the implication closure, which change rarely. Writers call invalidate().
 */
import type { Kysely } from 'kysely'
import type { IdentityDb, RoleRow } from '../db/schema.ts'

export type RoleRef = { id: string; name: string; domain_id: string | null }

export class RoleGraph {
  #db: Kysely<IdentityDb>
  #loaded: Promise<{ roles: Map<string, RoleRow>; implies: Map<string, string[]> }> | undefined

  constructor(db: Kysely<IdentityDb>) {
    this.#db = db
  }

  invalidate(): void {
    this.#loaded = undefined
  }

  #load() {
    this.#loaded ??= (async () => {
      const roles = new Map((await this.#db.selectFrom('roles').selectAll().execute()).map((r) => [r.id, r]))
      const implies = new Map<string, string[]>()
      for (const r of await this.#db.selectFrom('implied_roles').selectAll().execute()) {
        implies.set(r.prior_role_id, [...(implies.get(r.prior_role_id) ?? []), r.implied_role_id])
      }
      return { roles, implies }
    })()
    return this.#loaded
  }

  /** The roles plus everything they imply, as {id, name}; unknown ids are dropped. */
  async expand(roleIds: Iterable<string>): Promise<RoleRef[]> {
    const { roles, implies } = await this.#load()
    const seen = new Set<string>()
    const stack = [...roleIds]
    while (stack.length) {
      const id = stack.pop()!
      if (seen.has(id) || !roles.has(id)) continue
      seen.add(id)
      // Domain-specific roles are not returned in tokens, but what they imply is.
      stack.push(...(implies.get(id) ?? []))
    }
    return [...seen]
      .map((id) => roles.get(id)!)
      .filter((r) => r.domain_id === '')
      .map((r) => ({ id: r.id, name: r.name, domain_id: null }))
  }

  async byName(name: string): Promise<RoleRow | undefined> {
    const { roles } = await this.#load()
    for (const r of roles.values()) if (r.name === name && r.domain_id === '') return r
    return undefined
  }
}
