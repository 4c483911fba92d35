/** The service catalog as tokens carry it, cached until a service or endpoint changes. */
import type { Kysely } from 'kysely'
import { fromDbBool } from '../../common/db/columns.ts'
import type { IdentityDb } from '../db/schema.ts'

export type CatalogEntry = {
  endpoints: Array<{ id: string; interface: string; region: string | null; region_id: string | null; url: string }>
  id: string
  type: string
  name: string
}

export class Catalog {
  #db: Kysely<IdentityDb>
  #cached: Promise<{ entries: CatalogEntry[]; perProject: boolean }> | undefined

  constructor(db: Kysely<IdentityDb>) {
    this.#db = db
  }

  invalidate(): void {
    this.#cached = undefined
  }

  /** Enabled services with their enabled endpoints; `$(project_id)s` in URLs is filled per token. */
  async forProject(projectId: string | undefined): Promise<CatalogEntry[]> {
    const { entries, perProject } = await (this.#cached ??= this.#load())
    if (!perProject) return entries
    return entries.map((e) => ({
      ...e,
      endpoints: e.endpoints
        .map((ep) => ({ ...ep, url: substitute(ep.url, projectId) }))
        .filter((ep): ep is typeof ep & { url: string } => ep.url !== undefined),
    })) as CatalogEntry[]
  }

  async #load(): Promise<{ entries: CatalogEntry[]; perProject: boolean }> {
    const services = await this.#db.selectFrom('services').selectAll().execute()
    const endpoints = await this.#db.selectFrom('endpoints').selectAll().execute()
    const entries = services
      .filter((s) => fromDbBool(s.enabled))
      .map((s) => ({
        endpoints: endpoints
          .filter((e) => e.service_id === s.id && fromDbBool(e.enabled))
          .map((e) => ({ id: e.id, interface: e.interface, region: e.region_id, region_id: e.region_id, url: e.url })),
        id: s.id,
        type: s.type,
        name: s.name,
      }))
    // Whether any URL needs the token's project id filled in; decided once per load, not per token.
    return { entries, perProject: entries.some((e) => e.endpoints.some((ep) => ep.url.includes('$('))) }
  }
}

// Keystone drops endpoints whose URL needs a project id when the token has none.
function substitute(url: string, projectId: string | undefined): string | undefined {
  if (!url.includes('$(')) return url
  if (!projectId) return undefined
  return url.replaceAll('$(project_id)s', projectId).replaceAll('$(tenant_id)s', projectId)
}
