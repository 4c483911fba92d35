/**
 * @module What os-services, os-hypervisors and os-availability-zone share: whether a service is
 * up (a heartbeat within service_down_time and not forced down, Nova's DB servicegroup driver)
 * and the availability zone of each host (its aggregates' `availability_zone`, else the
 * default zone for compute hosts and `internal` for every other service).
 */
import type { Kysely } from 'kysely'
import { parseUtc } from '../../common/db/columns.ts'
import type { ComputeConfig } from '../config.ts'
import type { ComputeDb, ServiceRow } from '../db/schema.ts'

export const INTERNAL_ZONE = 'internal'

/** Services the API lists (Nova hides its API services, which Nubis does not record). */
export type Service = Omit<ServiceRow, 'id'> & { id: number }

export const isComputeService = (s: Pick<ServiceRow, 'binary' | 'topic'>) => s.topic === 'compute' || s.binary === 'nova-compute'

export function serviceIsUp(s: Pick<ServiceRow, 'forced_down' | 'last_seen_up' | 'updated_at'>, config: ComputeConfig, now = Date.now()): boolean {
  if (Number(s.forced_down)) return false
  const last = s.last_seen_up ?? s.updated_at
  if (!last) return false
  return now - parseUtc(last) <= config.serviceDownTimeSec * 1000
}

/** The last heartbeat as Nova shows it (2026-01-02T03:04:05.000000), or null. */
export function serviceUpdatedAt(s: Pick<ServiceRow, 'last_seen_up' | 'updated_at'>): string | null {
  const t = s.last_seen_up ?? s.updated_at
  return t ? new Date(parseUtc(t)).toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null
}

export async function listServices(db: Kysely<ComputeDb>): Promise<Service[]> {
  const rows = await db.selectFrom('compute_services').selectAll().orderBy('id').execute()
  return rows.map((r) => ({ ...r, id: Number(r.id) }))
}

/** Zones of each host from aggregate metadata; a host in several zoned aggregates has them joined by commas. */
export async function aggregateZonesByHost(db: Kysely<ComputeDb>): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('host_aggregate_hosts')
    .innerJoin('host_aggregate_metadata', 'host_aggregate_metadata.aggregate_id', 'host_aggregate_hosts.aggregate_id')
    .select(['host_aggregate_hosts.host as host', 'host_aggregate_metadata.value as zone'])
    .where('host_aggregate_metadata.key', '=', 'availability_zone')
    .orderBy('host_aggregate_hosts.aggregate_id').execute()
  const out = new Map<string, string[]>()
  for (const r of rows) {
    const zones = out.get(r.host) ?? []
    if (!zones.includes(r.zone)) zones.push(r.zone)
    out.set(r.host, zones)
  }
  return out
}

/** The zone of one service, as Nova's set_availability_zones gives it. */
export function zoneOfService(s: Pick<ServiceRow, 'binary' | 'topic' | 'host'>, zones: Map<string, string[]>, config: ComputeConfig): string {
  if (!isComputeService(s)) return INTERNAL_ZONE
  return zones.get(s.host)?.join(',') || config.defaultAvailabilityZone
}
