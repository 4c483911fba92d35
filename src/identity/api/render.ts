/** Rows → Keystone's JSON shapes, in one place so every route returns the same fields. */
import { fromDbBool, fromDbJson } from '../../common/db/columns.ts'
import type { DomainRow, EndpointRow, GroupRow, ProjectRow, RegionRow, RoleRow, ServiceRow, UserRow } from '../db/schema.ts'
import { links, type IdentityRequest } from './context.ts'

export function renderDomain(req: IdentityRequest, d: DomainRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(d.extra, {}),
    id: d.id, name: d.name, description: d.description, enabled: fromDbBool(d.enabled), tags: [], options: {},
    links: links(req, `domains/${d.id}`),
  }
}

export function renderProject(req: IdentityRequest, p: ProjectRow, tags: string[]): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(p.extra, {}),
    id: p.id, name: p.name, domain_id: p.domain_id, description: p.description, enabled: fromDbBool(p.enabled),
    parent_id: p.parent_id ?? p.domain_id, is_domain: false, tags, options: {},
    links: links(req, `projects/${p.id}`),
  }
}

export function renderUser(req: IdentityRequest, u: UserRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...fromDbJson<Record<string, unknown>>(u.extra, {}),
    id: u.id, name: u.name, domain_id: u.domain_id, enabled: fromDbBool(u.enabled),
    password_expires_at: u.password_expires_at ? keystoneTime(u.password_expires_at) : null,
    options: {}, links: links(req, `users/${u.id}`),
  }
  if (u.default_project_id) out.default_project_id = u.default_project_id
  if (u.description) out.description = u.description
  return out
}

export function renderGroup(req: IdentityRequest, g: GroupRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(g.extra, {}),
    id: g.id, name: g.name, domain_id: g.domain_id, description: g.description, links: links(req, `groups/${g.id}`),
  }
}

export function renderRole(req: IdentityRequest, r: RoleRow): Record<string, unknown> {
  return {
    id: r.id, name: r.name, domain_id: r.domain_id || null, description: r.description || null,
    options: fromDbJson<Record<string, unknown>>(r.options, {}), links: links(req, `roles/${r.id}`),
  }
}

/** Keystone's time format: ISO-8601 with microseconds and Z. */
export function keystoneTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

export function renderRegion(req: IdentityRequest, r: RegionRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(r.extra, {}),
    id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: links(req, `regions/${r.id}`),
  }
}

export function renderService(req: IdentityRequest, s: ServiceRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(s.extra, {}),
    id: s.id, type: s.type, name: s.name, ...(s.description ? { description: s.description } : {}),
    enabled: fromDbBool(s.enabled), links: links(req, `services/${s.id}`),
  }
}

/** Keystone still answers the pre-3.2 `region` beside `region_id`. */
export function renderEndpoint(req: IdentityRequest, e: EndpointRow): Record<string, unknown> {
  return {
    ...fromDbJson<Record<string, unknown>>(e.extra, {}),
    id: e.id, interface: e.interface, region_id: e.region_id, region: e.region_id, service_id: e.service_id, url: e.url,
    enabled: fromDbBool(e.enabled), links: links(req, `endpoints/${e.id}`),
  }
}
