/**
 * POST /servers: the request checked as Nova checks it (flavor, image, networks, zone, quota),
 * the instances recorded, the build handed to the conductor.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { isIP } from 'node:net'
import { nowIso } from '../../../common/db/columns.ts'
import { callerOf } from '../../../identity/auth-middleware.ts'
import { recordAction } from '../../db/actions.ts'
import { checkServerQuota } from '../../db/quotas.ts'
import { injectedFilesOf, isBase64 } from '../personality.ts'
import { badRequest, NovaError } from '../../errors.ts'
import type { FlavorSnapshot, RequestedNetwork, RequestSpec } from '../../model/instance.ts'
import { TaskState, VmState } from '../../model/states.ts'
import { validateRequestedNetworks } from '../../network/network-api.ts'
import { authorize, can, isAdmin, linkBase, projectOf, requestContext, versionOf, type ComputeApiDeps, type ComputeRequest } from '../context.ts'
import { canonicalIpv6 } from '../access-ips.ts'
import { atLeast } from '../microversion.ts'
import { isUuidLike } from '../../uuid-like.ts'

type CreateBody = {
  server: {
    name: string
    imageRef?: string
    flavorRef: string | number
    adminPass?: string
    metadata?: Record<string, string>
    networks?: Array<{ uuid?: string; port?: string | null; fixed_ip?: string; tag?: string }> | 'auto' | 'none'
    'OS-DCF:diskConfig'?: string
    accessIPv4?: string
    accessIPv6?: string
    key_name?: string | null
    user_data?: string | null
    availability_zone?: string
    block_device_mapping_v2?: Array<Record<string, unknown>>
    block_device_mapping?: unknown[]
    security_groups?: Array<{ name: string }>
    config_drive?: boolean | string
    min_count?: number | string
    max_count?: number | string
    return_reservation_id?: boolean | string
    description?: string | null
    tags?: string[]
    trusted_image_certificates?: string[] | null
    host?: string
    hypervisor_hostname?: string
    hostname?: string
    personality?: unknown[]
  }
  'os:scheduler_hints'?: Record<string, unknown>
  'OS-SCH-HNT:scheduler_hints'?: Record<string, unknown>
}

const truthy = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'yes', 'y', 'on', 't'].includes(v.toLowerCase()))

/** Fields that appeared at a microversion: using them earlier is a 400, as Nova's schemas say. */
const FIELD_VERSIONS: Array<[keyof CreateBody['server'], string]> = [
  ['description', '2.19'], ['tags', '2.52'], ['trusted_image_certificates', '2.63'], ['host', '2.74'], ['hypervisor_hostname', '2.74'], ['hostname', '2.90'],
]

export function hostnameOf(name: string): string {
  const h = name.toLowerCase().replace(/[^\w.-]+/g, '-').replace(/_/g, '-').replace(/^[.-]+|[.-]+$/g, '').slice(0, 63)
  return h || 'server'
}

async function resolveFlavor(deps: ComputeApiDeps, req: ComputeRequest, ref: string | number): Promise<FlavorSnapshot> {
  const id = String(ref).split('/').at(-1)!
  const row = await deps.db.selectFrom('flavors').selectAll().where('flavorid', '=', id).where('disabled', '=', 0).executeTakeFirst()
  const missing = () => badRequest(`Flavor ${id} could not be found.`)
  if (!row) throw missing()
  if (!Number(row.is_public) && !isAdmin(deps, req)) {
    const access = await deps.db.selectFrom('flavor_projects').select('project_id').where('flavorid', '=', id)
      .where('project_id', '=', projectOf(req)).executeTakeFirst()
    if (!access) throw missing()
  }
  const specs = await deps.db.selectFrom('flavor_extra_specs').select(['key', 'value']).where('flavorid', '=', id).execute()
  return {
    flavorid: row.flavorid, name: row.name, memory_mb: Number(row.memory_mb), vcpus: Number(row.vcpus), root_gb: Number(row.root_gb),
    ephemeral_gb: Number(row.ephemeral_gb), swap: Number(row.swap), rxtx_factor: Number(row.rxtx_factor), is_public: Boolean(Number(row.is_public)),
    description: row.description, extra_specs: Object.fromEntries(specs.map((s) => [s.key, s.value])),
  }
}

