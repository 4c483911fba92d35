/**
 * @module Tempest's view of the network service: an external network `public` (with a subnet the
 * floating IP tests draw from) created as admin, and [network] / [network-feature-enabled] sections
 * listing exactly the extensions the cloud reports.
 */
import type { AdminSession, ConfSections, TempestService } from './types.ts'

const PUBLIC_CIDR = '172.24.4.0/24'

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

export const networkTempest: TempestService = {
  option: 'neutron',
  async prepare(admin): Promise<ConfSections> {
    const base = admin.endpoint('network')!.replace(/\/+$/, '')
    const found = await call(admin, base, 'GET', '/v2.0/networks?name=public&router:external=true')
    let net = found.networks[0]
    if (!net) {
      net = (await call(admin, base, 'POST', '/v2.0/networks', {
        network: { name: 'public', 'router:external': true, shared: false },
      })).network
      await call(admin, base, 'POST', '/v2.0/subnets', {
        subnet: { network_id: net.id, name: 'public-subnet', ip_version: 4, cidr: PUBLIC_CIDR, enable_dhcp: false },
      })
      admin.say(`network: created external network public (${net.id}) with ${PUBLIC_CIDR}`)
    }
    const ext = await call(admin, base, 'GET', '/v2.0/extensions')
    const aliases: string[] = ext.extensions.map((e: { alias: string }) => e.alias)
    return {
      network: {
        public_network_id: net.id,
        floating_network_name: 'public',
        project_network_cidr: '10.100.0.0/16',
        project_network_mask_bits: 28,
        project_network_v6_cidr: '2001:db8::/48',
        project_network_v6_mask_bits: 64,
        project_networks_reachable: false,
        default_network: '1.0.0.0/16,2.0.0.0/16',
      },
      'network-feature-enabled': {
        api_extensions: aliases.join(',') || 'None',
        ipv6: true,
        ipv6_subnet_attributes: true,
        port_security: aliases.includes('port-security'),
        floating_ips: aliases.includes('router'),
      },
    }
  },
}
