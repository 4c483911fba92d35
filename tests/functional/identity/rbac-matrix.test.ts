/**
 * Role-based access per route, as Keystone's default policies decide: a system admin and a
 * project admin manage everything, a member or reader sees only itself and its project, and
 * nobody without a token gets anything but 401. Each row is one route; a refused write must
 * leave nothing behind.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestCloud, type TestCloud } from '../../support/cloud.ts'
import { ApiClient } from '../../support/client.ts'

type Persona = 'systemAdmin' | 'projectAdmin' | 'member' | 'reader' | 'anonymous'
type Ids = { memberId: string; readerId: string; adminId: string; demoProject: string; adminProject: string; roleId: string }
type Row = {
  name: string
  method: string
  path: (ids: Ids) => string
  body?: (who: Persona) => unknown
  /** Personas allowed; every other (authenticated) persona must get 403, anonymous 401. */
  allow: Persona[]
  /** For refused creates: a GET that must then find nothing of the refused write. */
  leftBehind?: (ids: Ids, who: Persona) => string
}

const everyone: Persona[] = ['systemAdmin', 'projectAdmin', 'member', 'reader']
const admins: Persona[] = ['systemAdmin', 'projectAdmin']

const rows: Row[] = [
  { name: 'list users', method: 'GET', path: () => '/v3/users', allow: admins },
  { name: 'create user', method: 'POST', path: () => '/v3/users', allow: admins,
    body: (who) => ({ user: { name: `u-${who}`, domain_id: 'default' } }), leftBehind: (_i, who) => `/v3/users?name=u-${who}` },
  { name: 'show own user', method: 'GET', path: (i) => `/v3/users/${i.memberId}`, allow: [...admins, 'member'] },
  { name: 'show another user', method: 'GET', path: (i) => `/v3/users/${i.adminId}`, allow: admins },
  { name: 'list projects', method: 'GET', path: () => '/v3/projects', allow: admins },
  { name: 'show own project', method: 'GET', path: (i) => `/v3/projects/${i.demoProject}`, allow: everyone },
  { name: 'show another project', method: 'GET', path: (i) => `/v3/projects/${i.adminProject}`, allow: admins },
  { name: 'create project', method: 'POST', path: () => '/v3/projects', allow: admins,
    body: (who) => ({ project: { name: `p-${who}`, domain_id: 'default' } }), leftBehind: (_i, who) => `/v3/projects?name=p-${who}` },
  { name: 'show own domain', method: 'GET', path: () => '/v3/domains/default', allow: everyone },
  { name: 'list domains', method: 'GET', path: () => '/v3/domains', allow: admins },
  { name: 'create domain', method: 'POST', path: () => '/v3/domains', allow: ['systemAdmin', 'projectAdmin'],
    body: (who) => ({ domain: { name: `d-${who}` } }), leftBehind: (_i, who) => `/v3/domains?name=d-${who}` },
  { name: 'list roles', method: 'GET', path: () => '/v3/roles', allow: admins },
  { name: 'create role', method: 'POST', path: () => '/v3/roles', allow: admins,
    body: (who) => ({ role: { name: `r-${who}` } }), leftBehind: (_i, who) => `/v3/roles?name=r-${who}` },
  { name: 'grant a role on a project', method: 'PUT', path: (i) => `/v3/projects/${i.demoProject}/users/${i.readerId}/roles/${i.roleId}`, allow: admins },
  { name: 'list role assignments', method: 'GET', path: () => '/v3/role_assignments', allow: admins },
  { name: 'list groups', method: 'GET', path: () => '/v3/groups', allow: admins },
  { name: 'list regions', method: 'GET', path: () => '/v3/regions', allow: everyone },
  { name: 'create region', method: 'POST', path: () => '/v3/regions', allow: admins,
    body: (who) => ({ region: { id: `region-${who}` } }) },
  { name: 'list services', method: 'GET', path: () => '/v3/services', allow: admins },
  { name: 'list endpoints', method: 'GET', path: () => '/v3/endpoints', allow: admins },
  { name: 'list own application credentials', method: 'GET', path: (i) => `/v3/users/${i.memberId}/application_credentials`, allow: [...admins, 'member'] },
  { name: 'list own credentials', method: 'GET', path: () => '/v3/credentials', allow: everyone },
  { name: 'catalog of the token', method: 'GET', path: () => '/v3/auth/catalog', allow: everyone },
  { name: 'projects of the token', method: 'GET', path: () => '/v3/auth/projects', allow: everyone },
]

describe('role-based access per route (Keystone defaults)', () => {
  let cloud: TestCloud
  let ids: Ids
  const clients = {} as Record<Persona, ApiClient>

  before(async () => {
    cloud = await startTestCloud()
    const projectAdmin = await cloud.admin()
    const member = await cloud.demo()
    const roles = (await projectAdmin.get('/v3/roles')).body.roles as Array<{ id: string; name: string }>
    const readerRole = roles.find((r) => r.name === 'reader')!
    const reader = await projectAdmin.post('/v3/users', { user: { name: 'reader', password: 'reader-secret', domain_id: 'default' } })
    const demoProject = member.tokenBody.token.project.id
    const granted = await projectAdmin.put(`/v3/projects/${demoProject}/users/${reader.body.user.id}/roles/${readerRole.id}`)
    assert.equal(granted.status, 204)
    ids = {
      memberId: member.tokenBody.token.user.id, readerId: reader.body.user.id, adminId: projectAdmin.tokenBody.token.user.id,
      demoProject, adminProject: projectAdmin.tokenBody.token.project.id, roleId: readerRole.id,
    }
    clients.projectAdmin = projectAdmin
    clients.member = member
    clients.reader = await ApiClient.login(cloud.identityUrl, { user: 'reader', password: 'reader-secret', project: 'demo' })
    clients.systemAdmin = await ApiClient.login(cloud.identityUrl, { user: 'admin', password: cloud.adminPassword, system: true })
    clients.anonymous = cloud.anonymous()
  })
  after(() => cloud.stop())

  for (const row of rows) {
    test(`${row.method} ${row.name}`, async () => {
      for (const who of ['member', 'reader', 'anonymous', 'projectAdmin', 'systemAdmin'] as Persona[]) {
        const res = await clients[who].request(row.method, row.path(ids), row.body?.(who))
        const expected = who === 'anonymous' ? 401 : row.allow.includes(who) ? 'ok' : 403
        if (expected === 'ok') {
          assert.ok(res.status >= 200 && res.status < 300, `${who}: expected success, got ${res.status} ${JSON.stringify(res.body)}`)
        } else {
          assert.equal(res.status, expected, `${who}: ${JSON.stringify(res.body)}`)
          assert.equal(res.body.error.code, expected)
          if (row.leftBehind) {
            const check = await clients.systemAdmin.get(row.leftBehind(ids, who))
            const [list] = Object.values(check.body).filter(Array.isArray) as unknown[][]
            assert.deepEqual(list, [], `${who}: a refused write left something behind`)
          }
        }
      }
    })
  }
})
