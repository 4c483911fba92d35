/**
 * @module Tempest's view of the compute service: the two small flavors Nubis ships (m1.nano, m1.micro)
 * as flavor_ref / flavor_ref_alt, a shared network `private` the test projects boot on
 * ([compute] fixed_network_name) with DevStack's router1 to the external network, the microversion range the API advertises, and the features
 * the fake driver implements (stable device rescue among them).
 */
import type { AdminSession, ConfSections, TempestService } from './types.ts'

const PRIVATE_CIDR = '10.254.0.0/16'

async function call(admin: AdminSession, base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-auth-token': admin.token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

/**
 * As DevStack's router1: a router from the private network to the external one, so the floating
 * IP tests can associate an address with a server on private.
 */
async function routePrivateToPublic(admin: AdminSession, network: string): Promise<void> {
  const publicNet = (await call(admin, network, 'GET', '/v2.0/networks?name=public&router:external=true')).networks[0]
  const subnet = (await call(admin, network, 'GET', '/v2.0/subnets?name=private-subnet')).subnets[0]
  if (!publicNet || !subnet || (await call(admin, network, 'GET', '/v2.0/routers?name=router1')).routers.length) return
  const router = (await call(admin, network, 'POST', '/v2.0/routers', { router: { name: 'router1', external_gateway_info: { network_id: publicNet.id } } })).router
  await call(admin, network, 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id })
  admin.say(`compute: created router router1 (${router.id}) from private to public`)
}

export const computeTempest: TempestService = {
  option: 'nova',
  async prepare(admin): Promise<ConfSections> {
    const compute = admin.endpoint('compute')!.replace(/\/+$/, '')
    const version = (await call(admin, compute, 'GET', '')).version
    const flavors: Array<{ id: string; name: string }> = (await call(admin, compute, 'GET', '/flavors')).flavors
    const nano = flavors.find((f) => f.name === 'm1.nano') ?? flavors[0]
    const micro = flavors.find((f) => f.name === 'm1.micro') ?? flavors[1] ?? nano
    const network = admin.endpoint('network')?.replace(/\/+$/, '')
    if (network) {
      const found = await call(admin, network, 'GET', '/v2.0/networks?name=private&shared=true')
      if (!found.networks.length) {
        const net = (await call(admin, network, 'POST', '/v2.0/networks', { network: { name: 'private', shared: true } })).network
        await call(admin, network, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, name: 'private-subnet', ip_version: 4, cidr: PRIVATE_CIDR } })
        admin.say(`compute: created shared network private (${net.id}) with ${PRIVATE_CIDR}`)
      }
      await routePrivateToPublic(admin, network)
    }
    const hosts = (await call(admin, compute, 'GET', '/os-services?binary=nova-compute')).services.length
    admin.say(`compute: microversions ${version.min_version}..${version.version}, flavors ${nano.id} / ${micro.id}, ${hosts} compute host(s)`)
    return {
      compute: {
        flavor_ref: nano.id,
        flavor_ref_alt: micro.id,
        fixed_network_name: 'private',
        min_microversion: version.min_version,
        max_microversion: version.version,
        build_timeout: 60,
        build_interval: 1,
        min_compute_nodes: hosts,
        region: 'RegionOne',
      },
      'compute-feature-enabled': {
        api_extensions: 'all',
        change_password: true,
        console_output: true,
        resize: true,
        pause: true,
        suspend: true,
        shelve: true,
        shelve_migrate: false,
        cold_migration: hosts > 1,
        live_migration: hosts > 1,
        block_migration_for_live_migration: true,
        rescue: true,
        stable_rescue: true,
        snapshot: true,
        interface_attach: true,
        metadata_service: false,
        personality: true,
        config_drive: false,
        spice_console: false,
        vnc_console: false,
        serial_console: false,
        rdp_console: false,
        attach_encrypted_volume: false,
        swap_volume: false,
        volume_multiattach: false,
        xenapi_apis: false,
        unified_limits: false,
        hostname_fqdn_sanitization: true,
        scheduler_enabled_filters: 'ComputeFilter,AvailabilityZoneFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter,AggregateInstanceExtraSpecsFilter,SameHostFilter,DifferentHostFilter',
      },
    }
  },
}
