/**
 * @module How a server looks at each microversion (Nova's views/servers.py): the basic list
 * entry, the full detail view, and the narrower view update and rebuild answer with.
 */
import { createHash } from 'node:crypto'
import type { Instance, NetworkInfo } from '../../model/instance.ts'
import { PROGRESS_STATUSES, statusOf } from '../../model/states.ts'
import { atLeast, type Microversion } from '../microversion.ts'

export type ServerViewExtras = {
  fault?: { code: number; message: string; details: string; created_at: string }
  volumes?: Array<{ id: string; delete_on_termination: boolean }>
  serverGroups?: string[]
  /** Host state for admins at ≥ 2.16: UP, DOWN, MAINTENANCE, UNKNOWN or ''. */
  hostStatus?: string
}

export type ViewOptions = {
  version: Microversion
  base: string
  /** The caller may see OS-EXT-SRV-ATTR:* (admin). */
  extendedAttrs: boolean
  /** The caller may see flavor extra specs at ≥ 2.47. */
  flavorExtraSpecs: boolean
  /** Full detail (show, list detail) or the narrow view of update / rebuild. */
  kind: 'detail' | 'update' | 'rebuild'
  /** Whether this view shows server_groups (show, update and rebuild at ≥ 2.71; never the list). */
  showServerGroups?: boolean
  showHostStatus?: boolean
}

export function hostIdOf(projectId: string, host: string | null): string {
  if (!host) return ''
  return createHash('sha224').update(projectId + host).digest('hex')
}

export function selfLinks(base: string, kind: string, id: string, projectScoped = false): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${base}/v2.1/${projectScoped ? '' : ''}${kind}/${id}` },
    { rel: 'bookmark', href: `${base}/${kind}/${id}` },
  ]
}

export function basicView(i: Instance, base: string) {
  return { id: i.uuid, links: selfLinks(base, 'servers', i.uuid), name: i.display_name }
}

/** Addresses by network name, as Nova's `addresses`. */
export function addressesOf(info: NetworkInfo, extended: boolean): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const vif of info) {
    const list = (out[vif.network_label] ??= [])
    for (const ip of vif.fixed_ips) {
      list.push(extended
        ? { version: ip.version, addr: ip.address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': vif.mac_address }
        : { version: ip.version, addr: ip.address })
      for (const f of ip.floating_ips) {
        list.push(extended
          ? { version: 4, addr: f, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': vif.mac_address }
          : { version: 4, addr: f })
      }
    }
  }
  return out
}

export function instanceName(i: Instance): string {
  return `instance-${i.uuid.slice(0, 8)}`
}

export function serverView(i: Instance, o: ViewOptions, extras: ServerViewExtras = {}): Record<string, unknown> {
  const v = o.version
  const status = i.deleted ? 'DELETED' : statusOf(i.vm_state, i.task_state)
  const detail = o.kind === 'detail'
  const s: Record<string, unknown> = {
    id: i.uuid,
    name: i.display_name,
    status,
    tenant_id: i.project_id,
    user_id: i.user_id,
    metadata: i.metadata,
    hostId: hostIdOf(i.project_id, i.host),
    image: i.image_ref ? { id: i.image_ref, links: [{ rel: 'bookmark', href: `${o.base}/images/${i.image_ref}` }] } : '',
    flavor: flavorOf(i, o),
    created: iso(i.created_at),
    updated: iso(i.updated_at),
    addresses: addressesOf(i.info_cache, detail),
    accessIPv4: i.access_ip_v4 ?? '',
    accessIPv6: i.access_ip_v6 ?? '',
    links: selfLinks(o.base, 'servers', i.uuid),
    'OS-DCF:diskConfig': i.system_metadata.disk_config ?? 'MANUAL',
  }
  if (PROGRESS_STATUSES.has(status)) s.progress = i.progress
  if (extras.fault && (i.vm_state === 'error' || i.deleted)) {
    const f = extras.fault
    s.fault = { code: f.code, created: iso(f.created_at), message: f.message, ...(o.extendedAttrs || f.code !== 500 ? { details: f.details } : {}) }
  }
  if (detail) {
    s.key_name = i.key_name
    s.config_drive = i.config_drive
    s['OS-EXT-AZ:availability_zone'] = i.availability_zone ?? ''
    s['OS-SRV-USG:launched_at'] = i.launched_at ? iso(i.launched_at, true) : null
    s['OS-SRV-USG:terminated_at'] = i.terminated_at ? iso(i.terminated_at, true) : null
    s['OS-EXT-STS:task_state'] = i.task_state
    s['OS-EXT-STS:vm_state'] = i.vm_state
    s['OS-EXT-STS:power_state'] = i.power_state
    s['os-extended-volumes:volumes_attached'] = (extras.volumes ?? []).map((vol) =>
      atLeast(v, '2.3') ? { id: vol.id, delete_on_termination: vol.delete_on_termination } : { id: vol.id })
    // Nova leaves the key out when the server's ports carry no group (or it has no ports)
    if (i.info_cache.length && i.security_groups.length) s.security_groups = i.security_groups.map((name) => ({ name }))
    if (o.extendedAttrs) {
      s['OS-EXT-SRV-ATTR:host'] = i.host
      s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node
      s['OS-EXT-SRV-ATTR:instance_name'] = instanceName(i)
      if (atLeast(v, '2.3')) {
        s['OS-EXT-SRV-ATTR:reservation_id'] = i.reservation_id
        s['OS-EXT-SRV-ATTR:launch_index'] = i.launch_index
        s['OS-EXT-SRV-ATTR:kernel_id'] = i.system_metadata.kernel_id ?? ''
        s['OS-EXT-SRV-ATTR:ramdisk_id'] = i.system_metadata.ramdisk_id ?? ''
        s['OS-EXT-SRV-ATTR:hostname'] = i.hostname
        s['OS-EXT-SRV-ATTR:root_device_name'] = i.root_device_name
        s['OS-EXT-SRV-ATTR:user_data'] = i.user_data
      }
    }
    if (o.showHostStatus && atLeast(v, '2.16')) s.host_status = extras.hostStatus ?? ''
  }
  if (o.kind === 'rebuild' && atLeast(v, '2.54')) s.key_name = i.key_name
  if (o.kind === 'rebuild' && atLeast(v, '2.57')) s.user_data = i.user_data
  if (atLeast(v, '2.9')) s.locked = i.locked
  if (atLeast(v, '2.73')) s.locked_reason = i.locked_reason
  if (atLeast(v, '2.19')) s.description = i.display_description
  if (atLeast(v, '2.26')) s.tags = i.tags
  if (atLeast(v, '2.63')) s.trusted_image_certificates = i.trusted_certs
  if (o.showServerGroups && atLeast(v, '2.71')) s.server_groups = extras.serverGroups ?? []
  return s
}

function flavorOf(i: Instance, o: ViewOptions): Record<string, unknown> {
  const f = i.flavor
  if (!atLeast(o.version, '2.47')) {
    return { id: f.flavorid, links: [{ rel: 'bookmark', href: `${o.base}/flavors/${f.flavorid}` }] }
  }
  return {
    vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap, original_name: f.name,
    ...(o.flavorExtraSpecs ? { extra_specs: f.extra_specs } : {}),
  }
}

/** Nova shows times without fractions: 2026-12-06T04:05:16Z (launched_at: 2026-12-06T04:05:16.000000). */
export function iso(t: string, micro = false): string {
  const d = new Date(t).toISOString()
  return micro ? d.replace(/\.(\d{3})Z$/, '.$1000') : d.replace(/\.\d{3}Z$/, 'Z')
}