async function resolveImage(deps: ComputeApiDeps, req: ComputeRequest, ref: string, flavor: FlavorSnapshot, bootFromVolume: boolean): Promise<RequestSpec['image']> {
  const id = ref.split('/').at(-1)!
  if (!isUuidLike(id)) throw badRequest('Invalid imageRef provided.')
  const image = await deps.images(callerOf(req).token).get(id)
  if (!image) throw badRequest('Can not find requested image')
  if (image.status !== 'active') throw badRequest(`Image ${id} is not active.`)
  const size = Number(image.size ?? 0)
  if (flavor.memory_mb < Number(image.min_ram ?? 0)) throw badRequest("Flavor's memory is too small for requested image.")
  if (!bootFromVolume && flavor.root_gb > 0) {
    if (flavor.root_gb * 1024 ** 3 < size) throw badRequest("Flavor's disk is too small for requested image.")
    if (flavor.root_gb < Number(image.min_disk ?? 0)) throw badRequest("Flavor's disk is too small for requested image.")
  }
  const reserved = new Set(['id', 'name', 'status', 'visibility', 'owner', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
    'min_disk', 'min_ram', 'protected', 'os_hidden', 'tags', 'created_at', 'updated_at', 'file', 'schema', 'self', 'direct_url', 'locations'])
  const properties = Object.fromEntries(Object.entries(image).filter(([k]) => !reserved.has(k)))
  return { id, properties, min_disk: Number(image.min_disk ?? 0), min_ram: Number(image.min_ram ?? 0), size }
}

async function availabilityZones(deps: ComputeApiDeps): Promise<Set<string>> {
  const rows = await deps.db.selectFrom('host_aggregate_metadata').select('value').where('key', '=', 'availability_zone').execute()
  return new Set([deps.config.defaultAvailabilityZone, ...rows.map((r) => r.value)])
}

