/**
 * Availability zones (Neutron's `availability_zone` extension): a zone exists for networks where a
 * DHCP agent reports it and for routers where an L3 agent does; agents that report none are in the
 * configured default zone, which always exists for both. A zone is available while one of its
 * agents is administratively up. Routers and networks validate their availability_zone_hints here.
 */
import type { Kysely, Transaction } from 'kysely'
import type { NetworkDb } from '../../db/schema.ts'
import { NeutronError } from '../../errors.ts'
import type { NetworkDeps } from '../context.ts'

export type AzResource = 'network' | 'router'
export type AvailabilityZone = { name: string; resource: AzResource; state: 'available' | 'unavailable' }

const RESOURCE_OF_AGENT: Record<string, AzResource> = { 'DHCP agent': 'network', 'L3 agent': 'router' }

export async function availabilityZones(deps: NetworkDeps, db: Kysely<NetworkDb> | Transaction<NetworkDb> = deps.db): Promise<AvailabilityZone[]> {
  const fallback = deps.config.defaultAvailabilityZone
  const up = new Map<string, boolean>([[`${fallback}\0network`, true], [`${fallback}\0router`, true]])
  const agents = await db.selectFrom('network_agents').select(['agent_type', 'availability_zone', 'admin_state_up'])
    .where('agent_type', 'in', Object.keys(RESOURCE_OF_AGENT)).execute()
  for (const a of agents) {
    const key = `${a.availability_zone || fallback}\0${RESOURCE_OF_AGENT[a.agent_type]}`
    up.set(key, (up.get(key) ?? false) || Boolean(Number(a.admin_state_up)))
  }
  return [...up].map(([key, isUp]) => {
    const [name, resource] = key.split('\0') as [string, AzResource]
    return { name, resource, state: isUp ? 'available' : 'unavailable' }
  })
}

/** 404 AvailabilityZoneNotFound for the first hint that is no zone of `resource`. */
export async function checkAvailabilityZoneHints(deps: NetworkDeps, db: Kysely<NetworkDb> | Transaction<NetworkDb>, resource: AzResource, hints: string[]): Promise<void> {
  if (!hints.length) return
  const known = new Set((await availabilityZones(deps, db)).filter((z) => z.resource === resource).map((z) => z.name))
  const missing = hints.find((h) => !known.has(h))
  if (missing !== undefined) throw new NeutronError(404, 'AvailabilityZoneNotFound', `AvailabilityZone ${missing} could not be found.`)
}

/** The zones a resource is in: its hints when it has some, else the default zone. */
export const zonesOf = (deps: NetworkDeps, hints: string[]): string[] => hints.length ? [...hints] : [deps.config.defaultAvailabilityZone]
