/**
 * @module The instance as it travels between compute processes (API, conductor, scheduler,
 * agents): the database row with its JSON columns parsed. Everything here is JSON-serialisable,
 * since it crosses the message bus.
 */

/** A flavor as an instance remembers it: later changes to the flavor do not change the instance. */
/** A personality file (below microversion 2.57): where to write it in the guest, and its contents in base64. */
export type InjectedFile = { path: string; contents: string }

export type FlavorSnapshot = {
  flavorid: string
  name: string
  memory_mb: number
  vcpus: number
  root_gb: number
  ephemeral_gb: number
  swap: number
  rxtx_factor: number
  is_public: boolean
  description: string | null
  extra_specs: Record<string, string>
}

/** One attached network port as the info cache keeps it (Nova's VIF model, reduced). */
export type Vif = {
  port_id: string
  network_id: string
  network_label: string
  mac_address: string
  fixed_ips: Array<{ address: string; subnet_id: string; version: 4 | 6; floating_ips: string[] }>
  /** True when Nova created the port (delete it with the server); false for a user's port. */
  preserve_on_delete: boolean
  tag: string | null
  vif_type: string
  devname: string
}
export type NetworkInfo = Vif[]

export type Instance = {
  uuid: string
  display_name: string
  display_description: string | null
  project_id: string
  user_id: string
  image_ref: string
  flavor: FlavorSnapshot
  old_flavor: FlavorSnapshot | null
  new_flavor: FlavorSnapshot | null
  host: string | null
  node: string | null
  availability_zone: string | null
  vm_state: string
  task_state: string | null
  power_state: number
  locked: boolean
  locked_by: string | null
  locked_reason: string | null
  key_name: string | null
  key_data: string | null
  user_data: string | null
  config_drive: string
  access_ip_v4: string | null
  access_ip_v6: string | null
  hostname: string
  reservation_id: string
  launch_index: number
  metadata: Record<string, string>
  system_metadata: Record<string, string>
  info_cache: NetworkInfo
  security_groups: string[]
  progress: number
  launched_at: string | null
  terminated_at: string | null
  created_at: string
  updated_at: string
  deleted_at: string | null
  deleted: boolean
  root_device_name: string | null
  trusted_certs: string[] | null
  migration_host: string | null
  tags: string[]
}

/** Who asked, carried with every workflow so ports and images are made on the caller's behalf. */
export type RequestContext = {
  requestId: string
  userId: string
  projectId: string
  roles: string[]
  isAdmin: boolean
  /** The caller's token (for the network and image APIs), as Nova's RequestContext carries it. */
  token: string
}

/** A network the caller asked for at boot: a network, a port, or a fixed address on a network. */
export type RequestedNetwork = {
  network_id?: string
  port_id?: string
  fixed_ip?: string
  tag?: string
}

/** What the scheduler needs to place an instance, kept so later moves can be scheduled the same way. */
export type RequestSpec = {
  project_id: string
  user_id: string
  flavor: FlavorSnapshot
  image: { id: string; properties: Record<string, unknown>; min_disk: number; min_ram: number; size: number }
  availability_zone: string | null
  num_instances: number
  scheduler_hints: Record<string, unknown>
  /** Server group the instance belongs to, resolved at boot. */
  instance_group: { uuid: string; policy: string; rules: Record<string, unknown>; hosts: string[]; members: string[] } | null
  /** Hosts this instance must not land on again (its source host on migrate, failed hosts). */
  ignore_hosts: string[]
  /** Host (and optionally node) an admin forced, e.g. `az:host` at boot or a live-migration target. */
  force_hosts: string[]
  requested_networks: RequestedNetwork[] | 'auto' | 'none'
  /** Whether the root disk lives on a volume (then DISK_GB is not claimed). */
  boot_from_volume: boolean
}

/** One chosen host, with the allocation the scheduler claimed for it. */
export type Selection = {
  host: string
  node: string
  compute_node_uuid: string
  /** Placement allocation request for this host (resource provider → resources). */
  allocation: Record<string, { resources: Record<string, number> }>
}

/** The boot image's properties, as kept in system_metadata (`image_<name>`) when the server was created; min_ram and min_disk are not properties. */
export function bootImageProperties(systemMetadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(systemMetadata)
    .filter(([k]) => k.startsWith('image_') && k !== 'image_min_ram' && k !== 'image_min_disk').map(([k, v]) => [k.slice(6), v]))
}
