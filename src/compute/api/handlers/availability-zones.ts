/**
 * /os-availability-zone and /os-availability-zone/detail: the zones of the compute hosts (a host's
 * aggregate zone, else the default zone), available while one enabled service in them is up; the
 * detail, for admins, adds the internal zone of the control services and every host's services.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { authorize, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import {
  INTERNAL_ZONE, aggregateZonesByHost, isComputeService, listServices, serviceIsUp, serviceUpdatedAt, zoneOfService,
} from '../service-state.ts'

type ZoneServices = Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>>

export function availabilityZoneRoutes(deps: ComputeApiDeps): Route[] {
  const zonesOf = async (withInternal: boolean) => {
    const services = await listServices(deps.db)
    const byHost = await aggregateZonesByHost(deps.db)
    const zones = new Map<string, { available: boolean; hosts: ZoneServices }>()
    for (const s of services) {
      if (!withInternal && !isComputeService(s)) continue
      const up = serviceIsUp(s, deps.config)
      const enabled = !Number(s.disabled)
      for (const name of zoneOfService(s, byHost, deps.config).split(',')) {
        const zone = zones.get(name) ?? { available: false, hosts: {} }
        zone.available ||= up && enabled
        const host = (zone.hosts[s.host] ??= {})
        host[s.binary] = { available: up, active: enabled, updated_at: serviceUpdatedAt(s) }
        zones.set(name, zone)
      }
    }
    return zones
  }
  return [
    route('GET', '/os-availability-zone', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-availability-zone:list')
      const zones = await zonesOf(false)
      const info = [...zones].map(([zoneName, z]) => ({ zoneName, zoneState: { available: z.available }, hosts: null }))
      return { status: 200, body: { availabilityZoneInfo: info } }
    }),
    route('GET', '/os-availability-zone/detail', async (req: ComputeRequest) => {
      authorize(deps, req, 'os-availability-zone:detail')
      const zones = await zonesOf(true)
      const info = [...zones]
        .sort(([a], [b]) => Number(b === INTERNAL_ZONE) - Number(a === INTERNAL_ZONE))
        .map(([zoneName, z]) => ({ zoneName, zoneState: { available: z.available }, hosts: z.hosts }))
      return { status: 200, body: { availabilityZoneInfo: info } }
    }),
  ]
}
