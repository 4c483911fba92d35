import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createEnforcer, type PolicyCredentials } from '../common/policy/policy-enforcer.ts'
import { computePolicies } from './policies.ts'

const here = dirname(fileURLToPath(import.meta.url))

/** Every policy name written out in an `authorize(deps, req, ...)` call of compute's code. */
function namesAuthorized(): Set<string> {
  const names = new Set<string>()
  for (const file of readdirSync(here, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue
    const text = readFileSync(join(here, file), 'utf8')
    for (const call of text.matchAll(/authorize\(deps, req, ([^\n]*)/g)) {
      // The first argument only: a literal, or a ternary of literals.
      const first = call[1].split(/, \{|\)/)[0]
      for (const m of first.matchAll(/'([\w-]+(?::[\w-]+)+)'/g)) names.add(m[1])
    }
  }
  return names
}

describe('compute policies', () => {
  it('defines every policy the API authorizes (a name with no rule denies everyone, admins too)', () => {
    const used = namesAuthorized()
    assert.ok(used.size > 80, `found only ${used.size} names: the scan no longer matches the code`)
    const missing = [...used].filter((n) => !(`os_compute_api:${n}` in computePolicies))
    assert.deepEqual(missing, [])
  })

  it('lets a project member force-delete and restore their own servers, as Nova does, and no one else', () => {
    const enforcer = createEnforcer(computePolicies)
    const member: PolicyCredentials = { userId: 'u', projectId: 'p1', roles: ['member', 'reader'] }
    const reader: PolicyCredentials = { userId: 'r', projectId: 'p1', roles: ['reader'] }
    for (const action of ['os_compute_api:os-deferred-delete:force', 'os_compute_api:os-deferred-delete:restore']) {
      assert.equal(enforcer.authorize(action, { project_id: 'p1' }, member), true, action)
      assert.equal(enforcer.authorize(action, { project_id: 'p2' }, member), false, action)
      assert.equal(enforcer.authorize(action, { project_id: 'p1' }, reader), false, action)
    }
  })
})