export async function createServer(deps: ComputeApiDeps, req: ComputeRequest) {
  const body = req.body as CreateBody
  const s = body.server
  const v = versionOf(req)
  const caller = callerOf(req)
  const projectId = projectOf(req)
  authorize(deps, req, 'servers:create', { project_id: projectId })
  for (const [field, min] of FIELD_VERSIONS) {
    if (s[field] !== undefined && !atLeast(v, min)) throw badRequest(`Invalid input for field/attribute server. Value: ${JSON.stringify(s)}. Additional properties are not allowed ('${field}' was unexpected)`)
  }
  if (s.personality !== undefined && atLeast(v, '2.57')) throw badRequest("Invalid input for field/attribute server. Additional properties are not allowed ('personality' was unexpected)")
  if (atLeast(v, '2.37') && s.networks === undefined) throw badRequest("Invalid input for field/attribute server. 'networks' is a required property")
  if (!atLeast(v, '2.37') && typeof s.networks === 'string') throw badRequest(`Invalid input for field/attribute networks. Value: ${s.networks}. '${s.networks}' is not of type 'array'`)
  if (s.accessIPv4 !== undefined && isIP(s.accessIPv4) !== 4) throw badRequest(`Invalid input for field/attribute accessIPv4. Value: ${s.accessIPv4}. '${s.accessIPv4}' is not a 'ipv4'`)
  if (s.accessIPv6 !== undefined && isIP(s.accessIPv6) !== 6) throw badRequest(`Invalid input for field/attribute accessIPv6. Value: ${s.accessIPv6}. '${s.accessIPv6}' is not a 'ipv6'`)
  if (s.user_data) {
    if (!isBase64(s.user_data)) throw badRequest('User data needs to be valid base 64.')
  }
  const minCount = Number(s.min_count ?? 1)
  const maxCount = Number(s.max_count ?? minCount)
  if (!Number.isInteger(minCount) || !Number.isInteger(maxCount) || minCount < 1 || maxCount < 1) throw badRequest('min_count and max_count must be positive integers.')
  if (minCount > maxCount) throw badRequest("min_count must be <= max_count")
  if (maxCount > 1) authorize(deps, req, 'os-multiple-create', { project_id: projectId })
  if (Object.keys(s.metadata ?? {}).length > deps.config.quotas.metadataItems && deps.config.quotas.metadataItems >= 0) {
    throw new NovaError(403, `Quota exceeded for metadata_items: Requested ${Object.keys(s.metadata!).length}, but already used 0 of ${deps.config.quotas.metadataItems} metadata_items`)
  }

  // Boot source: an image, or a volume through block_device_mapping_v2.
  const bdms = s.block_device_mapping_v2 ?? []
  const bootBdm = bdms.find((b) => String(b.boot_index ?? '') === '0')
  const bootFromVolume = bootBdm !== undefined && bootBdm.destination_type === 'volume'
  if (bdms.some((b) => b.destination_type === 'volume' || b.source_type === 'volume' || b.source_type === 'snapshot')) {
    throw badRequest('Block Device Mapping is Invalid: volumes need the block storage service, which this cloud does not run yet.')
  }
  const imageRef = s.imageRef ?? (bootBdm?.source_type === 'image' ? String(bootBdm.uuid ?? '') : '')
  if (!imageRef && !bootFromVolume) throw badRequest('Missing imageRef attribute')

  const flavor = await resolveFlavor(deps, req, s.flavorRef)
  const image = imageRef ? await resolveImage(deps, req, imageRef, flavor, bootFromVolume) : { id: '', properties: {}, min_disk: 0, min_ram: 0, size: 0 }

  let keyData: string | null = null
  if (s.key_name) {
    const kp = await deps.db.selectFrom('keypairs').select('public_key').where('user_id', '=', caller.userId).where('name', '=', s.key_name).executeTakeFirst()
    if (!kp) throw badRequest('Invalid key_name provided.')
    keyData = kp.public_key
  }

  // Availability zone, optionally with a forced host: "az", "az:host", "az:host:node" (admin only for hosts).
  let az: string | null = null
  const forceHosts: string[] = []
  if (s.availability_zone) {
    const [zone, host, node] = s.availability_zone.split(':')
    if (host || node) {
      authorize(deps, req, 'servers:create:forced_host', { project_id: projectId })
      forceHosts.push(host || node)
    }
    if (zone) {
      if (!(await availabilityZones(deps)).has(zone)) throw badRequest('The requested availability zone is not available')
      az = zone
    }
  }
  if (s.host || s.hypervisor_hostname) {
    authorize(deps, req, 'servers:create:requested_destination', { project_id: projectId })
    const h = s.host ?? s.hypervisor_hostname!
    const known = await deps.db.selectFrom('compute_nodes').select('host').where((eb) => eb.or([eb('host', '=', h), eb('hypervisor_hostname', '=', h)])).executeTakeFirst()
    if (!known) throw badRequest(`Compute host ${h} could not be found.`)
    forceHosts.push(known.host)
  }

  const hints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}
  let group: RequestSpec['instance_group'] = null
  if (hints.group !== undefined) {
    const g = await deps.db.selectFrom('server_groups').selectAll().where('uuid', '=', String(hints.group)).executeTakeFirst()
    if (!g || (g.project_id !== projectId && !isAdmin(deps, req))) throw badRequest(`Invalid input for field/attribute group. Value: ${hints.group}.`)
    const members = await deps.db.selectFrom('server_group_members').select('instance_uuid').where('group_id', '=', g.id).execute()
    group = { uuid: g.uuid, policy: g.policy, rules: JSON.parse(g.rules), hosts: [], members: members.map((m) => m.instance_uuid) }
    const limit = deps.config.quotas.serverGroupMembers
    if (limit >= 0 && members.length + maxCount > limit) throw new NovaError(403, 'Quota exceeded, too many servers in group')
  }

  const requested: RequestedNetwork[] | 'auto' | 'none' | undefined = typeof s.networks === 'string'
    ? s.networks
    : s.networks?.map((n) => ({ network_id: n.uuid, port_id: n.port ?? undefined, fixed_ip: n.fixed_ip, tag: n.tag }))
  for (const n of Array.isArray(requested) ? requested : []) {
    if (n.fixed_ip !== undefined && !isIP(n.fixed_ip)) throw badRequest(`Invalid fixed IP address (${n.fixed_ip})`)
  }
  if (Array.isArray(requested) && !atLeast(v, '2.32') && s.networks && (s.networks as Array<{ tag?: string }>).some((n) => n.tag !== undefined)) {
    throw badRequest("Invalid input for field/attribute networks. Additional properties are not allowed ('tag' was unexpected)")
  }
  const network = deps.network.forUser(caller.token)
  const networks = await validateRequestedNetworks(network, projectId, requested, maxCount)
  const securityGroups = [...new Set((s.security_groups ?? []).map((g) => g.name))]
  if (securityGroups.length && networks.length) {
    const groups = await network.listSecurityGroups({ project_id: projectId })
    for (const name of securityGroups) {
      if (!groups.some((g) => g.name === name || g.id === name)) throw badRequest(`Unable to find security group with name or id '${name}'`)
    }
  }

  const injectedFiles = await injectedFilesOf(deps, projectId, caller.userId, s.personality)

  // Quota: as many servers as fit between min_count and max_count (Nova's behaviour).
  let count = maxCount
  for (;;) {
    try {
      await checkServerQuota(deps.db, deps.config, projectId, caller.userId, { instances: count, cores: count * flavor.vcpus, ram: count * flavor.memory_mb })
      break
    } catch (err) {
      if (count <= minCount) throw err
      count--
    }
  }

  const now = nowIso()
  const reservationId = `r-${randomBytes(4).toString('hex')}`
  const adminPass = s.adminPass ?? randomBytes(9).toString('base64').replace(/[+/=]/g, 'x')
  const spec: RequestSpec = {
    project_id: projectId, user_id: caller.userId, flavor, image, availability_zone: az, num_instances: count,
    scheduler_hints: hints, instance_group: group, ignore_hosts: [], force_hosts: forceHosts,
    requested_networks: requested ?? [], boot_from_volume: bootFromVolume,
  }
  const uuids: string[] = []
  await deps.db.transaction().execute(async (trx) => {
    for (let n = 0; n < count; n++) {
      const uuid = randomUUID()
      uuids.push(uuid)
      const name = count > 1 ? `${s.name}-${n + 1}` : s.name
      await trx.insertInto('instances').values({
        uuid, display_name: name, display_description: s.description ?? null, project_id: projectId, user_id: caller.userId,
        image_ref: image.id, flavorid: flavor.flavorid, flavor: JSON.stringify(flavor), old_flavor: null, new_flavor: null,
        vcpus: flavor.vcpus, memory_mb: flavor.memory_mb, root_gb: flavor.root_gb, ephemeral_gb: flavor.ephemeral_gb, swap: flavor.swap,
        host: null, node: null, availability_zone: az, vm_state: VmState.BUILDING, task_state: TaskState.SCHEDULING, power_state: 0,
        locked: 0, locked_by: null, locked_reason: null, key_name: s.key_name ?? null, key_data: keyData, user_data: s.user_data ?? null,
        config_drive: truthy(s.config_drive) ? 'True' : '', access_ip_v4: s.accessIPv4 ?? null, access_ip_v6: s.accessIPv6 === undefined ? null : canonicalIpv6(s.accessIPv6),
        hostname: s.hostname ?? hostnameOf(count > 1 ? `${s.name}-${n + 1}` : s.name), reservation_id: reservationId, launch_index: n,
        metadata: JSON.stringify(s.metadata ?? {}),
        system_metadata: JSON.stringify({ disk_config: s['OS-DCF:diskConfig'] ?? 'MANUAL', ...imageSystemMetadata(image) }),
        info_cache: '[]', security_groups: JSON.stringify(securityGroups.length ? securityGroups : ['default']),
        progress: 0, launched_at: null, terminated_at: null, created_at: now, updated_at: now, deleted_at: null, deleted: 0,
        root_device_name: null, trusted_certs: s.trusted_image_certificates ? JSON.stringify(s.trusted_image_certificates) : null, migration_host: null,
      }).execute()
      for (const tag of new Set(s.tags ?? [])) await trx.insertInto('instance_tags').values({ instance_uuid: uuid, tag }).execute()
      await trx.insertInto('request_specs').values({ instance_uuid: uuid, spec: JSON.stringify(spec) }).execute()
      if (group) {
        const g = await trx.selectFrom('server_groups').select('id').where('uuid', '=', group.uuid).executeTakeFirstOrThrow()
        await trx.insertInto('server_group_members').values({ group_id: g.id, instance_uuid: uuid }).execute()
      }
      for (const b of bdms) {
        await trx.insertInto('block_device_mappings').values({
          uuid: randomUUID(), instance_uuid: uuid, source_type: String(b.source_type ?? 'image'), destination_type: String(b.destination_type ?? 'local'),
          boot_index: b.boot_index === undefined || b.boot_index === null ? null : Number(b.boot_index), device_name: (b.device_name as string) ?? null,
          volume_id: null, image_id: b.source_type === 'image' ? String(b.uuid ?? '') : null, snapshot_id: null,
          volume_size: b.volume_size === undefined || b.volume_size === null ? null : Number(b.volume_size),
          delete_on_termination: truthy(b.delete_on_termination) ? 1 : 0, disk_bus: (b.disk_bus as string) ?? null,
          device_type: (b.device_type as string) ?? null, guest_format: (b.guest_format as string) ?? null, tag: (b.tag as string) ?? null,
          attachment_id: null, created_at: now,
        }).execute()
      }
      await recordAction(trx, { action: 'create', instanceUuid: uuid, requestId: req.requestId, userId: caller.userId, projectId })
    }
  })
  deps.log.info(`accepted ${count} server${count > 1 ? 's' : ''} "${s.name}" for scheduling`, { request_id: req.requestId, instances: uuids.join(',') })
  await deps.rpc.castConductor('buildInstances', {
    context: requestContext(deps, req), instanceUuids: uuids, spec, adminPassword: adminPass,
    requestedNetworks: networks.length ? networks : 'none', blockDevices: bdms, injectedFiles,
  })

  if (truthy(s.return_reservation_id)) return { status: 202, body: { reservation_id: reservationId } }
  const server: Record<string, unknown> = {
    id: uuids[0],
    links: [
      { rel: 'self', href: `${linkBase(req)}/v2.1/servers/${uuids[0]}` },
      { rel: 'bookmark', href: `${linkBase(req)}/servers/${uuids[0]}` },
    ],
    'OS-DCF:diskConfig': s['OS-DCF:diskConfig'] ?? 'MANUAL',
    security_groups: (securityGroups.length ? securityGroups : ['default']).map((name) => ({ name })),
  }
  if (can(deps, req, 'servers:create', { project_id: projectId })) server.adminPass = adminPass
  return { status: 202, body: { server } }
}

function imageSystemMetadata(image: RequestSpec['image']): Record<string, string> {
  const out: Record<string, string> = { image_min_ram: String(image.min_ram), image_min_disk: String(image.min_disk) }
  for (const [k, val] of Object.entries(image.properties)) if (typeof val === 'string') out[`image_${k}`] = val
  return out
}
